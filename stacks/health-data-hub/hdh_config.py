"""The Health Data Hub stack's configuration: every key of Pulumi.<stack>.yaml, typed and validated.

Field aliases are the Pulumi config keys: `openstack:region` and `openstack:authUrl` for the cloud, the
project's own keys (`health-data-hub:...`) for the rest. `souverain.stackconfig.load_config` reads them
and stops the program, before any resource, with the key that is wrong.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from souverain.catalog import Catalog
from souverain.validation import cidr

SLUG = r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$"
PACKAGE = "openstack"
IPNetwork = Annotated[ipaddress.IPv4Network | ipaddress.IPv6Network, BeforeValidator(cidr)]
"""A CIDR, host bits clear (`10.0.0.1/24` is refused with the network that was probably meant)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Servers(_Model):
    """Image, flavor and SSH keypair of the hosts the stack creates."""

    image_name: str = Field(alias="imageName", min_length=1)
    bastion_flavor: str = Field(alias="bastionFlavor", min_length=1)
    research_flavor: str = Field(alias="researchFlavor", min_length=1)
    key_pair: str = Field(alias="keyPair", min_length=1)
    """An existing Nova keypair (the administrators' keys), in both regions."""


class SndsExtract(_Model):
    """One encrypted volume holding a pseudonymised SNDS extract (DCIR, PMSI...)."""

    name: str = Field(pattern=SLUG)
    size_gb: int = Field(alias="sizeGb", ge=1, le=16384)


class ResearchProject(_Model):
    """An approved research project (ethics committee, then CNIL): its own isolated space."""

    name: str = Field(pattern=SLUG)
    cidr: ipaddress.IPv4Network
    volume_size_gb: int = Field(alias="volumeSizeGb", ge=1, le=16384)
    readers: tuple[str, ...] = ()
    """Keystone user ids of the project's members (read access to its key)."""


class TierCidrs(_Model):
    admin: ipaddress.IPv4Network
    app: ipaddress.IPv4Network
    data: ipaddress.IPv4Network


class Flow(_Model):
    source: Literal["admin", "app", "data"]
    destination: Literal["admin", "app", "data"]
    protocol: Literal["tcp", "udp", "icmp"]
    port: int | None = Field(default=None, ge=1, le=65535)


def _check_region(region: str, what: str, catalog: Catalog | None, health_data: bool) -> None:
    if catalog is None:
        return
    if not catalog.offers_for_region(region):
        raise ValueError(
            f"{what} {region!r} is not in the sovereignty catalog (declare contract regions in an overlay)"
        )
    if not catalog.region_qualified(region, "secnumcloud", PACKAGE):
        raise ValueError(f"{what} {region!r} is not SecNumCloud-qualified for OpenStack")
    if health_data and not catalog.region_qualified(region, "hds", PACKAGE):
        raise ValueError(f"{what} {region!r} is not HDS-certified, and the stack holds health data")


class HdhConfig(_Model):
    # Field order matters: the regions' validators read the data classification.
    owner: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")
    data_classification: str = Field(alias="dataClassification", pattern=r"^[a-z][a-z0-9_-]*$")
    """`health-pseudonymised` for the SNDS; anything starting with `health` is health data (HDS regions)."""
    region: str = Field(alias="openstack:region", min_length=1)
    """Every resource's region: changing it moves the whole stack."""
    auth_url: str = Field(alias="openstack:authUrl", pattern=r"^https://")
    tenant_name: str | None = Field(default=None, alias="openstack:tenantName")
    backup_region: str = Field(alias="backupRegion", min_length=1)
    """The second qualified region that backups are replicated to."""
    backup_auth_url: str | None = Field(default=None, alias="backupAuthUrl", pattern=r"^https://")
    """Keystone of the backup region, when it is not the primary's."""
    admin_ranges: tuple[IPNetwork, ...] = Field(alias="adminRanges", min_length=1)
    """Where administrators connect from: the only sources of SSH to the bastion."""
    dns_nameservers: tuple[ipaddress.IPv4Address, ...] = Field(
        alias="dnsNameservers", min_length=1, max_length=5
    )
    external_network: str = Field(alias="externalNetwork", min_length=1)
    tiers: TierCidrs
    flows: tuple[Flow, ...] = ()
    servers: Servers
    snds_extracts: tuple[SndsExtract, ...] = Field(alias="sndsExtracts", min_length=1)
    research_projects: tuple[ResearchProject, ...] = Field(alias="researchProjects", default=())
    key_readers: tuple[str, ...] = Field(alias="keyReaders", default=())
    """Keystone user ids of the platform operators: read access to the platform's keys."""

    @property
    def health_data(self) -> bool:
        return self.data_classification.startswith("health")

    @field_validator("region", "backup_region")
    @classmethod
    def _qualified(cls, region: str, info: ValidationInfo) -> str:
        catalog = info.context.get("catalog") if isinstance(info.context, dict) else None
        classification = info.data.get("data_classification")
        health = classification.startswith("health") if isinstance(classification, str) else True
        _check_region(region, "region", catalog if isinstance(catalog, Catalog) else None, health)
        if (
            info.field_name == "backup_region"
            and region.casefold() == str(info.data.get("region")).casefold()
        ):
            raise ValueError("must differ from openstack:region: a backup in the same region is no backup")
        return region

    @field_validator("admin_ranges")
    @classmethod
    def _not_the_internet(cls, ranges: tuple[IPNetwork, ...]) -> tuple[IPNetwork, ...]:
        for network in ranges:
            if network.prefixlen == 0:
                raise ValueError(f"{network} is the whole internet: list the administrators' own ranges")
        return ranges

    @field_validator("snds_extracts", "research_projects")
    @classmethod
    def _unique_names(
        cls, items: tuple[SndsExtract | ResearchProject, ...]
    ) -> tuple[SndsExtract | ResearchProject, ...]:
        names = [item.name for item in items]
        if len(set(names)) != len(names):
            raise ValueError("a name is used twice")
        return items
