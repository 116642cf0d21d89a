"""ResearchProjectSpace: one approved research project's isolated workspace, instantiable N times.

Each space has its own network and subnet (on the network's internal router, so no internet route), its
own default-deny security group (SSH from the bastion only, DNS to the configured resolvers), a hardened
instance, an encrypted volume attached to it, a private versioned container, and its own key. Every
child's name starts with the space's name, so spaces never clash; their ranges are checked against the
network's tiers and the spaces attached before.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_openstack as openstack
from pydantic import Field, ValidationInfo, field_validator

from souverain.catalog import Catalog

from ._common import (
    SLUG,
    ProviderArg,
    ServerArgs,
    context_value,
    default_deny_group,
    hardened_server,
    refusals,
    validated_offer,
)
from .bastion import Bastion
from .keys import KeyManagement
from .network import IsolatedNetwork, PrivateSubnet, network_and_subnet
from .storage import (
    MAX_VOLUME_GIB,
    EncryptedVolume,
    ObjectStore,
    check_volume_type,
    require_encrypted_object_storage,
)


class ResearchProjectSpaceArgs(ServerArgs):
    cidr: PrivateSubnet
    """The space's own subnet: private, /16 to /28, clear of the network's tiers and other spaces."""
    volume_size: int = Field(ge=1, le=MAX_VOLUME_GIB)
    volume_type: str | None = Field(default=None, validate_default=True)
    readers: tuple[str, ...] = ()
    """Keystone user ids of the project's members: read access to its key (Barbican ACL)."""
    container_name: str | None = Field(default=None, pattern=SLUG)

    @field_validator("region")
    @classmethod
    def _offer_holds_data(cls, region: str, info: ValidationInfo) -> str:
        """The space stores data: the offer must encrypt objects, and have a key manager for health data."""
        offer = validated_offer(info, region)
        if offer is not None:
            require_encrypted_object_storage(offer)
            if offer.capabilities.key_manager == "none" and info.data["labels"].health_data:
                raise ValueError(
                    f"{offer.name} has no key manager, and the data classification is health data"
                )
        return region

    @field_validator("cidr")
    @classmethod
    def _cidr_is_free(cls, cidr: ipaddress.IPv4Network, info: ValidationInfo) -> ipaddress.IPv4Network:
        for used in context_value(info, "reserved_cidrs") or ():
            if cidr.overlaps(used):
                raise ValueError(f"{cidr} overlaps {used}, already used on the network")
        return cidr

    _encrypted = field_validator("volume_type")(check_volume_type)


class ResearchProjectSpace(pulumi.ComponentResource):
    """An isolated workspace for one research project, attached to an `IsolatedNetwork`."""

    TYPE = "souverain:research:ResearchProjectSpace"

    def __init__(
        self,
        name: str,
        args: ResearchProjectSpaceArgs | Mapping[str, Any],
        *,
        network: IsolatedNetwork,
        bastion: Bastion | None = None,
        provider: ProviderArg = None,
        catalog: Catalog | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if not isinstance(network, IsolatedNetwork):
            raise TypeError("network must be an IsolatedNetwork")
        with refusals(self.TYPE, name):
            valid, place = network.place(
                ResearchProjectSpaceArgs, args, catalog, provider, reserved_cidrs=network.reserved_cidrs()
            )
            container_name = valid.container_name or name
            if not re.fullmatch(SLUG, container_name):
                raise ValueError(f"space name {name!r} is not a valid container name: set container_name")
        network.claim(valid.cidr)
        super().__init__(self.TYPE, name, None, opts)
        self.placement = place
        region = place.region
        cidr = valid.cidr

        self.network, self.subnet = network_and_subnet(
            name,
            place,
            self,
            tier="research",
            description=f"research project {place.labels.project}",
            cidr=cidr,
            dns_nameservers=[str(ip) for ip in network.dns_nameservers],
        )
        openstack.networking.RouterInterface(
            f"{name}-internal-if",
            router_id=network.internal_router.id,
            subnet_id=self.subnet.id,
            region=region,
            opts=place.opts(self),
        )
        for tier in network.edge_tiers:
            network.route_to_internal(f"{name}-from-{tier}", tier, cidr, self)

        self.security_group = default_deny_group(
            name,
            place,
            self,
            tier="research",
            description=f"research project {place.labels.project}: default deny",
        )
        network.allow_dns(name, self.security_group, self)
        if bastion is not None:
            bastion.allow_ssh_to(name, self.security_group, self)

        self.port, self.instance = hardened_server(
            name,
            valid,
            place,
            self,
            tier="research",
            role=f"research:{place.labels.project}",
            allow_forwarding=False,
            network_id=self.network.id,
            subnet_id=self.subnet.id,
            security_group_ids=[self.security_group.id],
        )
        self.keys = KeyManagement(
            f"{name}-keys",
            place.child_args(keys=[{"name": "data"}], readers=valid.readers),
            provider=place.provider,
            catalog=place.catalog,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.volume = EncryptedVolume(
            f"{name}-data",
            place.child_args(size=valid.volume_size, volume_type=valid.volume_type),
            instance=self.instance,
            provider=place.provider,
            catalog=place.catalog,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.store = ObjectStore(
            f"{name}-objects",
            place.child_args(container_name=container_name),
            provider=place.provider,
            catalog=place.catalog,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "project": place.labels.project,
                "cidr": str(cidr),
                "network_id": self.network.id,
                "security_group_id": self.security_group.id,
                "instance_id": self.instance.id,
                "volume_id": self.volume.volume.id,
                "container": self.store.container_name,
                "key_manager": self.keys.key_manager,
            }
        )
