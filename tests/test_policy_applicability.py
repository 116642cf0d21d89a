"""`Policy.applies_to` lets the engine skip resources of kinds a policy ignores: the findings must be those
of running every policy on every resource, and a policy must report nothing on a kind it declares
out of scope, whatever the resource holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import context
from generated_support import generated_inputs
from hypothesis import given, settings
from hypothesis import strategies as st
from souverain.policies import ALL_POLICIES

from souverain.catalog import Catalog
from souverain.engine import evaluate
from souverain.errors import InputError
from souverain.kinds import all_kinds
from souverain.model import UNKNOWN, Operation, Plan, Resource, Secret
from souverain.policy import Context, Enforcement, Policy, Settings, Severity, Violation
from souverain.readers import parse_plan
from souverain.readers._json import load_json_file

FIXTURES = Path(__file__).parent / "fixtures"
FILTERED = [policy for policy in ALL_POLICIES if policy.applies_to is not None]
KINDS = sorted(all_kinds())
SETTINGS = [Settings(), Settings(health_data=True, production=True)]


def _without_prefilter(policies: Any) -> list[Policy]:
    return [dataclasses.replace(policy, applies_to=None) for policy in policies]


def _plans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plan]:
    for path in [*sorted((FIXTURES / "plans").glob("*.json")), *generated_inputs(tmp_path_factory, 150, 5)]:
        try:
            yield parse_plan(load_json_file(path, str(path)), str(path))
        except InputError:  # fixtures of refused inputs: nothing to judge
            continue


def test_some_policies_declare_their_kinds() -> None:
    assert {policy.id for policy in FILTERED} >= {"no-public-data", "protected-data-store"}


def test_prefiltered_findings_are_those_of_every_policy_on_every_resource(
    small_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    plans = list(_plans(tmp_path_factory))
    assert len(plans) >= 5
    judged = 0
    for plan in plans:
        for stack_settings in SETTINGS:
            fast = evaluate(plan.resources, small_catalog, ALL_POLICIES, settings=stack_settings).findings
            full = evaluate(
                plan.resources, small_catalog, _without_prefilter(ALL_POLICIES), settings=stack_settings
            ).findings
            assert fast == full
            judged += len(fast)
    assert judged > 0


def test_no_finding_on_kinds_a_policy_declares_out_of_scope(
    small_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    skipped = 0
    for plan in _plans(tmp_path_factory):
        for resource in plan.resources:
            for policy in FILTERED:
                assert policy.applies_to is not None
                assert policy.check_resource is not None
                if policy.applies_to(resource.kind):
                    continue
                skipped += 1
                for stack_settings in SETTINGS:
                    found = list(policy.check_resource(resource, context(small_catalog, stack_settings)))
                    assert found == [], (policy.id, resource.address)
    assert skipped > 0


PROPERTY_VALUES = st.one_of(
    st.sampled_from(
        ["", "ingress", "allow", "tcp", "0.0.0.0/0", "::/0", "8.8.8.8", "plain", "image", "volume"]
    ),
    st.none(),
    st.booleans(),
    st.integers(-1, 70000),
    st.just(UNKNOWN),
    st.builds(Secret, st.sampled_from(["0.0.0.0/0", "x"])),
)
PROPERTIES = st.dictionaries(
    st.sampled_from(
        [
            "direction",
            "remote_ip_prefix",
            "source_ip_address",
            "action",
            "protocol",
            "port_range_min",
            "port_range_max",
            "destination_port",
            "volume_type",
            "region",
            "payload",
            "admin_pass",
        ]
    ),
    PROPERTY_VALUES,
    max_size=8,
).map(
    lambda props: {
        **props,
        "block_device": [{"source_type": "image", "destination_type": "volume", "volume_type": None}],
    }
)
RESOURCES = st.builds(
    Resource,
    address=st.just("r"),
    type=st.sampled_from(["openstack:compute/instance:Instance", "openstack_blockstorage_volume_v3", "x"]),
    name=st.just("r"),
    kind=st.one_of(st.none(), st.sampled_from([*KINDS, "unheard_of"])),
    package=st.sampled_from(["openstack", "", "hashicorp/aws"]),
    properties=PROPERTIES,
    region=st.one_of(st.none(), st.just(UNKNOWN), st.sampled_from(["SNC-PAR-1", "NOWHERE"])),
    operation=st.sampled_from(list(Operation)),
    protect=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(RESOURCES, st.sampled_from(SETTINGS))
def test_any_resource_of_an_out_of_scope_kind_passes(
    small_catalog: Catalog, resource: Resource, stack_settings: Settings
) -> None:
    for policy in FILTERED:
        assert policy.applies_to is not None
        assert policy.check_resource is not None
        found = list(policy.check_resource(resource, context(small_catalog, stack_settings)))
        if not policy.applies_to(resource.kind):
            assert found == [], policy.id
    fast = evaluate([resource], small_catalog, FILTERED, settings=stack_settings).findings
    assert (
        fast
        == evaluate([resource], small_catalog, _without_prefilter(FILTERED), settings=stack_settings).findings
    )


def test_the_engine_calls_a_check_only_on_the_kinds_it_applies_to(small_catalog: Catalog) -> None:
    seen: list[str] = []

    def check(resource: Resource, _: Context) -> Iterator[Violation]:
        seen.append(resource.address)
        yield Violation("found")

    policy = Policy(
        "volumes-only",
        "t",
        Severity.LOW,
        Enforcement.ADVISORY,
        "r",
        "m",
        (),
        check,
        applies_to={"volume"}.__contains__,
    )
    resources = [
        Resource(address, "t", address, kind=kind)
        for address, kind in [("a", "volume"), ("b", None), ("c", "instance"), ("d", "volume")]
    ]
    findings = evaluate(resources, small_catalog, [policy]).findings
    assert seen == ["a", "d"]
    assert [f.resource for f in findings] == ["a", "d"]
    seen.clear()
    evaluate(resources, small_catalog, [dataclasses.replace(policy, applies_to=lambda kind: True)])
    assert seen == ["a", "b", "c", "d"]


def test_applies_to_is_refused_on_a_stack_policy() -> None:
    with pytest.raises(ValueError, match="applies_to"):
        Policy(
            "s",
            "t",
            Severity.LOW,
            Enforcement.ADVISORY,
            "r",
            "m",
            (),
            check_stack=lambda r, c: (),
            applies_to=bool,
        )
