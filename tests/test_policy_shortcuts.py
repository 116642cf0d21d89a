"""Shortcuts inside stack policies: provider configurations gathered once per evaluation, and
no-plaintext-secret skipping resources with nothing to look at. Same findings as without them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import context
from generated_support import generated_inputs
from hypothesis import given, settings
from hypothesis import strategies as st
from souverain.policies import ALL_POLICIES, no_plaintext_secret
from souverain.policies._support import provider_uses, stack_provider_uses

from souverain.catalog import Catalog
from souverain.engine import evaluate
from souverain.errors import InputError
from souverain.model import Plan, ProviderConfig, Resource, Secret
from souverain.readers import parse_plan
from souverain.readers._json import load_json_file

FIXTURES = Path(__file__).parent / "fixtures"


def _plans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Plan]:
    generated = generated_inputs(tmp_path_factory, 120, 23)
    for path in [*sorted((FIXTURES / "plans").glob("*.json")), *generated]:
        try:
            yield parse_plan(load_json_file(path, str(path)), str(path))
        except InputError:  # fixtures of refused inputs: nothing to judge
            continue


class _Everything:
    def __contains__(self, item: object) -> bool:
        return True


def test_stack_provider_uses_are_provider_uses_once_per_evaluation(small_catalog: Catalog) -> None:
    provider = ProviderConfig("openstack", "openstack.backup", "SNC-PAR-1", {"password": "x"})
    resources = [
        Resource("a", "openstack_compute_instance_v2", "a", package="openstack", provider=provider),
        Resource("b", "openstack_compute_instance_v2", "b", package="openstack", provider=provider),
    ]
    shared = context(small_catalog)
    first = stack_provider_uses(resources, shared)
    assert stack_provider_uses(resources, shared) is first
    assert [(u.subject.address, u.package, dict(u.properties)) for u in first] == [
        (u.subject.address, u.package, dict(u.properties)) for u in provider_uses(resources)
    ]
    other = list(resources)
    assert stack_provider_uses(other, shared) is not first  # another sequence: its own


def test_no_plaintext_secret_skips_nothing_it_would_report(
    small_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = list(_plans(tmp_path_factory))
    policies = [p for p in ALL_POLICIES if p.id in ("no-plaintext-secret", "qualified-endpoint")]
    fast = [evaluate(plan.resources, small_catalog, policies).findings for plan in plans]
    monkeypatch.setattr(no_plaintext_secret, "_OWN_CHECK_KINDS", _Everything())
    assert fast == [evaluate(plan.resources, small_catalog, policies).findings for plan in plans]
    assert any(f.policy == "no-plaintext-secret" for findings in fast for f in findings)


PROPERTIES = st.dictionaries(
    st.sampled_from(["user_data", "admin_pass", "payload", "name", "password", "metadata"]),
    st.one_of(
        st.sampled_from(["", "x", "#cloud-config\npassword: hunter22\n", "-----BEGIN RSA PRIVATE KEY-----"]),
        st.none(),
        st.builds(Secret, st.just("s")),
        st.dictionaries(st.sampled_from(["db_password", "note"]), st.just("v"), max_size=2),
    ),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([None, "instance", "secret", "volume"]), PROPERTIES), max_size=4))
def test_any_resources_give_the_unskipped_findings(
    small_catalog: Catalog, specs: list[tuple[Any, Any]]
) -> None:
    resources = [
        Resource(f"r{i}", "t", f"r{i}", kind=kind, package="openstack", properties=props)
        for i, (kind, props) in enumerate(specs)
    ]
    check = no_plaintext_secret.POLICY.check_stack
    assert check is not None
    fast = [(v.resource, v.path, v.message) for v in check(resources, context(small_catalog))]
    original = no_plaintext_secret._OWN_CHECK_KINDS
    no_plaintext_secret._OWN_CHECK_KINDS = _Everything()  # type: ignore[assignment]
    try:
        full = [(v.resource, v.path, v.message) for v in check(resources, context(small_catalog))]
    finally:
        no_plaintext_secret._OWN_CHECK_KINDS = original
    assert fast == full


VOLUME_SPECS = st.lists(
    st.tuples(
        st.sampled_from(["volume", "instance", "object_container", "secret"]),
        st.sampled_from(["SNC-PAR-1", "PUB-1", "US-EAST-1", "NOWHERE", None]),
        st.sampled_from(["classic-luks", "fast-luks", "plain", "", None]),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(VOLUME_SPECS)
def test_encrypted_storage_remembered_verdicts_are_fresh_verdicts(
    small_catalog: Catalog, specs: list[tuple[str, Any, Any]]
) -> None:
    """One catalog, whose memos fill as resources go, judges each resource as a fresh catalog would."""
    from conftest import SMALL_CATALOG
    from souverain.policies.encrypted_storage import check

    from souverain.catalog import load_catalog

    shared = load_catalog([SMALL_CATALOG], replace=True)
    for index, (kind, region, volume_type) in enumerate(specs):
        device = {"source_type": "image", "destination_type": "volume", "volume_type": volume_type}
        properties = {"volume_type": volume_type, "block_device": [device]}
        resource = Resource(
            f"r{index}", "t", "r", kind=kind, package="openstack", region=region, properties=properties
        )
        fresh = load_catalog([SMALL_CATALOG], replace=True)
        assert list(check(resource, context(shared))) == list(check(resource, context(fresh)))
