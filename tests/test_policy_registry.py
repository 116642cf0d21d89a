"""The policy registry and its documentation agree: ids, metadata, and docs/policies.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from souverain.policies import ALL_POLICIES, POLICIES_BY_ID

from souverain.policy import Enforcement, Policy

DOCS = Path(__file__).resolve().parent.parent / "docs" / "policies.md"

ISSUE_2_POLICIES = (
    "qualified-region",
    "qualified-endpoint",
    "no-us-controlled-service",
    "no-public-ingress",
    "no-plaintext-secret",
    "encrypted-storage",
    "no-data-destruction",
)
"""The first policies, with the exact ids the reviewers' configs and waivers name."""


def _sections() -> dict[str, str]:
    """docs/policies.md's `### \\`id\\`` sections, by id."""
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^### `([a-z0-9-]+)`\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _row(section: str, name: str) -> str:
    match = re.search(rf"^\| {re.escape(name)} \| (.*?) \|\s*$", section, flags=re.MULTILINE)
    assert match is not None, f"no `{name}` row"
    return match.group(1).strip()


def test_ids_are_unique_and_the_first_seven_are_issue_2s() -> None:
    ids = [policy.id for policy in ALL_POLICIES]
    assert len(ids) == len(set(ids)) == len(POLICIES_BY_ID)
    assert tuple(ids[: len(ISSUE_2_POLICIES)]) == ISSUE_2_POLICIES


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda policy: policy.id)
def test_every_policy_has_its_metadata(policy: Policy) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", policy.id)
    for text in (policy.title, policy.rationale, policy.remediation):
        assert text.strip()
    assert policy.requirements
    assert all(re.match(r"(SecNumCloud 3\.2 §\d+(\.\d+)*|HDS )", req) for req in policy.requirements)
    assert policy.enforcement is not Enforcement.DISABLED
    for name, schema in policy.config_schema.items():
        assert name != "enforcementLevel"
        assert schema.get("type"), name
        assert schema.get("description"), name


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda policy: policy.id)
def test_docs_describe_every_policy_as_the_code_does(policy: Policy) -> None:
    sections = _sections()
    assert policy.id in sections, f"docs/policies.md has no section for {policy.id}"
    section = sections[policy.id]
    assert _row(section, "Severity") == policy.severity.value
    assert _row(section, "Default enforcement") == policy.enforcement.value
    assert _row(section, "Scope") == policy.scope
    assert _row(section, "Requirements").split("; ") == list(policy.requirements)
    config = _row(section, "Config")
    for name in policy.config_schema:
        assert f'"{name}"' in config, f"config property {name} is not documented"
    if not policy.config_schema:
        assert config == "none"


def test_docs_document_no_policy_that_does_not_exist() -> None:
    assert set(_sections()) == set(POLICIES_BY_ID)
