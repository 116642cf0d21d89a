"""EncryptedVolume and ObjectStore: data stores on what the offer encrypts, protected by default.

Cinder encryption is a property of the volume *type*, which only a cloud administrator can create (and
`openstack.blockstorage.VolumeTypeV3` carries no encryption settings anyway), so a volume is only ever
created on a type the catalog lists as encrypted for the offer. Swift does not show whether it encrypts
at rest, so containers are only created on offers the catalog marks as encrypting object storage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_openstack as openstack
from pydantic import Field, ValidationInfo, field_validator

from souverain.catalog import Catalog, Offer

from ._common import (
    PlacedArgs,
    ProviderArg,
    place_component,
    refusals,
    validated_offer,
)

MAX_VOLUME_GIB = 16384
_SWIFT_ACL_ENTRY = re.compile(r"^[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$")
_CONTAINER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def encrypted_volume_type(offer: Offer, wanted: str | None) -> str:
    """`wanted` if the offer encrypts it, else the offer's first encrypted type; ValueError if none."""
    types = offer.capabilities.encrypted_volume_types
    if not types:
        raise ValueError(f"{offer.name} declares no encrypted volume type in the catalog")
    if wanted is None:
        return types[0]
    if wanted not in types:
        raise ValueError(
            f"volume type {wanted!r} is not encrypted on {offer.name} (encrypted: {', '.join(types)})"
        )
    return wanted


def check_volume_type(value: str | None, info: ValidationInfo) -> str | None:
    """The `volume_type` validator of every model that creates a volume (see `encrypted_volume_type`)."""
    offer = validated_offer(info)
    return encrypted_volume_type(offer, value) if offer is not None else value


def require_encrypted_object_storage(offer: Offer) -> None:
    if not offer.capabilities.object_storage_encrypted:
        raise ValueError(f"{offer.name} does not encrypt object storage at rest (per the catalog)")


class EncryptedVolumeArgs(PlacedArgs):
    size: int = Field(ge=1, le=MAX_VOLUME_GIB)
    """Size in GiB."""
    volume_type: str | None = Field(default=None, validate_default=True)
    """One of the offer's encrypted volume types; default: the first the catalog lists."""
    description: str | None = None
    availability_zone: str | None = None
    protect: bool = True
    retain_on_delete: bool = True

    _encrypted = field_validator("volume_type")(check_volume_type)


class EncryptedVolume(pulumi.ComponentResource):
    """A Cinder volume on an encrypted volume type, optionally attached to an instance."""

    TYPE = "souverain:storage:EncryptedVolume"

    def __init__(
        self,
        name: str,
        args: EncryptedVolumeArgs | Mapping[str, Any],
        *,
        instance: openstack.compute.Instance | None = None,
        provider: ProviderArg = None,
        catalog: Catalog | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        with refusals(self.TYPE, name):
            valid, place = place_component(EncryptedVolumeArgs, args, catalog, provider)
        super().__init__(self.TYPE, name, None, opts)
        self.volume_type = encrypted_volume_type(place.offer, valid.volume_type)
        self.volume = openstack.blockstorage.Volume(
            name,
            name=name,
            size=valid.size,
            volume_type=self.volume_type,
            description=valid.description,
            availability_zone=valid.availability_zone,
            enable_online_resize=True,
            metadata=place.labels.metadata(),
            region=place.region,
            opts=place.data_opts(self, valid.protect, valid.retain_on_delete),
        )
        self.attachment: openstack.compute.VolumeAttach | None = None
        if instance is not None:
            self.attachment = openstack.compute.VolumeAttach(
                f"{name}-attach",
                instance_id=instance.id,
                volume_id=self.volume.id,
                region=place.region,
                opts=place.opts(self),
            )
        self.register_outputs({"volume_id": self.volume.id, "volume_type": self.volume_type})


def _acl(entries: tuple[str, ...], field: str) -> tuple[str, ...]:
    for entry in entries:
        if not _SWIFT_ACL_ENTRY.match(entry):
            raise ValueError(
                f"{field} entry {entry!r} must be `project_id:user_id`; referrer (.r:) and wildcard ACLs "
                "would make the container public"
            )
    return entries


class ObjectStoreArgs(PlacedArgs):
    container_name: str | None = None
    """Swift container name; default: the component's name."""
    readers: tuple[str, ...] = ()
    """Swift read ACL, `project_id:user_id` entries only: never `.r:*` (public) or wildcards."""
    writers: tuple[str, ...] = ()
    protect: bool = True
    retain_on_delete: bool = True

    @field_validator("region")
    @classmethod
    def _object_storage_encrypted(cls, region: str, info: ValidationInfo) -> str:
        offer = validated_offer(info, region)
        if offer is not None:
            require_encrypted_object_storage(offer)
        return region

    @field_validator("container_name")
    @classmethod
    def _container_name(cls, value: str | None) -> str | None:
        if value is not None and not _CONTAINER_NAME.match(value):
            raise ValueError("a container name is 1-63 lowercase letters, digits, '.', '_' or '-'")
        return value

    @field_validator("readers")
    @classmethod
    def _readers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _acl(value, "readers")

    @field_validator("writers")
    @classmethod
    def _writers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _acl(value, "writers")


class ObjectStore(pulumi.ComponentResource):
    """A private, versioned Swift container on an offer that encrypts object storage at rest."""

    TYPE = "souverain:storage:ObjectStore"

    def __init__(
        self,
        name: str,
        args: ObjectStoreArgs | Mapping[str, Any],
        *,
        provider: ProviderArg = None,
        catalog: Catalog | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        with refusals(self.TYPE, name):
            valid, place = place_component(ObjectStoreArgs, args, catalog, provider)
            if valid.container_name is None and not _CONTAINER_NAME.match(name):
                raise ValueError(f"component name {name!r} is not a valid container name: set container_name")
        super().__init__(self.TYPE, name, None, opts)
        self.container_name = valid.container_name or name
        self.container = openstack.objectstorage.Container(
            name,
            name=self.container_name,
            versioning=True,
            container_read=",".join(valid.readers) if valid.readers else None,
            container_write=",".join(valid.writers) if valid.writers else None,
            force_destroy=False,
            metadata=place.labels.metadata(),
            region=place.region,
            opts=place.data_opts(self, valid.protect, valid.retain_on_delete),
        )
        self.register_outputs({"container": self.container_name})
