"""Runs policies over resources and decides what is mandatory: the one place verdicts are made."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .catalog import Catalog
from .errors import InputError
from .facets import inherit_regions
from .model import InputFinding, Plan, Resource, SourceLocation
from .policy import Context, Enforcement, Policy, Settings, Violation

UnknownMode = Literal["fail", "advisory"]
UNKNOWN_MODES: tuple[UnknownMode, ...] = ("fail", "advisory")
UNKNOWNS_PROPERTY = "unknowns"
"""Per-policy config property overriding the run's unknowns mode for that policy (same key in the pack)."""


@dataclass(frozen=True, slots=True)
class Finding:
    policy: str
    enforcement: Enforcement
    """The effective enforcement: after policy config, unknown handling and waivers."""
    severity: str
    resource: str
    """The resource's URN or address; the stack name for stack-wide findings."""
    type: str
    message: str
    unknown: bool = False
    path: str | None = None
    waiver: Mapping[str, Any] | None = None
    """The waiver that covers this finding; a waived finding is reported but never mandatory."""
    location: SourceLocation | None = None
    """The line of the user's sources it is about, when known (the resource's declaration...)."""

    @property
    def waived(self) -> bool:
        return self.waiver is not None


@dataclass(slots=True)
class PolicyConfig:
    """Enforcement overrides and per-policy properties, in the shape of Pulumi's `--policy-pack-config`."""

    enforcement: dict[str, Enforcement] = field(default_factory=dict)
    default: Enforcement | None = None
    """From the `all` key: applies to every policy not named."""
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)

    def enforcement_for(self, policy: Policy) -> Enforcement:
        return self.enforcement.get(policy.id) or self.default or policy.enforcement

    def properties_for(self, policy_id: str) -> dict[str, Any]:
        return self.properties.get(policy_id, {})

    def unknowns_for(self, policy_id: str, default: UnknownMode) -> UnknownMode:
        mode = self.properties_for(policy_id).get(UNKNOWNS_PROPERTY)
        return "advisory" if mode == "advisory" else "fail" if mode == "fail" else default


def _enforcement(value: Any, path: str, key: str) -> Enforcement:
    try:
        return Enforcement(value)
    except ValueError:
        allowed = ", ".join(level.value for level in Enforcement)
        raise InputError(path, f"enforcement level {value!r} is not one of {allowed}", field=key) from None


def parse_policy_config(data: Any, path: str, known: Iterable[str]) -> PolicyConfig:
    """Validate a policy-config document; an unknown policy id is an error (a typo must not pass silently)."""
    if not isinstance(data, Mapping):
        raise InputError(path, "policy config must be a JSON object keyed by policy id")
    known_ids = set(known)
    config = PolicyConfig()
    for key, value in data.items():
        if key == "all":
            level = value.get("enforcementLevel") if isinstance(value, Mapping) else value
            config.default = _enforcement(level, path, "all")
            continue
        if key not in known_ids:
            raise InputError(path, "no policy has this id", field=str(key))
        if isinstance(value, str):
            config.enforcement[key] = _enforcement(value, path, key)
        elif isinstance(value, Mapping):
            props = dict(value)
            level = props.pop("enforcementLevel", None)
            if level is not None:
                config.enforcement[key] = _enforcement(level, path, f"{key}.enforcementLevel")
            if props.get(UNKNOWNS_PROPERTY, "fail") not in UNKNOWN_MODES:
                raise InputError(path, "must be one of fail, advisory", field=f"{key}.{UNKNOWNS_PROPERTY}")
            config.properties[key] = props
        else:
            raise InputError(path, "expected an enforcement level or an object", field=str(key))
    return config


def load_policy_config(path: str | Path, known: Iterable[str]) -> PolicyConfig:
    """Read a policy-config file with the plan files' guards: size cap, strict UTF-8, no NaN."""
    from .readers._common import bound_nesting
    from .readers._json import decode_json, read_bounded

    path = Path(path)
    data = decode_json(read_bounded(path, str(path), "policy config"), str(path))
    try:
        bound_nesting(data)  # the decoder's own limit depends on the Python version
    except RecursionError:
        raise InputError(str(path), "nested too deeply to check safely") from None
    return parse_policy_config(data, str(path), known)


