"""The shortcuts that keep policies fast on 10k-resource plans give the verdicts of the plain walks.

`StringLeaves` (one walk of a resource's properties shared by no-us-controlled-service and
no-plaintext-secret) must hold exactly what a straightforward recursive walk finds; the policies, which skip
resources through it, must report what walking every property reports.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from conftest import context
from hypothesis import given, settings
from hypothesis import strategies as st
from souverain.policies import no_plaintext_secret, no_us_controlled
from souverain.policies._support import gather_string_leaves, string_leaves

from souverain.catalog import Catalog
from souverain.engine import evaluate
from souverain.model import UNKNOWN, Resource, Secret, walk_values
from souverain.policy import Context

STRINGS = st.sampled_from(
    [
        "",
        "plain",
        "10.0.0.2",
        "https://hooks.bigcloudapis.test/x",
        "s3://dumps.bigcloudapis.test/hdh",
        "https://auth.snc.acme.test/v3",
        "bigcloud.test",
        "2025-07-13T04:29:00Z",
        "Tr0ub4dor-and-3",
        "v1.2",
        "2025-07-13 04:29",
        "sudo docker run -d nginx",
        "[podman,pull,redis]",
    ]
)
KEYS = st.sampled_from(["name", "password", "metadata", "hook", "description", "db_token", "url", "items"])
LEAVES = st.one_of(
    STRINGS, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.just(UNKNOWN)
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(KEYS, inner, max_size=3),
        st.builds(Secret, inner),
    ),
    max_leaves=12,
)
PROPERTIES = st.dictionaries(KEYS, VALUES, max_size=5)


def _reference_strings(value: Any, key: Any, in_secret: bool) -> Iterator[tuple[Any, str, bool]]:
    """Every string under `value` with the key it sits under and whether a secret holds it: recursion."""
    if isinstance(value, Secret):
        yield from _reference_strings(value.reveal(), key, True)
    elif isinstance(value, str):
        yield key, value, in_secret
    elif isinstance(value, Mapping):
        for child_key, item in value.items():
            yield from _reference_strings(item, child_key, in_secret)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _reference_strings(item, key, in_secret)


_DATE_AND_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?")


def _host_scanned(text: str) -> bool:
    """What the host scans must read, by the contract of `StringLeaves.host_like`: a `.` or `:` but not a
    whole RFC 3339 date and time; or the name of a container tool (`docker run nginx`)."""
    if any(tool in text for tool in ("docker", "podman", "nerdctl", "crictl", "image")):
        return True
    return ("." in text or ":" in text) and _DATE_AND_TIME.fullmatch(text) is None


@settings(max_examples=300, deadline=None)
@given(PROPERTIES)
def test_string_leaves_hold_what_a_recursive_walk_finds(properties: dict[str, Any]) -> None:
    leaves = gather_string_leaves(properties)
    found = list(_reference_strings(properties, None, False))
    assert Counter(leaves.host_like) == Counter(text for _, text, _ in found if _host_scanned(text))
    assert Counter(leaves.keys_in_clear) == Counter(key for key, text, secret in found if text and not secret)


def test_string_leaves_are_computed_once_per_context(small_catalog: Catalog) -> None:
    first = Resource("a", "t", "a", properties={"url": "https://x.test"})
    twin = Resource("b", "t", "b", properties={"url": "https://x.test"})
    shared = Context(small_catalog)
    assert string_leaves(first, shared) is string_leaves(first, shared)
    assert string_leaves(twin, shared) is not string_leaves(first, shared)  # equal, but its own
    assert string_leaves(first, Context(small_catalog)) is not string_leaves(first, shared)
    assert list(string_leaves(twin, shared).host_like) == ["https://x.test"]


def _us_findings_by_walking(resource: Resource, catalog: Catalog) -> list[tuple[str | None, str]]:
    """no-us-controlled-service's property findings from walking every property, with no fast pass."""
    found = []
    for key, value in resource.properties.items():
        if key in no_us_controlled.SKIPPED_KEYS:
            continue
        for path, leaf in walk_values(value, str(key)):
            secret = isinstance(leaf, Secret)
            for leaf_path, item in walk_values(leaf.reveal(), path) if secret else ((path, leaf),):
                if isinstance(item, str) and no_us_controlled.us_host_in(item, catalog) is not None:
                    found.append((leaf_path, "secret" if secret else "plain"))
    return found


