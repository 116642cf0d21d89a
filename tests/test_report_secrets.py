"""No report, in any format, contains a secret's value, even when a policy's message quotes one.

The secrets sit where plans put them: a Pulumi secret envelope in a resource input, one in the provider's
configuration, a Terraform `after_sensitive` value, and one in the stack configuration. A deliberately
careless policy quotes each secret in its messages, so the writers' own scrubbing is what is under test.
Some secrets hold characters that JSON and XML escape, which a search over the encoded text would miss.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from unittest.mock import patch
from xml.sax.saxutils import escape, quoteattr

import pytest
from conftest import pulumi_resource, terraform_resource
from generated_support import generated_inputs
from hypothesis import given, settings
from hypothesis import strategies as st
from souverain.policies.qualified_region import POLICY as QUALIFIED_REGION

from souverain.catalog import Catalog
from souverain.engine import Evaluation, evaluate
from souverain.model import UNKNOWN, Plan, Resource, Secret, walk_values
from souverain.policy import Context, Enforcement, Policy, Severity, Violation
from souverain.readers._common import PULUMI_SECRET_SIG, PULUMI_SIG_KEY
from souverain.reports import FORMATS, render
from souverain.reports._common import Scrubber
from souverain.reports._redact import DIRECT_LIMIT, MAX_STRIDE, MIN_SECRET_LENGTH, SecretMatcher

PULUMI_PROPERTY_SECRET = "pulumi-admin-pass-Zq8&<xy>"
PROVIDER_SECRET = 'keystone-pw-"été"-42'
TERRAFORM_SECRET = "tf-sensitive-token-\\n-9f3a"
STACK_CONFIG_SECRET = "db-password-ü-0c1d"
SECRETS = (PULUMI_PROPERTY_SECRET, PROVIDER_SECRET, TERRAFORM_SECRET, STACK_CONFIG_SECRET)


def envelope(value: str) -> dict[str, str]:
    """A secret as `pulumi preview --json --show-secrets` and state files write it."""
    return {PULUMI_SIG_KEY: PULUMI_SECRET_SIG, "value": value}


def _leaky(resource: Resource, context: Context) -> Iterator[Violation]:
    """A careless policy: it names every secret it sees, in the message and in the property path."""
    sources = [resource.properties]
    if resource.provider is not None:
        sources.append(dict(resource.provider.properties))
    for source in sources:
        for path, leaf in walk_values(source):
            if isinstance(leaf, Secret):
                yield Violation(f"{path} holds {leaf.reveal()!s} in clear", path=f"{path}={leaf.reveal()}")


def _leaky_stack(resources: list[Resource], context: Context) -> Iterator[Violation]:
    yield Violation(f"stack config password is {STACK_CONFIG_SECRET}")


LEAKY = Policy(
    id="leaky",
    title="A policy that quotes secrets",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    rationale="test",
    remediation="test",
    requirements=(),
    check_resource=_leaky,
)
LEAKY_STACK = Policy(
    id="leaky-stack",
    title="A stack policy that quotes a config secret",
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    rationale="test",
    remediation="test",
    requirements=(),
    check_stack=_leaky_stack,  # type: ignore[arg-type]
)


@pytest.fixture
def evaluation(small_catalog: Catalog) -> Evaluation:
    resources = [
        pulumi_resource(
            "openstack:compute/instance:Instance",
            {"name": "vm", "adminPass": envelope(PULUMI_PROPERTY_SECRET), "region": "PUB-1"},
            name="vm",
            provider_inputs={"region": "SNC-PAR-1", "password": envelope(PROVIDER_SECRET)},
        ),
        terraform_resource(
            "openstack_compute_instance_v2",
            {"name": "vm", "admin_pass": TERRAFORM_SECRET, "region": "US-EAST-1"},
            name="vm",
            after_sensitive={"admin_pass": True},
        ),
    ]
    plan = Plan(
        resources,
        source="pulumi-preview",
        path="plan.json",
        stack="prod",
        config={"hdh:dbPassword": Secret(STACK_CONFIG_SECRET)},
    )
    return evaluate(resources, small_catalog, [QUALIFIED_REGION, LEAKY, LEAKY_STACK], plan=plan)


def test_the_run_really_reports_on_the_secret_bearing_resources(evaluation: Evaluation) -> None:
    policies = {f.policy for f in evaluation.findings}
    assert policies == {"qualified-region", "leaky", "leaky-stack"}
    leaked = " ".join(f.message for f in evaluation.findings)
    assert all(secret in leaked for secret in SECRETS)  # the policy did quote them


def _encodings(secret: str) -> set[str]:
    """The secret as it would appear in raw, JSON-escaped (ASCII or not) or XML-escaped text."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=True)[1:-1],
        escape(secret),
        quoteattr(secret)[1:-1],
        escape(secret, {'"': "&quot;"}),
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_in_any_format(evaluation: Evaluation, fmt: str) -> None:
    out = render(evaluation, fmt)
    for secret in SECRETS:
        for form in _encodings(secret):
            assert form not in out, f"{fmt} leaks {secret!r} as {form!r}"
    assert "[secret]" in out  # the findings are still there, with the value masked