def settings_from_config(
    config: PolicyConfig, plan: Plan | None = None, path: str = "policy config"
) -> Settings:
    """Stack-wide settings: from the policy config's `settings`-bearing policies and the stack itself."""
    ingress = config.properties_for("no-public-ingress")
    ranges = []
    admin_ranges = ingress.get("adminRanges") or []
    if not isinstance(admin_ranges, list):
        raise InputError(path, "must be a list of CIDRs", field="no-public-ingress.adminRanges")
    for raw in admin_ranges:
        try:
            network = ipaddress.ip_network(str(raw), strict=False)
        except ValueError:
            raise InputError(path, f"{raw!r} is not a CIDR", field="no-public-ingress.adminRanges") from None
        if network.prefixlen == 0:
            raise InputError(
                path, "an admin range cannot be the whole internet", field="no-public-ingress.adminRanges"
            )
        ranges.append(network)
    region_props = config.properties_for("qualified-region")
    health = bool(region_props.get("healthData", False))
    production = bool(config.properties_for("protected-data-store").get("production", False))
    if plan is not None:
        health = health or _plan_holds_health_data(plan)
        production = production or _stack_says_production(plan)
    return Settings(health_data=health, admin_ranges=tuple(ranges), production=production)


PRODUCTION_KEY = "souverain:production"
"""Stack config key: `true` makes the stack a production one (data stores must be protected)."""


def _stack_says_production(plan: Plan) -> bool:
    """Production is what the stack says (`souverain:production: true`), never a guess from its name."""
    value = plan.config.get(PRODUCTION_KEY)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no", ""}:
        return False
    raise InputError(plan.path or "stack", "must be true or false", field=PRODUCTION_KEY)


def _plan_holds_health_data(plan: Plan) -> bool:
    return any(r.tags.get("data_classification", "").casefold().startswith("health") for r in plan.resources)


@dataclass(slots=True)
class Evaluation:
    findings: list[Finding]
    resources: list[Resource]
    policies: list[Policy]
    plan: Plan | None = None
    catalog_sources: tuple[str, ...] = ()
    """The catalog files the verdict rests on: reviewers must see an added overlay."""
    enforcement: dict[str, Enforcement] = field(default_factory=dict)
    """Each policy's effective level after the policy config, disabled included: reports list what ran."""
    catalog: Catalog | None = field(default=None, repr=False)
    """The catalog the verdicts were made against: the HTML report lists the facts they relied on."""
    input_files: tuple[tuple[str, str], ...] = ()
    """(role, path) of every file the check read (plan or project files, catalog overlays, policy config,
    waivers), set by `checker.check`: the HTML report prints their SHA-256 so the check can be replayed."""
    waivers_in_force: tuple[Mapping[str, Any], ...] = ()
    """Every valid waiver of the waivers file, whether or not it matched a finding (`Waiver.as_mapping`)."""
    secret_values: frozenset[str] | None = field(default=None, repr=False)
    """Every secret string in the inputs, gathered once by the first report and reused by the others."""
    fail_on: str | None = None
    """The lowest severity of a mandatory finding that fails the run (`--fail-on`); None: any severity."""

    @property
    def mandatory(self) -> list[Finding]:
        return [f for f in self.findings if f.enforcement is Enforcement.MANDATORY and not f.waived]

    @property
    def advisory(self) -> list[Finding]:
        return [f for f in self.findings if f.enforcement is Enforcement.ADVISORY and not f.waived]

    @property
    def waived(self) -> list[Finding]:
        return [f for f in self.findings if f.waived]

    @property
    def blocking(self) -> list[Finding]:
        """The mandatory findings that fail the run: all of them, or those at `fail_on` or above."""
        if self.fail_on is None:
            return self.mandatory
        floor = SEVERITY_RANK[self.fail_on]
        return [f for f in self.mandatory if SEVERITY_RANK.get(f.severity, len(SEVERITY_RANK)) >= floor]

    @property
    def passed(self) -> bool:
        return not self.blocking


SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}
"""Severities from least to most severe; an unknown severity ranks above all, so it always fails."""


class WaiverMatcher:
    """What the engine asks of waivers: does one cover this (policy, resource)? Implemented in `waivers`."""

    def match(self, policy_id: str, resource: str) -> Mapping[str, Any] | None:  # pragma: no cover - protocol
        return None

    def findings(self) -> Iterable[Finding]:  # pragma: no cover - protocol
        return ()

    def review_findings(self, findings: Iterable[Finding]) -> Iterable[Finding]:
        """Findings about the waivers, given every other finding of the run (which waivers covered none)."""
        return ()


