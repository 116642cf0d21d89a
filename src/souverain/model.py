"""The one normalized resource model that every reader produces and every policy reads.

Pulumi speaks camelCase and URNs, Terraform snake_case and addresses; policies must not care. Readers
turn each source into `Resource` objects whose properties use snake_case keys (the OpenStack API's and
Terraform's convention), whose values unknown at plan time are the `UNKNOWN` marker, and whose secret
values are wrapped in `Secret` so that no report can print them by accident.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final


class Operation(StrEnum):
    """What the plan will do to a resource. `SAME` also covers resources read from state."""

    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    SAME = "same"
    READ = "read"


class _Unknown:
    """A value the plan cannot know yet (Pulumi's unknown sentinel, Terraform's `after_unknown`)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Final = _Unknown()


@dataclass(frozen=True, slots=True)
class Secret:
    """A secret value. Its `repr`/`str` never reveal it; `reveal()` is for policies that must inspect it."""

    _value: Any = field(repr=False)

    def reveal(self) -> Any:
        return self._value

    def __repr__(self) -> str:
        return "[secret]"

    __str__ = __repr__


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """`remoteIpPrefix` -> `remote_ip_prefix`; already snake_case names are returned unchanged."""
    if not name or "_" in name or name.islower():
        return name
    return _CAMEL_BOUNDARY.sub("_", name).lower()


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """The provider a resource is managed by, as far as the input shows it."""

    package: str
    """Pulumi package (`openstack`) or Terraform provider (`terraform-provider-openstack/openstack`)."""
    address: str | None = None
    """URN of the Pulumi provider resource, or Terraform `provider_config_key` (`openstack.backup`)."""
    region: str | _Unknown | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)
    """Provider configuration (`auth_url`, `region`, `password`...), snake_case, secrets wrapped."""
    shown: bool = True
    """False when the input does not show this configuration (a Terraform state; a Pulumi explicit provider
    missing from the document; one of several possible configurations): a setting absent from `properties`
    is then unknown, not unset, and no default is assumed for it."""


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where in the user's sources something was written: a file and a 1-based line.

    `path` is as the source gave it: absolute for a program run offline, relative to the project for a
    Pulumi export (`project:///index.ts`), relative to `--source-dir` for Terraform. Reports print it
    relative to the repository root (docs/reports.md).
    """

    path: str
    line: int
    column: int | None = None


@dataclass(frozen=True, slots=True)
class InputFinding:
    """A finding about the inputs themselves, made where they are read: a component that refused its
    arguments in an offline run, a plaintext secret or an unknown key in a stack file. The engine reports
    it like a policy's finding (mandatory unless the policy config says otherwise)."""

    policy: str
    """Its own id (`component-refused`, `stack-config-plaintext-secret`...): see docs/reports.md."""
    severity: str
    message: str
    resource: str
    """What it is about: a component's URN, a config key."""
    type: str
    location: SourceLocation | None = None
    path: str | None = None


