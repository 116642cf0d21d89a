"""The template's configuration: each field's alias is its Pulumi config key."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, ConfigDict, Field


class AgencyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    owner: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")
    data_classification: str = Field(alias="dataClassification", pattern=r"^[a-z][a-z0-9_-]*$")
    region: str = Field(alias="openstack:region", min_length=1)
    """Judged by the components (SovereignProvider first): a region the catalog does not list as qualified
    is their refusal, a finding located on this key's line in Pulumi.<stack>.yaml."""
    auth_url: str = Field(alias="openstack:authUrl", pattern=r"^https://")
    admin_ranges: tuple[str, ...] = Field(alias="adminRanges", min_length=1)
    """Checked by the Bastion (CIDR, host bits clear, narrow enough); a refusal names this key."""
    dns_nameservers: tuple[ipaddress.IPv4Address, ...] = Field(alias="dnsNameservers", min_length=1)
    external_network: str = Field(alias="externalNetwork", min_length=1)
    image_name: str = Field(alias="imageName", min_length=1)
    flavor: str = Field(min_length=1)
    key_pair: str = Field(alias="keyPair", min_length=1)
    data_volume_size_gb: int = Field(alias="dataVolumeSizeGb", ge=1, le=16384)