def evaluate(
    resources: Sequence[Resource],
    catalog: Catalog,
    policies: Sequence[Policy],
    config: PolicyConfig | None = None,
    settings: Settings | None = None,
    *,
    unknowns: UnknownMode = "fail",
    waivers: WaiverMatcher | None = None,
    plan: Plan | None = None,
    stack_name: str = "stack",
) -> Evaluation:
    """Every enabled policy over every resource; findings carry their effective enforcement."""
    config = config or PolicyConfig()
    settings = settings or Settings()
    inherit_regions(resources)  # a node pool is where its cluster is: needs the whole stack
    by_address = {resource.address: resource for resource in resources}
    memo: dict[Any, Any] = {}
    findings: list[Finding] = []
    kinds: set[str | None] | None = None
    for policy in policies:
        level = config.enforcement_for(policy)
        if level is Enforcement.DISABLED:
            continue
        context = Context(catalog, settings, by_address, config.properties_for(policy.id), memo)
        mode = config.unknowns_for(policy.id, unknowns)
        if policy.check_resource is not None:
            check = policy.check_resource
            targets = resources
            if policy.applies_to is not None:
                if kinds is None:
                    kinds = {resource.kind for resource in resources}
                wanted = {kind for kind in kinds if policy.applies_to(kind)}
                if wanted != kinds:
                    targets = [resource for resource in resources if resource.kind in wanted]
            for resource in targets:
                for violation in check(resource, context):
                    findings.append(_finding(policy, level, violation, resource, mode, waivers, stack_name))
        elif policy.check_stack is not None:
            for violation in policy.check_stack(resources, context):
                findings.append(
                    _finding(policy, level, violation, violation.resource, mode, waivers, stack_name)
                )
    if plan is not None:
        for found in plan.input_findings:
            input_level = config.enforcement.get(found.policy) or config.default or Enforcement.MANDATORY
            if input_level is not Enforcement.DISABLED:
                findings.append(_input_finding(found, input_level, waivers))
    if waivers is not None:
        # Findings about the waivers themselves obey the policy config like any policy's (`all` included),
        # as they do in the CrossGuard pack, where they come from a policy of their own. The review
        # (unused, expiring soon) comes last: every other finding has been matched by then.
        for waiver_finding in (*waivers.findings(), *waivers.review_findings(findings)):
            waiver_level = config.enforcement.get(waiver_finding.policy) or waiver_finding.enforcement
            if waiver_finding.policy not in WAIVER_REVIEW_POLICY_IDS:
                waiver_level = config.enforcement.get(waiver_finding.policy) or config.default or waiver_level
            if waiver_level is not Enforcement.DISABLED:
                findings.append(dataclasses.replace(waiver_finding, enforcement=waiver_level))
    levels = {policy.id: config.enforcement_for(policy) for policy in policies}
    return Evaluation(
        findings, list(resources), list(policies), plan, catalog.sources, enforcement=levels, catalog=catalog
    )


def _finding(
    policy: Policy,
    level: Enforcement,
    violation: Violation,
    resource: Resource | None,
    unknowns: UnknownMode,
    waivers: WaiverMatcher | None,
    stack_name: str,
) -> Finding:
    if violation.unknown and unknowns == "advisory" and level is Enforcement.MANDATORY:
        level = Enforcement.ADVISORY
    address = resource.address if resource is not None else stack_name
    waiver = waivers.match(policy.id, address) if waivers is not None else None
    return Finding(
        policy=policy.id,
        enforcement=level,
        severity=policy.severity.value,
        resource=address,
        type=resource.type if resource is not None else "stack",
        message=violation.message,
        unknown=violation.unknown,
        path=violation.path,
        waiver=waiver,
        location=resource.location if resource is not None else None,
    )


WAIVER_REVIEW_POLICY_IDS = frozenset({"waiver-unused", "waiver-expiring"})
"""Advisory reminders about waivers (`waivers.WAIVER_REVIEW_IDS`): `all` in the policy config does not make
them mandatory; only naming them does."""

INPUT_FINDING_IDS: tuple[str, ...] = (
    "component-refused",
    "stack-config-plaintext-secret",
    "stack-config-unknown-key",
)
"""Ids of the findings made while reading the inputs (`InputFinding`); the policy config may set their
enforcement like a policy's."""


def _input_finding(found: InputFinding, level: Enforcement, waivers: WaiverMatcher | None) -> Finding:
    return Finding(
        policy=found.policy,
        enforcement=level,
        severity=found.severity,
        resource=found.resource,
        type=found.type,
        message=found.message,
        path=found.path,
        waiver=waivers.match(found.policy, found.resource) if waivers is not None else None,
        location=found.location,
    )
