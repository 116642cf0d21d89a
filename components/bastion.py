"""Bastion: the only SSH entry, on an edge tier (`admin` unless `tier` names another), reachable from
the admin ranges only.

Every tier of the network then accepts SSH only from the bastion's security group (`remote_group_id`),
never from an address range, so moving the bastion never opens a hole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_openstack as openstack
from pydantic import Field, field_validator

from souverain.catalog import Catalog
from souverain.validation import Problem

from ._common import (
    Cidr,
    ComponentRefusedError,
    IPNetwork,
    ProviderArg,
    ServerArgs,
    default_deny_group,
    floating_ip_on_port,
    hardened_server,
    refusals,
    security_rule,
)
from .network import SSH_PORT, IsolatedNetwork, TierName

MIN_PREFIX = {4: 8, 6: 32}
"""Broader ranges than these are the internet in all but name."""


class BastionArgs(ServerArgs):
    admin_ranges: tuple[Cidr, ...] = Field(min_length=1)
    """Where administrators connect from (office, VPN egress): the only sources allowed to SSH in."""
    external_network: str = Field(min_length=1)
    """The offer's external network, for the floating IP."""
    tier: TierName = "admin"
    """The network's tier the bastion sits on; it must be an edge tier (its floating IP needs the edge
    router). Any name: a network whose tiers are `mgmt`, `web`, `db` puts the bastion on `mgmt`."""

    @field_validator("admin_ranges")
    @classmethod
    def _narrow(cls, ranges: tuple[IPNetwork, ...]) -> tuple[IPNetwork, ...]:
        for network in ranges:
            if network.prefixlen == 0:
                raise ValueError(f"{network} is the whole internet: list the administrators' own ranges")
            if network.prefixlen < MIN_PREFIX[network.version]:
                raise ValueError(
                    f"{network} is broader than /{MIN_PREFIX[network.version]}: list narrower ranges"
                )
            if network.is_loopback or network.is_multicast or network.is_unspecified:
                raise ValueError(f"{network} is not a range administrators connect from")
        if len(set(ranges)) != len(ranges):
            raise ValueError("a range is listed twice")
        return ranges


class Bastion(pulumi.ComponentResource):
    """A hardened SSH jump host with a floating IP on the admin tier of an `IsolatedNetwork`."""

    TYPE = "souverain:bastion:Bastion"

    def __init__(
        self,
        name: str,
        args: BastionArgs | Mapping[str, Any],
        *,
        network: IsolatedNetwork,
        provider: ProviderArg = None,
        catalog: Catalog | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if not isinstance(network, IsolatedNetwork):
            raise TypeError("network must be an IsolatedNetwork")
        with refusals(self.TYPE, name):
            valid, place = network.place(BastionArgs, args, catalog, provider)
            tier = valid.tier
            if tier not in network.edge_tiers:
                edges = ", ".join(network.edge_tiers) or "none"
                what = "is not on the edge router of" if tier in network.networks else "is not a tier of"
                reason = (
                    f"{tier} {what} network {network.name!r} (its edge tiers: {edges}); the bastion needs "
                    "an edge tier for its floating IP"
                )
                raise ComponentRefusedError(self.TYPE, name, [Problem(("tier",), reason)])
        super().__init__(self.TYPE, name, None, opts)
        self.placement = place
        self.network = network
        self.tier = tier
        tags = place.labels.tags(tier)

        self.security_group = default_deny_group(
            name,
            place,
            self,
            tier=tier,
            description="bastion: SSH in from the admin ranges only, SSH out to the tiers only",
        )
        self.security_group_id: pulumi.Output[str] = self.security_group.id
        for index, admin_range in enumerate(valid.admin_ranges):
            security_rule(
                f"{name}-ssh-from-admin-{index}",
                place,
                self,
                direction="ingress",
                ethertype=f"IPv{admin_range.version}",
                protocol="tcp",
                ports=(SSH_PORT, SSH_PORT),
                remote_ip_prefix=str(admin_range),
                group=self.security_group,
                description="SSH from an admin range",
            )
        for other, group in network.security_groups.items():
            self.allow_ssh_to(f"{name}-{other}", group)

        self.port, self.instance = hardened_server(
            name,
            valid,
            place,
            self,
            tier=tier,
            role="bastion",
            allow_forwarding=True,
            network_id=network.networks[tier].id,
            subnet_id=network.subnets[tier].id,
            security_group_ids=[self.security_group.id, network.security_groups[tier].id],
        )
        self.floating_ip = floating_ip_on_port(
            name,
            place,
            self,
            pool=valid.external_network,
            port_id=self.port.id,
            description=f"bastion {name}",
            tags=tags,
        )
        self.public_ip: pulumi.Output[str] = self.floating_ip.address
        self.register_outputs(
            {
                "public_ip": self.public_ip,
                "security_group_id": self.security_group_id,
                "instance_id": self.instance.id,
                "admin_ranges": [str(r) for r in valid.admin_ranges],
            }
        )

    def allow_ssh_to(
        self, prefix: str, group: openstack.networking.SecGroup, parent: pulumi.Resource | None = None
    ) -> None:
        """SSH from the bastion into `group`: ingress there from the bastion's group, egress here to it."""
        for direction, owner, remote in (
            ("ingress", group, self.security_group),
            ("egress", self.security_group, group),
        ):
            security_rule(
                f"{prefix}-ssh-{direction}",
                self.placement,
                parent or self,
                direction=direction,
                protocol="tcp",
                ports=(SSH_PORT, SSH_PORT),
                remote_group=remote,
                group=owner,
                description="SSH through the bastion only",
            )
