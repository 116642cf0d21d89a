"""What a policy is: metadata beside one pure function over the normalized model.

Every entry point (offline check, plan files, the CrossGuard pack) runs the same `Policy` objects;
adapters translate inputs and outputs, never decide.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from .catalog import Catalog
from .model import Resource


class Enforcement(StrEnum):
    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    DISABLED = "disabled"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Violation:
    """One thing a policy found wrong. `unknown` marks a verdict forced by a value unknown at plan time."""

    message: str
    resource: Resource | None = None
    """For stack policies: which resource it is about (None: the stack as a whole)."""
    unknown: bool = False
    path: str | None = None
    """The property it is about, dotted, for reports that can point at it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Stack-wide facts and choices that policies read: from policy config, CLI options or the stack."""

    health_data: bool = False
    """The stack holds personal health data: regions must also be HDS-certified."""
    admin_ranges: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    """Ranges from which SSH to the bastion is allowed."""
    production: bool = False
    """A production stack: data stores must be protected."""
    today: date = field(default_factory=date.today)


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a policy may read besides the resource: the catalog, settings, and the other resources."""

    catalog: Catalog
    settings: Settings = Settings()
    resources_by_address: Mapping[str, Resource] = field(default_factory=dict)
    policy_config: Mapping[str, Any] = field(default_factory=dict)
    """This policy's own properties from the policy-config file (besides `enforcementLevel`)."""
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    """Views of the resources derived once and shared by every policy of one evaluation (a walk over
    the properties that two policies need); the engine hands all of them the same dict."""


ResourceCheck = Callable[[Resource, Context], Iterable[Violation]]
KindFilter = Callable[[str | None], bool]
StackCheck = Callable[[Sequence[Resource], Context], Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class Policy:
    """A policy's metadata and its check. Exactly one of `check_resource` / `check_stack` is set."""

    id: str
    title: str
    severity: Severity
    enforcement: Enforcement
    rationale: str
    remediation: str
    requirements: tuple[str, ...]
    """The SecNumCloud 3.2 / HDS requirements it serves, e.g. `SecNumCloud 3.2 §19.2`."""
    check_resource: ResourceCheck | None = None
    check_stack: StackCheck | None = None
    config_schema: Mapping[str, Any] = field(default_factory=dict)
    """JSON-schema `properties` of this policy's config, beyond `enforcementLevel`."""
    help_uri: str | None = None
    applies_to: KindFilter | None = None
    """For a resource policy: False for a neutral kind (`Resource.kind`, None if unmapped) whose resources
    `check_resource` never reports on, so the engine skips them without a call (10k-100k resources, most
    of kinds a policy ignores). A promise about the check, which still judges any resource it is given;
    None: every resource may matter."""

    def __post_init__(self) -> None:
        if (self.check_resource is None) == (self.check_stack is None):
            raise ValueError(f"policy {self.id}: set exactly one of check_resource and check_stack")
        if self.applies_to is not None and self.check_resource is None:
            raise ValueError(f"policy {self.id}: applies_to is for resource policies")

    @property
    def scope(self) -> str:
        return "resource" if self.check_resource is not None else "stack"
