"""A secret that is also a word of the code (a weak password `secret`, `critical`, `mandatory`) is masked
wherever an input brings it into a report, but never inside the code's own words: rule ids, titles,
severities and enforcement levels stay as they are in every format, since SARIF, GitLab, JUnit consumers
and waivers key on them. Expected ids and texts written by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from conftest import pulumi_resource, terraform_resource
from souverain.policies.no_plaintext_secret import POLICY as NO_PLAINTEXT_SECRET

from souverain.catalog import Catalog
from souverain.engine import Evaluation, evaluate
from souverain.model import Resource, Secret
from souverain.policy import Context, Enforcement, Policy, Severity, Violation
from souverain.reports import FORMATS, render

INSTANCE = "openstack:compute/instance:Instance"


def _quoting(resource: Resource, context: Context) -> Iterator[Violation]:
    """A careless policy that quotes a clear value, so that the report holds the secret in clear."""
    note = resource.properties.get("note")
    if isinstance(note, str):
        yield Violation(f"note is {note!r}; no-plaintext-secret says nothing of it", path="note")


QUOTING = Policy(
    id="quoting-critical-secret",
    title="A policy whose words hold the secrets",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    rationale="test",
    remediation="test",
    requirements=(),
    check_resource=_quoting,
)


@pytest.fixture(params=["secret", "critical", "mandatory", "plaintext"])
def weak(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _evaluation(catalog: Catalog, weak: str) -> Evaluation:
    resources = [
        # the weak password, marked secret: a secret of the run, and a finding of no-plaintext-secret
        terraform_resource(
            "openstack_compute_instance_v2",
            {"admin_pass": weak, "name": "vm"},
            after_sensitive={"admin_pass": True},
        ),
        # the same word in clear where a (careless) policy quotes it: it must be masked there
        pulumi_resource(INSTANCE, {"note": f"{weak}-value", "adminPass": Secret(weak)}, name="quoted"),
    ]
    return evaluate(resources, catalog, [NO_PLAINTEXT_SECRET, QUOTING])


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_rule_ids_and_levels_are_never_masked(small_catalog: Catalog, weak: str, fmt: str) -> None:
    report = render(_evaluation(small_catalog, weak), fmt)
    assert "[[secret]]" not in report  # the mask itself is never masked again
    if fmt in ("text", "json", "sarif", "junit", "gitlab", "markdown", "html"):
        assert "no-plaintext-secret" in report
        assert "quoting-critical-secret" in report
    assert f"'{weak}-value'" not in report  # the quoted clear value is masked
    assert f"{weak}-value" not in report


def test_the_json_report_keeps_its_ids_and_levels(small_catalog: Catalog, weak: str) -> None:
    document = json.loads(render(_evaluation(small_catalog, weak), "json"))
    assert sorted({finding["policy"] for finding in document["findings"]}) == [
        "no-plaintext-secret",
        "quoting-critical-secret",
    ]
    assert {finding["enforcement"] for finding in document["findings"]} == {"mandatory"}
    assert sorted(policy["id"] for policy in document["policies"]) == [
        "no-plaintext-secret",
        "quoting-critical-secret",
    ]
    [quoted] = [f for f in document["findings"] if f["policy"] == "quoting-critical-secret"]
    assert quoted["message"] == "note is '[secret]-value'; no-plaintext-secret says nothing of it"
    assert quoted["severity"] == "critical"


def test_sarif_rule_ids_are_the_policy_ids(small_catalog: Catalog, weak: str) -> None:
    log = json.loads(render(_evaluation(small_catalog, weak), "sarif"))
    [run] = log["runs"]
    assert sorted(rule["id"] for rule in run["tool"]["driver"]["rules"]) == [
        "no-plaintext-secret",
        "quoting-critical-secret",
    ]
    assert {result["ruleId"] for result in run["results"]} == {
        "no-plaintext-secret",
        "quoting-critical-secret",
    }
