"""KeyManagement: data keys in the offer's key manager, as the catalog says it has one.

- `barbican`: each key is a Barbican *order* (the key is generated server-side, so its material never
  enters Pulumi state), published through a *container* whose ACL gives read access to the listed users
  only (project-wide access off). Secrets the caller supplies (passphrases) become Barbican *secrets*
  with the same ACL; their payload is always a Pulumi secret.
- `provider-kms`: the offer manages keys itself (volume and object encryption); nothing is created, and
  the outputs say so and name the offer.
- `none`: nothing to create, and refused outright for health data.

Barbican orders and containers have no tags or metadata in the OpenStack API: their names carry the
component's name, and the component's outputs carry the labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pulumi
import pulumi_openstack as openstack
from pydantic import Field, ValidationInfo, field_validator

from souverain.catalog import Catalog

from ._common import (
    SLUG,
    PlacedArgs,
    ProviderArg,
    StrictModel,
    as_secret,
    place_component,
    refusals,
    validated_offer,
)


def is_identifier(text: str) -> bool:
    """A Keystone user id or a secret name: letters, digits, `-` and `_`, nothing else."""
    return bool(text) and all(c.isalnum() or c in "-_" for c in text)


class KeySpec(StrictModel):
    name: str = Field(pattern=SLUG)
    algorithm: Literal["aes"] = "aes"
    bit_length: Literal[128, 192, 256] = 256
    mode: Literal["cbc", "xts", "gcm", "ctr"] = "cbc"


class KeyManagementArgs(PlacedArgs):
    keys: tuple[KeySpec, ...] = Field(default=(), validate_default=True)
    secrets: tuple[str, ...] = ()
    """Names of caller-supplied secrets; their values are given to the component as `pulumi.Output`s."""
    readers: tuple[str, ...] = ()
    """Keystone user ids allowed to read the keys and secrets (Barbican ACL); project-wide access is off."""
    protect: bool = True
    retain_on_delete: bool = True
    """Losing a key loses every byte it encrypts: keys are protected and retained like data stores."""

    @field_validator("keys")
    @classmethod
    def _unique_keys(cls, keys: tuple[KeySpec, ...], info: ValidationInfo) -> tuple[KeySpec, ...]:
        names = [key.name for key in keys]
        if len(set(names)) != len(names):
            raise ValueError("a key name is used twice")
        offer = validated_offer(info)
        if offer is not None and offer.capabilities.key_manager == "none" and info.data["labels"].health_data:
            raise ValueError(
                f"{offer.name} has no key manager (neither Barbican nor its own KMS), and the data "
                "classification is health data: choose an offer with one"
            )
        return keys

    @field_validator("secrets")
    @classmethod
    def _unique_secrets(cls, secrets: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        for name in secrets:
            if not is_identifier(name):
                raise ValueError(f"secret name {name!r} must be letters, digits, - or _")
        if len(set(secrets)) != len(secrets):
            raise ValueError("a secret name is used twice")
        keys = info.data.get("keys") or ()
        if set(secrets) & {key.name for key in keys}:
            raise ValueError("a secret has the name of a key")
        return secrets

    @field_validator("readers")
    @classmethod
    def _readers(cls, readers: tuple[str, ...]) -> tuple[str, ...]:
        for reader in readers:
            if not is_identifier(reader):
                raise ValueError(f"reader {reader!r} is not a Keystone user id")
        return readers


class KeyManagement(pulumi.ComponentResource):
    """The data keys of an environment, in the key manager its offer provides."""

    TYPE = "souverain:keys:KeyManagement"

    def __init__(
        self,
        name: str,
        args: KeyManagementArgs | Mapping[str, Any],
        *,
        secret_values: Mapping[str, pulumi.Output[str]] | None = None,
        provider: ProviderArg = None,
        catalog: Catalog | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        with refusals(self.TYPE, name):
            valid, place = place_component(KeyManagementArgs, args, catalog, provider)
            values = dict(secret_values or {})
            if set(values) != set(valid.secrets):
                raise ValueError(
                    "secret_values must give exactly the secrets named in args.secrets "
                    f"({', '.join(valid.secrets) or 'none'})"
                )
        for secret, value in values.items():
            if not isinstance(value, pulumi.Output):
                raise TypeError(
                    f"secret {secret!r} must be a pulumi.Output (config.require_secret), never plain"
                )
        super().__init__(self.TYPE, name, None, opts)
        self.placement = place
        self.key_manager = place.offer.capabilities.key_manager
        self.key_refs: dict[str, pulumi.Output[str]] = {}
        """Barbican container refs per key (empty when the offer manages keys itself)."""
        self.secret_refs: dict[str, pulumi.Output[str]] = {}
        if self.key_manager == "barbican":
            self._barbican(name, valid, values)
        outputs: dict[str, Any] = {
            "key_manager": self.key_manager,
            "offer": place.offer.id,
            "labels": place.labels.metadata(),
            "keys": self.key_refs,
            "secrets": self.secret_refs,
        }
        if self.key_manager == "provider-kms":
            source = place.offer.capabilities.source
            outputs["managed_keys"] = {
                "managed_by": place.offer.name,
                "keys": [key.name for key in valid.keys],
                "source": source.url if source is not None else None,
            }
        self.register_outputs(outputs)

    def _barbican(
        self, name: str, valid: KeyManagementArgs, values: Mapping[str, pulumi.Output[str]]
    ) -> None:
        place = self.placement
        readers = list(valid.readers)

        def data_opts() -> pulumi.ResourceOptions:
            return place.data_opts(self, valid.protect, valid.retain_on_delete)

        for key in valid.keys:
            resource = f"{name}-{key.name}"
            order = openstack.keymanager.OrderV1(
                f"{resource}-order",
                type="key",
                meta={
                    "name": resource,
                    "algorithm": key.algorithm,
                    "bit_length": key.bit_length,
                    "mode": key.mode,
                    "payload_content_type": "application/octet-stream",
                },
                region=place.region,
                opts=data_opts(),
            )
            container = openstack.keymanager.ContainerV1(
                resource,
                name=resource,
                type="generic",
                secret_refs=[
                    openstack.keymanager.ContainerV1SecretRefArgs(name=key.name, secret_ref=order.secret_ref)
                ],
                acl=openstack.keymanager.ContainerV1AclArgs(
                    read=openstack.keymanager.ContainerV1AclReadArgs(project_access=False, users=readers)
                ),
                region=place.region,
                opts=data_opts(),
            )
            self.key_refs[key.name] = container.container_ref
        for secret_name, value in values.items():
            resource = f"{name}-{secret_name}"
            secret = openstack.keymanager.SecretV1(
                resource,
                name=resource,
                secret_type="passphrase",  # noqa: S106 - a Barbican secret type, not a password
                payload=as_secret(value),
                payload_content_type="text/plain",
                metadata=place.labels.metadata(),
                acl=openstack.keymanager.SecretV1AclArgs(
                    read=openstack.keymanager.SecretV1AclReadArgs(project_access=False, users=readers)
                ),
                region=place.region,
                opts=data_opts(),
            )
            self.secret_refs[secret_name] = secret.secret_ref