# --- the matcher behind redaction: the same answer as a plain search, however many secrets ------------


@settings(max_examples=150, deadline=None)
@given(
    secrets=st.lists(st.text(alphabet='ab&<"é1-', min_size=1, max_size=70), max_size=40),
    filler=st.text(alphabet='ab&<"é1- x', max_size=60),
    picks=st.lists(st.integers(min_value=0, max_value=10_000), max_size=6),
    direct_limit=st.sampled_from([0, DIRECT_LIMIT]),
    wide_text_per_secret=st.sampled_from([0, 10**9]),
)
def test_secret_matcher_finds_what_a_plain_search_finds(
    secrets: list[str], filler: str, picks: list[int], direct_limit: int, wide_text_per_secret: int
) -> None:
    text = filler
    for pick in picks:
        if secrets:
            text += secrets[pick % len(secrets)] + filler[: pick % 7]
    # A limit of 0 sends every secret through the 4-gram index rather than a plain search.
    with (
        patch("souverain.reports._redact.DIRECT_LIMIT", direct_limit),
        patch("souverain.reports._redact.WIDE_TEXT_PER_SECRET", wide_text_per_secret),
    ):
        matcher = SecretMatcher(secrets)
        expected = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH and s in text}
        assert set(matcher.find(text)) == expected
        masked = matcher.sub(text)
        assert not any(s in masked for s in expected)


@pytest.mark.parametrize("wide_text_per_secret", [0, 10**9])
def test_secret_matcher_finds_every_length_at_every_alignment(wide_text_per_secret: int) -> None:
    """The sampling argument, checked exhaustively: any length, any position relative to the stride
    (the shape's own, or the widest its shortest secret allows, up to MAX_STRIDE)."""
    with (
        patch("souverain.reports._redact.DIRECT_LIMIT", 0),
        patch("souverain.reports._redact.WIDE_TEXT_PER_SECRET", wide_text_per_secret),
    ):
        for length in range(MIN_SECRET_LENGTH, MAX_STRIDE + 31):
            secret = "".join(chr(ord("A") + (i * 7 + length) % 26) for i in range(length))
            matcher = SecretMatcher([secret, "x" * length])
            for shift in range(MAX_STRIDE + 1):
                text = "-" * shift + secret + "-" * 3
                assert matcher.find(text) == [secret], (length, shift)
                assert matcher.find(text[:-4] + "-") == [], (length, shift)


def test_secret_matcher_on_thousands_of_secrets() -> None:
    secrets = [f"generated-password-{i:05d}" for i in range(5000)] + [
        f"{i:06d}" for i in range(100_000, 100_500)
    ]
    text = "x" * 100_000 + secrets[4321] + " and " + secrets[-1] + "y" * 1000
    found = SecretMatcher(secrets).find(text)
    assert found == [secrets[4321], secrets[-1]]


def test_secret_strings_reach_every_value_inside_a_secret(small_catalog: Catalog) -> None:
    from souverain.reports._redact import secret_strings

    resource = pulumi_resource("openstack:compute/instance:Instance", {"name": "vm"}, name="vm")
    resource.properties["nested"] = Secret({"users": [{"password": "inner-pw-1"}, Secret("double-wrapped")]})
    resource.properties["port"] = Secret(1234567)
    resource.properties["flag"] = Secret(True)
    resource.properties["short"] = Secret("abc")
    resource.properties["plain"] = "not-a-secret"
    assert secret_strings([resource]) == {"inner-pw-1", "double-wrapped", "1234567"}


