"""What every reader shares: property normalization, Pulumi's wire markers, and finishing a resource."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from ..kinds import kind_of
from ..model import UNKNOWN, Resource, Secret, effective_region, parse_tags, snake_case

PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The string Pulumi writes for a value unknown at preview."""
PULUMI_SIG_KEY = "4dabf18193072939515e22adb298388d"
PULUMI_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
PULUMI_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
PULUMI_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
PULUMI_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
MASKED = "[secret]"
"""What `pulumi preview --json` prints in place of a secret value unless `--show-secrets`."""

USER_MAP_KEYS = frozenset({"metadata", "tags", "labels", "value_specs", "extra_specs", "headers", "all_metadata"})
"""Keys whose values are user maps: their keys are data, not property names, and keep their spelling."""

MAX_DEPTH = 200


@lru_cache(maxsize=8192)
def _snake(name: str) -> str:
    return snake_case(name)


def pulumi_value(value: Any, depth: int = 0, convert_keys: bool = True) -> Any:
    """A Pulumi property value with snake_case keys, UNKNOWN for the sentinel, Secret for envelopes."""
    if depth > MAX_DEPTH:
        raise RecursionError
    if isinstance(value, str):
        return UNKNOWN if value == PULUMI_UNKNOWN else value
    if isinstance(value, dict):
        signature = value.get(PULUMI_SIG_KEY)
        if signature is not None:
            if signature == PULUMI_SECRET_SIG:
                inner = value.get("value", value.get("plaintext", value.get("ciphertext")))
                return Secret(pulumi_value(inner, depth + 1))
            if signature == PULUMI_REF_SIG:
                return pulumi_value(value.get("id", value.get("urn")), depth + 1)
            return {k: v for k, v in value.items() if k != PULUMI_SIG_KEY}  # assets and archives
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = _snake(key) if convert_keys and isinstance(key, str) else key
            out[name] = pulumi_value(item, depth + 1, name not in USER_MAP_KEYS)
        return out
    if isinstance(value, list):
        return [pulumi_value(item, depth + 1, convert_keys) for item in value]
    return value


def terraform_value(value: Any, unknown: Any, sensitive: Any, depth: int = 0) -> Any:
    """A Terraform `after` value with `after_unknown` leaves as UNKNOWN and `after_sensitive` as Secret."""
    if depth > MAX_DEPTH:
        raise RecursionError
    if sensitive is True:
        return Secret(terraform_value(value, unknown, None, depth + 1))
    if unknown is True:
        return UNKNOWN
    if isinstance(value, dict):
        unknown_map = unknown if isinstance(unknown, dict) else {}
        sensitive_map = sensitive if isinstance(sensitive, dict) else {}
        out = {
            key: terraform_value(item, unknown_map.get(key), sensitive_map.get(key), depth + 1)
            for key, item in value.items()
        }
        for key, flag in unknown_map.items():
            if flag is True and key not in out:
                out[key] = UNKNOWN
            elif flag is True and out.get(key) is None:
                out[key] = UNKNOWN
        return out
    if isinstance(value, list):
        unknown_list = unknown if isinstance(unknown, list) else []
        sensitive_list = sensitive if isinstance(sensitive, list) else []
        return [
            terraform_value(
                item,
                unknown_list[i] if i < len(unknown_list) else None,
                sensitive_list[i] if i < len(sensitive_list) else None,
                depth + 1,
            )
            for i, item in enumerate(value)
        ]
    if value is None and isinstance(unknown, dict | list):
        return terraform_value({} if isinstance(unknown, dict) else [], unknown, sensitive, depth + 1)
    return value


def _plain(value: Any) -> Any:
    return value.reveal() if isinstance(value, Secret) else value


def finish(resource: Resource) -> Resource:
    """Fill in what derives from the rest: kind, effective region, tags."""
    resource.kind = kind_of(resource.type)
    resource.region, resource.region_source = effective_region(resource)
    props = resource.properties
    tags: dict[str, str] = {}
    for key in ("tags", "all_tags", "metadata", "labels"):
        raw = _plain(props.get(key))
        if raw:
            tags.update(parse_tags(raw))
    resource.tags = tags
    return resource


def finish_all(resources: Iterable[Resource]) -> list[Resource]:
    return [finish(resource) for resource in resources]


def pulumi_package(type_token: str) -> str:
    """`openstack:compute/instance:Instance` -> `openstack`; `pulumi:providers:aws` -> `aws`."""
    if type_token.startswith("pulumi:providers:"):
        return type_token.removeprefix("pulumi:providers:")
    return type_token.split(":", 1)[0]


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
