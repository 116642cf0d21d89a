"""`souverain policies`: the registry as a table and as JSON metadata, whatever policies are registered."""

from __future__ import annotations

import json

from click.testing import CliRunner
from report_scenario import ADVISORY_POLICY, POLICIES, STACK_POLICY

from souverain.policy_view import render_policies


def test_json_lists_full_metadata_sorted_by_id() -> None:
    items = json.loads(render_policies("json", POLICIES))
    assert [item["id"] for item in items] == sorted(p.id for p in POLICIES)
    advisory = next(item for item in items if item["id"] == ADVISORY_POLICY.id)
    assert advisory == {
        "id": "test-advisory",
        "title": ADVISORY_POLICY.title,
        "severity": "medium",
        "enforcement": "advisory",
        "scope": "resource",
        "rationale": ADVISORY_POLICY.rationale,
        "remediation": ADVISORY_POLICY.remediation,
        "requirements": ["HDS v2 test requirement"],
        "help_uri": ADVISORY_POLICY.help_uri,
        "config_schema": {
            "type": "object",
            "properties": {
                "enforcementLevel": {"type": "string", "enum": ["advisory", "mandatory", "disabled"]},
                "owners": {"type": "array", "items": {"type": "string"}},
            },
            "additionalProperties": False,
        },
    }
    stack = next(item for item in items if item["id"] == STACK_POLICY.id)
    assert stack["scope"] == "stack"


def test_text_table_shows_each_policy_and_its_requirements() -> None:
    out = render_policies("text", POLICIES)
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "ENFORCEMENT", "SCOPE", "TITLE"]
    rows = [line for line in lines if line.startswith("test-") or line.startswith("qualified-")]
    assert [row.split()[0] for row in rows] == sorted(p.id for p in POLICIES)
    advisory_row = next(row for row in rows if row.startswith("test-advisory"))
    assert advisory_row.split()[1:4] == ["medium", "advisory", "resource"]
    assert "serves: HDS v2 test requirement" in out
    assert "config: owners" in out
    assert "\x1b" not in out


def test_default_registry_is_the_shipped_policies() -> None:
    from souverain.policies import ALL_POLICIES

    ids = [item["id"] for item in json.loads(render_policies("json"))]
    assert ids == sorted(p.id for p in ALL_POLICIES)
    assert "qualified-region" in ids


def test_cli_policies_command() -> None:
    from souverain.cli.main import main
    from souverain.policies import ALL_POLICIES

    result = CliRunner().invoke(main, ["policies", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {item["id"] for item in json.loads(result.output)} == {p.id for p in ALL_POLICIES}
    text = CliRunner().invoke(main, ["policies"])
    assert text.exit_code == 0
    assert all(p.id in text.output for p in ALL_POLICIES)