@settings(max_examples=300, deadline=None)
@given(PROPERTIES)
def test_no_us_controlled_reports_what_walking_every_property_reports(
    small_catalog: Catalog, properties: dict[str, Any]
) -> None:
    resource = Resource(
        "r", "openstack:compute/instance:Instance", "r", package="openstack", properties=properties
    )
    assert no_us_controlled.POLICY.check_resource is not None
    violations = list(no_us_controlled.POLICY.check_resource(resource, context(small_catalog)))
    got = [(v.path, "secret" if v.message.startswith("secret property") else "plain") for v in violations]
    assert got == _us_findings_by_walking(resource, small_catalog)


@settings(max_examples=300, deadline=None)
@given(PROPERTIES)
def test_no_plaintext_secret_reports_what_walking_every_property_reports(
    small_catalog: Catalog, properties: dict[str, Any]
) -> None:
    resource = Resource(
        "r", "openstack:networking/port:Port", "r", package="openstack", properties=properties
    )
    assert no_plaintext_secret.POLICY.check_stack is not None
    got = [v.path for v in no_plaintext_secret.POLICY.check_stack([resource], context(small_catalog))]
    walked = [
        path
        for key, value in properties.items()
        if value is not None and type(value) not in (int, float, bool)
        for path in no_plaintext_secret._named_secrets(value, key, key, [])
    ]
    assert got == walked


def test_one_evaluation_shares_the_walk_and_keeps_each_policys_verdicts(small_catalog: Catalog) -> None:
    """Run together (one memo) or alone, the two policies that share `StringLeaves` find the same."""
    resources = [
        Resource(
            f"r{index}",
            "openstack:compute/instance:Instance",
            f"r{index}",
            package="openstack",
            properties=properties,
        )
        for index, properties in enumerate(
            [
                {"metadata": {"hook": "https://hooks.bigcloudapis.test/x", "db_password": "hunter22"}},
                {"metadata": {"hook": "https://auth.snc.acme.test/v3"}, "name": "a.b"},
                {"description": "from bigcloud.test", "tags": ["password=x"], "token": Secret("t.k")},
                {"metadata": {"hook": "https://hooks.bigcloudapis.test/x"}},  # a string seen before
            ]
        )
    ]
    policies = [no_us_controlled.POLICY, no_plaintext_secret.POLICY]
    together = evaluate(resources, small_catalog, policies).findings
    alone = [
        finding for policy in policies for finding in evaluate(resources, small_catalog, [policy]).findings
    ]
    assert together == alone
    assert [(f.policy, f.resource, f.path) for f in together] == [
        ("no-us-controlled-service", "r0", "metadata.hook"),
        ("no-us-controlled-service", "r3", "metadata.hook"),
        ("no-plaintext-secret", "r0", "metadata.db_password"),
    ]


def test_catalog_memo_builds_once_per_catalog(small_catalog: Catalog) -> None:
    from conftest import SMALL_CATALOG
    from souverain.policies._support import catalog_memo

    from souverain.catalog import load_catalog

    builds: list[object] = []

    def build(catalog: object) -> list[object]:
        builds.append(catalog)
        return [catalog]

    other = load_catalog([SMALL_CATALOG], replace=True)
    first = catalog_memo(other, "test-memo", build)
    assert catalog_memo(other, "test-memo", build) is first
    assert catalog_memo(small_catalog, "test-memo", build) == [small_catalog]
    assert builds == [other, small_catalog]

    class CatalogLike:  # no `memos` of its own: remembered beside it, as long as it lives
        pass

    like = CatalogLike()
    assert catalog_memo(like, "test-memo", build) is catalog_memo(like, "test-memo", build)  # type: ignore[arg-type]
    assert builds == [other, small_catalog, like]