# --- the JSON fast path: one search over the distinct strings, the same text as scrubbing each one -------


def _secret_named_resource(secret: str) -> Resource:
    """A resource whose name (and so address) holds a secret: nothing but the scrubbing hides it."""
    resource = pulumi_resource("openstack:compute/instance:Instance", {"name": "vm"}, name=f"vm-{secret}")
    resource.properties["adminPass"] = Secret(secret)
    return resource


@pytest.mark.parametrize("secret", ["plain-secret-value-0042", 'quote-"and\\back-7', "ctl-\x07-bell-9"])
def test_a_secret_in_a_resource_address_is_masked_in_the_json_report(
    small_catalog: Catalog, secret: str
) -> None:
    resource = _secret_named_resource(secret)
    plan = Plan([resource], source="pulumi-preview", path="plan.json")
    out = render(evaluate([resource], small_catalog, [QUALIFIED_REGION], plan=plan), "json")
    assert not any(form in out for form in _encodings(secret))
    names = [r["resource"] for r in json.loads(out)["resources"]]
    assert any("[secret]" in name for name in names)


_JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet='ab"\\é\x00\ud800-1.', max_size=12),
    st.dates(),
    st.sampled_from([Enforcement.MANDATORY, Severity.HIGH, UNKNOWN]),
    st.builds(Secret, st.text(max_size=5)),
    st.builds(PurePosixPath, st.sampled_from(["a/b", "plan.json"])),
    st.frozensets(st.text(alphabet="xyz", max_size=3), max_size=3),
)
_JSON_VALUES = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(alphabet='k"1\x01', max_size=4), inner, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(value=_JSON_VALUES, secrets=st.lists(st.text(alphabet='ab"\\é-1', min_size=4, max_size=6), max_size=3))
def test_verified_json_is_the_scrubbed_encoding_or_declines(value: Any, secrets: list[str]) -> None:
    """Where it answers, the fast path writes exactly what scrubbing each string writes; it declines
    (None, and the writer scrubs) whenever a secret is in any string of the report."""
    evaluation = Evaluation([], [], [])
    evaluation.secret_values = frozenset(secrets)
    scrub = Scrubber(evaluation)
    slow = scrub.text(json.dumps(scrub.deep(value), ensure_ascii=False) + "\n")
    fast = Scrubber(evaluation).verified_json(value)
    plain = json.dumps(Scrubber(Evaluation([], [], [])).deep(value), ensure_ascii=False)
    if any(secret in plain for secret in secrets):
        assert fast is None
    if fast is not None:
        assert fast == slow
        assert json.loads(fast) == json.loads(slow)


# --- secrets recorded by the readers stand for the walk over every property ---------------------------


def test_recorded_secrets_give_what_walking_every_property_gives(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from dataclasses import replace

    from souverain.readers import read_plan
    from souverain.reports._redact import secret_strings

    plans = Path(__file__).parent / "fixtures" / "plans"
    fixtures = sorted(plans.glob("*.json"))
    preview = json.loads((plans / "pulumi-preview-small.json").read_text())
    for number, step in enumerate(preview["steps"]):
        if step.get("newState", {}).get("inputs"):
            step["newState"]["inputs"]["extra"] = {"nested": [envelope(f"preview-secret-{number}")]}
    revealed = tmp_path_factory.mktemp("revealed") / "preview-show-secrets.json"
    revealed.write_text(json.dumps(preview))
    # the benchmark's generator at a small size: the three formats, with secrets where the tools put them
    inputs = [*fixtures, revealed, *generated_inputs(tmp_path_factory, 120, 3)]
    with_secrets = 0
    for path in inputs:
        plan = read_plan(path)
        assert plan.secrets is not None, path
        walked = secret_strings(plan.resources, replace(plan, secrets=None))
        assert secret_strings(plan.resources, plan) == walked, path
        with_secrets += bool(walked)
    assert with_secrets >= 3  # the comparison is not between empty sets


def test_resources_other_than_the_plans_are_walked(small_catalog: Catalog) -> None:
    from souverain.reports._redact import secret_strings

    resource = _secret_named_resource("walked-secret-value-1")
    plan = Plan([], source="pulumi-preview", secrets=())
    assert "walked-secret-value-1" in secret_strings([resource], plan)
