"""One small, fully known check run for the report tests: every kind of finding, passes, a disabled policy.

Resources (built the way the readers build them) and what the run finds:
- `ok`        a volume in a qualified region: passes everything;
- `pub`       a volume in PUB-1 (not SecNumCloud): qualified-region, mandatory, but waived;
- `bad`       a volume in US-EAST-1: qualified-region mandatory, and the stack policy names it;
- `adv-vol`   a volume the advisory test policy flags;
- `unk`       a Terraform volume whose region is unknown at plan time: qualified-region, `unknown`;
- the default OpenStack provider resource, which is not a cloud resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from conftest import pulumi_resource, terraform_resource
from souverain.policies.qualified_region import POLICY as QUALIFIED_REGION

from souverain.catalog import Catalog
from souverain.engine import Evaluation, Finding, PolicyConfig, UnknownMode, WaiverMatcher, evaluate
from souverain.model import Plan, Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation
from souverain.readers._common import finish, pulumi_value

VOLUME = "openstack:blockstorage/volume:Volume"
TF_VOLUME = "openstack_blockstorage_volume_v3"
PLAN_PATH = "plans/prod.json"


def _flag_prefix(resource: Resource, context: Context) -> Iterator[Violation]:
    if resource.is_cloud_resource and resource.name.startswith("adv"):
        yield Violation(f"name {resource.name!r} should carry an owner tag", path="tags")


def _stack_check(resources: Sequence[Resource], context: Context) -> Iterator[Violation]:
    for resource in resources:
        if resource.name == "bad":
            yield Violation("the stack holds a resource outside the EU", resource=resource)


def _always(resource: Resource, context: Context) -> Iterator[Violation]:
    yield Violation("a disabled policy must never report")


ADVISORY_POLICY = Policy(
    id="test-advisory",
    title="Test advisory policy",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    rationale="Owners must be reachable.",
    remediation="Add an owner tag.",
    requirements=("HDS v2 test requirement",),
    check_resource=_flag_prefix,
    config_schema={"owners": {"type": "array", "items": {"type": "string"}}},
    help_uri="https://example.test/policies/test-advisory",
)
STACK_POLICY = Policy(
    id="test-stack",
    title="Test stack policy",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    rationale="Stack-wide rule.",
    remediation="Move it.",
    requirements=("SecNumCloud 3.2 test requirement",),
    check_stack=_stack_check,
)
DISABLED_POLICY = Policy(
    id="test-disabled",
    title="Test disabled policy",
    severity=Severity.LOW,
    enforcement=Enforcement.DISABLED,
    rationale="Off by default.",
    remediation="Nothing.",
    requirements=(),
    check_resource=_always,
)
POLICIES: tuple[Policy, ...] = (QUALIFIED_REGION, ADVISORY_POLICY, STACK_POLICY, DISABLED_POLICY)

WAIVER = {
    "policy": "qualified-region",
    "resource": "*::pub",
    "owner": "team-platform",
    "expires": date(2099, 1, 31),
    "justification": "migration ticket SEC-42",
}


class Waivers(WaiverMatcher):
    """Waives qualified-region on `pub`; optionally reports a bad waiver entry, as the waivers file does."""

    def __init__(self, extra: Iterable[Finding] = ()) -> None:
        self.extra = list(extra)

    def match(self, policy_id: str, resource: str) -> Mapping[str, Any] | None:
        if policy_id == "qualified-region" and resource.endswith("::pub"):
            return WAIVER
        return None

    def findings(self) -> Iterable[Finding]:
        return list(self.extra)


def provider_resource() -> Resource:
    return finish(
        Resource(
            address="urn:pulumi:dev::proj::pulumi:providers:openstack::default",
            type="pulumi:providers:openstack",
            name="default",
            package="openstack",
            properties=pulumi_value({"region": "SNC-PAR-1"}),
            is_provider=True,
            source="pulumi-preview",
        )
    )


def resources() -> list[Resource]:
    return [
        pulumi_resource(VOLUME, {"size": 10}, name="ok"),
        pulumi_resource(VOLUME, {"size": 10, "region": "PUB-1"}, name="pub"),
        pulumi_resource(VOLUME, {"size": 10}, name="bad", provider_region="US-EAST-1"),
        pulumi_resource(VOLUME, {"size": 10}, name="adv-vol"),
        terraform_resource(
            TF_VOLUME, {"size": 10}, name="unk", after_unknown={"region": True}, provider_region=None
        ),
        provider_resource(),
    ]


def scenario(
    catalog: Catalog,
    *,
    path: str = PLAN_PATH,
    config: PolicyConfig | None = None,
    unknowns: UnknownMode = "fail",
    extra_waiver_findings: Iterable[Finding] = (),
    reverse: bool = False,
) -> Evaluation:
    """The run; `reverse` feeds resources and policies in the opposite order (reports must not care)."""
    items = resources()
    policies = list(POLICIES)
    if reverse:
        items.reverse()
        policies.reverse()
    plan = Plan(items, source="pulumi-preview", path=path, stack="prod", project="hdh")
    return evaluate(
        items,
        catalog,
        policies,
        config,
        unknowns=unknowns,
        waivers=Waivers(extra_waiver_findings),
        plan=plan,
        stack_name="prod",
    )


def address(name: str) -> str:
    if name == "unk":
        return f"{TF_VOLUME}.unk"
    return f"urn:pulumi:dev::proj::{VOLUME}::{name}"