@dataclass(slots=True)
class Resource:
    """One resource of a plan, a stack export, or an offline program run."""

    address: str
    """Pulumi URN or Terraform address: what reports name."""
    type: str
    """Type token: `openstack:blockstorage/volume:Volume` or `openstack_blockstorage_volume_v3`."""
    name: str
    kind: str | None = None
    """Provider-neutral kind (`volume`, `security_group_rule`...) from `souverain.kinds`; None if unmapped."""
    package: str = ""
    """Pulumi package or Terraform provider source that owns the type (`openstack`, `hashicorp/aws`)."""
    properties: dict[str, Any] = field(default_factory=dict)
    provider: ProviderConfig | None = None
    region: str | _Unknown | None = None
    """The *effective* region, worked out by `effective_region`; None means not known (fails closed)."""
    region_source: str | None = None
    """Where the effective region came from: `resource` (its `region`, `location`, a nested region such as
    `nodes[].region`, or a zone), `provider`, `reference` (the resource it belongs to: a node pool's
    cluster, a key's KMS), or None."""
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    protect: bool = False
    retain_on_delete: bool = False
    operation: Operation = Operation.SAME
    custom: bool = True
    """False for component resources and the stack itself, which hold nothing in a cloud."""
    is_provider: bool = False
    """True for provider resources (`pulumi:providers:openstack`)."""
    source: str = ""
    """The input format read (`pulumi-preview`, `pulumi-state`, `terraform-plan`, `pulumi-mock`)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Owner, classification and project labels, from `tags`/`metadata` (lists of `k=v` are split)."""
    location: SourceLocation | None = None
    """The line of the user's sources that declared it, when the input tells (see `SourceLocation`)."""

    def get(self, key: str, default: Any = None) -> Any:
        """A top-level property; missing and null both give `default`."""
        value = self.properties.get(key, default)
        return default if value is None else value

    @property
    def is_cloud_resource(self) -> bool:
        """Whether it lives in a cloud region (not a component, the stack, or a provider)."""
        return self.custom and not self.is_provider and not self.type.startswith("pulumi:")


_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\]')
"""A Terraform instance key: `[0]`, `["a]b"]`."""


def config_address(address: str) -> str:
    """A Terraform instance address without its instance keys (`module.m[0].x.y["a"]` -> `module.m.x.y`):
    state dependencies name resources as configured, not instances. Other addresses (URNs) unchanged."""
    return _INSTANCE_KEY.sub("", address) if address.endswith("]") else address


REGION_FIELDS: Final = ("region", "location", "region_name")
"""Resource properties that name the region a resource lands in (`location`: GCS buckets, GKE clusters;
`region_name`: OVHcloud's `ovh_cloud_project_loadbalancer` and older project resources)."""
ZONE_FIELDS: Final = ("zone", "availability_zone", "subregion_name", "placement_subregion_name")
"""Resource properties that name a zone of a region (zonal instances and disks, Outscale subregions;
`placement_subregion_name`: Outscale VMs)."""
PLACEMENT_FIELDS: Final = (*REGION_FIELDS, *ZONE_FIELDS)


def is_region_path(path: str) -> bool:
    """Whether a placement's path names a region, not a zone: `region`, `provider.region`, and the nested
    region fields of `data/facets.yaml` (`nodes[0].region`)."""
    return path.rsplit(".", 1)[-1] in REGION_FIELDS


_NESTED_REGIONS: Callable[[Resource], tuple[tuple[str, str | _Unknown], ...]] | None = None


def _nested_regions(resource: Resource) -> tuple[tuple[str, str | _Unknown], ...]:
    """The regions a type keeps below its top level (`nodes[].region`), per `data/facets.yaml`."""
    global _NESTED_REGIONS  # facets reads this module's types: imported on first use, then kept
    if _NESTED_REGIONS is None:
        from .facets import nested_regions

        _NESTED_REGIONS = nested_regions
    return _NESTED_REGIONS(resource)


def _placement_value(value: Any) -> str | _Unknown | None:
    """A placement property's value as the model judges it: a name, UNKNOWN, or None when unset."""
    if type(value) is str:  # the common case first: this runs on every resource
        return value or None
    if value is None:
        return None
    if isinstance(value, Secret):
        value = value.reveal()
        if isinstance(value, str):
            return value or None
    return UNKNOWN if value is UNKNOWN else None


