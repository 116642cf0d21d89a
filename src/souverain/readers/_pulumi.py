"""What the two Pulumi readers share: URNs, resource states (`apitype.ResourceV3`) and provider resolution.

A `pulumi preview --json` step and a `pulumi stack export` resource carry the same resource state shape
(`urn`, `custom`, `type`, `inputs`, `outputs`, `parent`, `protect`, `retainOnDelete`, `dependencies`,
`provider`...). Providers are resources too (`pulumi:providers:<package>`); a resource names its provider
by reference, `<provider URN>::<provider id>`, and its effective region falls back to that provider's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model import Operation, ProviderConfig, Resource, snake_case
from ._common import (
    expect_mapping,
    expect_str,
    fail,
    finish,
    optional_bool,
    optional_str,
    pulumi_package,
    pulumi_value,
    region_value,
    str_tuple,
)

URN_PREFIX = "urn:pulumi:"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
DEFAULT_PROVIDER_NAME = re.compile(r"default(_\d.*)?")
"""Default providers are `default`, or `default_<version>` (`default_5_5_3`) when a version is pinned."""


@dataclass(frozen=True, slots=True)
class Urn:
    """`urn:pulumi:<stack>::<project>::<parent types$><type>::<name>`."""

    stack: str
    project: str
    type: str
    name: str


def parse_urn(value: Any, file: str, field: str) -> Urn:
    text = expect_str(value, file, field)
    parts = text[len(URN_PREFIX) :].split("::", 3) if text.startswith(URN_PREFIX) else []
    if len(parts) != 4 or not all(parts[:3]):
        shown = text if len(text) <= 120 else text[:117] + "..."
        fail(file, field, f"is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>): {shown!r}")
    stack, project, qualified_type, name = parts
    # Children's URNs carry their parents' types first: `my:app:Web$openstack:compute/instance:Instance`.
    return Urn(stack, project, qualified_type.rsplit("$", 1)[-1], name)


def provider_urn(reference: str) -> str:
    """The provider URN in a provider reference `<urn>::<id>` (the id is the unknown sentinel in previews)."""
    urn, sep, _id = reference.rpartition("::")
    return urn if sep and urn.count("::") >= 3 else reference


@dataclass(slots=True)
class PendingResource:
    """A resource read from the document whose provider is resolved once every provider is known."""

    resource: Resource
    provider_ref: str | None


def resource_from_state(
    state: Mapping[str, Any],
    urn: Urn,
    address: str,
    file: str,
    field: str,
    operation: Operation,
    source: str,
) -> PendingResource:
    """A Resource from an `apitype.ResourceV3` object; properties are the inputs, else the outputs."""
    type_token = optional_str(state.get("type"), file, f"{field}.type") or urn.type
    inputs = expect_mapping(state.get("inputs"), file, f"{field}.inputs")
    outputs = expect_mapping(state.get("outputs"), file, f"{field}.outputs")
    try:
        properties = pulumi_value(inputs or outputs)
    except RecursionError:
        fail(file, f"{field}.inputs", "nested too deeply to check safely")
    is_provider = type_token.startswith(PROVIDER_TYPE_PREFIX)
    resource = Resource(
        address=address,
        type=type_token,
        name=urn.name,
        package=pulumi_package(type_token),
        properties=properties if isinstance(properties, dict) else {},
        parent=optional_str(state.get("parent"), file, f"{field}.parent"),
        dependencies=str_tuple(state.get("dependencies"), file, f"{field}.dependencies"),
        protect=optional_bool(state.get("protect"), file, f"{field}.protect"),
        retain_on_delete=optional_bool(state.get("retainOnDelete"), file, f"{field}.retainOnDelete"),
        operation=operation,
        custom=optional_bool(state.get("custom"), file, f"{field}.custom", default=True),
        is_provider=is_provider,
        source=source,
    )
    provider_ref = optional_str(state.get("provider"), file, f"{field}.provider")
    return PendingResource(resource, provider_ref)


def config_provider(package: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """A default provider's configuration as it reads it: the stack config keys `<package>:<key>`."""
    prefix = f"{package}:"
    return {snake_case(key[len(prefix) :]): value for key, value in config.items() if key.startswith(prefix)}


def resolve_providers(pending: list[PendingResource], config: Mapping[str, Any]) -> list[Resource]:
    """Attach each resource's provider configuration, then finish it (kind, effective region, tags).

    The provider is the `pulumi:providers:*` resource its reference names. A default provider
    (`default`, `default_5_5_3`) that the document does not show (a preview without `--show-sames` leaves
    out unchanged resources) reads the stack config, so the preview's `config` stands in for it. An
    explicit provider that the document does not show leaves the region not known (None): fail closed.
    """
    providers: dict[str, Resource] = {
        p.resource.address: p.resource for p in pending if p.resource.is_provider
    }
    defaults: dict[str, Resource] = {}
    for provider in providers.values():
        if DEFAULT_PROVIDER_NAME.fullmatch(provider.name):
            defaults.setdefault(pulumi_package(provider.type), provider)
    cache: dict[str, ProviderConfig] = {}
    resources: list[Resource] = []
    for item in pending:
        resource = item.resource
        if resource.custom and not resource.is_provider:
            resource.provider = _provider_for(item, providers, defaults, config, cache)
        resources.append(finish(resource))
    return resources


def _provider_for(
    item: PendingResource,
    providers: Mapping[str, Resource],
    defaults: Mapping[str, Resource],
    config: Mapping[str, Any],
    cache: dict[str, ProviderConfig],
) -> ProviderConfig:
    reference = item.provider_ref
    package = item.resource.package
    if reference is None:
        # Only old (v1) states lack provider references: such resources use the package's default provider.
        default = defaults.get(package)
        urn = default.address if default is not None else f"{package}::default"
    else:
        urn = provider_urn(reference)
        parts = urn.split("::", 3)
        if len(parts) == 4 and parts[2].startswith(PROVIDER_TYPE_PREFIX):
            package = pulumi_package(parts[2])
    cached = cache.get(urn)
    if cached is not None:
        return cached
    provider = providers.get(urn)
    if provider is not None:
        props = provider.properties
        config_ = ProviderConfig(package, urn, region_value(props.get("region")), props)
    elif DEFAULT_PROVIDER_NAME.fullmatch(urn.rsplit("::", 1)[-1]):
        props = config_provider(package, config)
        config_ = ProviderConfig(package, urn, region_value(props.get("region")), props)
    else:
        config_ = ProviderConfig(package, urn, None, {})
    cache[urn] = config_
    return config_


def stack_and_project(urns: list[Urn]) -> tuple[str | None, str | None]:
    if not urns:
        return None, None
    return urns[0].stack, urns[0].project
