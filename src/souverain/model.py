"""The one normalized resource model that every reader produces and every policy reads.

Pulumi speaks camelCase and URNs, Terraform snake_case and addresses; policies must not care. Readers
turn each source into `Resource` objects whose properties use snake_case keys (the OpenStack API's and
Terraform's convention), whose values unknown at plan time are the `UNKNOWN` marker, and whose secret
values are wrapped in `Secret` so that no report can print them by accident.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
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
    """Where the effective region came from: `resource`, `provider`, or None."""
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


REGION_FIELDS: Final = ("region", "region_name")
"""Resource properties that name its region (`region_name`: OVHcloud's `ovh_cloud_project_loadbalancer`)."""


def effective_region(resource: Resource) -> tuple[str | _Unknown | None, str | None]:
    """The region a resource really lands in: its own `region`, else its provider's, else None.

    Returns the region and where it came from. A region set on the resource but unknown until apply
    (a Pulumi input from another resource's output) is UNKNOWN: it is set, so the provider's does not
    apply. Readers leave out a `region` the source did not set (Terraform plans mark the optional-computed
    `region` unknown when it is unset; the Terraform reader drops it when the configuration has none).
    """
    for key in REGION_FIELDS:
        own = resource.properties.get(key)
        if isinstance(own, Secret):
            own = own.reveal()
        if isinstance(own, str) and own:
            return own, "resource"
        if own is UNKNOWN:
            return UNKNOWN, "resource"
    if resource.provider is not None:
        region = resource.provider.region
        if isinstance(region, str) and region:
            return region, "provider"
        if region is UNKNOWN:
            return UNKNOWN, "provider"
    return None, None


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