def effective_region(resource: Resource) -> tuple[str | _Unknown | None, str | None]:
    """Where a resource really lands: its own region or location, else its provider's region, else its own
    zone, else its provider's zone; None when none is set.

    Returns the placement as written (a zone name when a zone is all there is: the catalog knows which
    region a zone belongs to) and where it came from, `resource` or `provider`. A zone comes after the
    provider's region because operators name zones freely (OpenStack's `nova`): a region is what the
    catalog can judge, and `placements` lists the zones so a policy can check they belong to it. A value
    set on the resource but unknown until apply (another resource's output) is UNKNOWN: it is set, so the
    provider's does not apply. Readers leave out a placement the source did not set (Terraform plans mark
    optional-computed placements unknown when unset; the Terraform reader drops them).
    """
    properties = resource.properties
    for key in REGION_FIELDS:
        if key in properties and (own := _placement_value(properties[key])) is not None:
            return own, "resource"
    nested = _nested_regions(resource)
    if nested:
        return nested[0][1], "resource"
    provider = resource.provider
    if provider is not None:
        region = provider.region
        if isinstance(region, str) and region:
            return region, "provider"
        if region is UNKNOWN:
            return UNKNOWN, "provider"
    for key in ZONE_FIELDS:
        if key in properties and (own := _placement_value(properties[key])) is not None:
            return own, "resource"
    if provider is not None:
        zone = _placement_value(provider.properties.get("zone"))
        if zone is not None:
            return zone, "provider"
    return None, None


def placements(resource: Resource) -> tuple[tuple[str, str | _Unknown], ...]:
    """Every placement that decides where the resource lands, as (path, value), the effective one first.

    The resource's own placement fields when it sets any (a regional resource ignores its provider's zone),
    else its provider's region and zone (`provider.region`, `provider.zone`); when it sets only zones, the
    provider's region comes first, as `effective_region` takes it. A policy checks they all name one region:
    a zone of another region, or a `location` that differs from `region`, sends the resource elsewhere.
    """
    properties = resource.properties
    own: list[tuple[str, str | _Unknown]] = []
    for key in REGION_FIELDS:
        if key in properties and (value := _placement_value(properties[key])) is not None:
            own.append((key, value))
    nested = _nested_regions(resource)
    if nested:
        own.extend(nested)
    for key in ZONE_FIELDS:
        if key in properties and (value := _placement_value(properties[key])) is not None:
            own.append((key, value))
    provider = resource.provider
    region: str | _Unknown | None = None
    if provider is not None:
        region = provider.region
        if not ((isinstance(region, str) and region) or region is UNKNOWN):
            region = None
    if own:
        if region is None or is_region_path(own[0][0]):
            return tuple(own)
        return (("provider.region", region), *own)
    theirs: list[tuple[str, str | _Unknown]] = []
    if region is not None:
        theirs.append(("provider.region", region))
    if provider is not None:
        zone = _placement_value(provider.properties.get("zone"))
        if zone is not None:
            theirs.append(("provider.zone", zone))
    return tuple(theirs)


def walk_values(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf value under `value` with a dotted path, secrets and unknowns as leaves."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from walk_values(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from walk_values(item, f"{path}[{index}]")
    else:
        yield path, value


def add_tags(tags: dict[str, str], raw: Any) -> None:
    """Add to `tags` the tags from OpenStack `tags` (a list of `key=value` strings) or `metadata` (a map)."""
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if type(value) is str:
                tags[str(key)] = value
            elif isinstance(value, str | int | float | bool):
                tags[str(key)] = str(value)
    elif isinstance(raw, list | tuple):
        for item in raw:
            if isinstance(item, str):
                key, sep, value = item.partition("=")
                tags[key] = value if sep else ""


@dataclass(slots=True)
class Plan:
    """What a reader returns: the resources plus what it learnt about the stack or workspace."""

    resources: list[Resource]
    source: str
    """The detected or forced input format."""
    path: str = ""
    stack: str | None = None
    project: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    """Stack configuration (`openstack:region`...) where the input carries it; secrets wrapped."""
    secrets_provider: str | None = None
    backend: str | None = None
    input_findings: list[InputFinding] = field(default_factory=list)
    """Findings about the inputs made while reading them (see `InputFinding`)."""
    source_root: str | None = None
    """The folder source locations are reported relative to (the repository root), when known."""
    secrets: tuple[Secret, ...] | None = None
    """Every Secret the reader wrapped in this plan, so reports learn the secret values without walking
    every property again; None when not recorded (a plan built by other code). Code that adds secrets to
    the resources after reading must set it back to None."""
