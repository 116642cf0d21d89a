"""The Markdown report (pull-request comments, `$GITHUB_STEP_SUMMARY`), `--report FORMAT=PATH` (several
reports from one run) and `--fail-on SEVERITY`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SMALL_CATALOG
from souverain.cli.main import main

from souverain.engine import Evaluation, Finding
from souverain.model import Plan
from souverain.policy import Enforcement
from souverain.reports import render
from souverain.reports.markdown import MAX_ROWS

PREVIEW = FIXTURES / "crossguard" / "preview.json"
BASE = ["check", str(PREVIEW), "--replace-catalog", "--catalog", str(SMALL_CATALOG)]


def finding(message: str, *, resource: str = "urn:pulumi:dev::p::t::r", severity: str = "high") -> Finding:
    return Finding(
        policy="no-public-ingress",
        enforcement=Enforcement.MANDATORY,
        severity=severity,
        resource=resource,
        type="openstack:networking/secGroupRule:SecGroupRule",
        message=message,
    )


def test_markdown_has_the_verdict_counts_and_one_row_per_finding() -> None:
    result = CliRunner().invoke(main, [*BASE, "--format", "markdown"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "<!-- souverain markdown report 1.0 -->"
    assert lines[1] == "### souverain check: ❌ FAIL"
    assert "**5 mandatory**, 0 advisory, 0 waived; 7 resources checked (3 in a cloud)" in lines[3]
    rows = [line for line in lines if line.startswith("| mandatory |")]
    assert len(rows) == 5
    # critical before high; each row names policy, resource and the fix
    assert [row.split(" | ")[1] for row in rows] == ["critical"] * 3 + ["high"] * 2
    (region,) = [row for row in rows if "region 'PUB-1'" in row]
    assert "`qualified-region`" in region
    assert "`urn:pulumi:dev::hdh::openstack:blockstorage/volume:Volume::legacy-export`" in region
    assert "catalog lists as qualified" in region  # the policy's remediation


def test_markdown_cells_cannot_break_the_table_or_inject_markup() -> None:
    evaluation = Evaluation(
        [finding("a | b\nc <img src=x> [link](http://x.test) *bold*", resource="urn:a|b")],
        [],
        [],
        Plan([], "pulumi-preview", path="plan.json"),
    )
    rows = [line for line in render(evaluation, "markdown").splitlines() if line.startswith("| mandatory")]
    (row,) = rows
    assert row.count(" | ") == 6  # seven cells, whatever the message holds
    assert "a \\| b c \\<img src=x\\> [link]\\(http://x.test) \\*bold\\*" in row
    assert "`urn:a\\|b`" in row


def test_markdown_stops_after_max_rows_and_says_how_many_are_left() -> None:
    findings = [finding(f"message {i}", resource=f"urn:r{i:04d}") for i in range(MAX_ROWS + 7)]
    text = render(Evaluation(findings, [], [], None), "markdown")
    assert sum(line.startswith("| mandatory") for line in text.splitlines()) == MAX_ROWS
    assert "… and 7 more findings" in text


def test_markdown_of_a_clean_run_is_a_pass_without_table() -> None:
    text = render(Evaluation([], [], [], None), "markdown")
    assert "### souverain check: ✅ PASS" in text
    assert "| status |" not in text


# --- --report ---------------------------------------------------------------------------------------------


def test_one_run_writes_several_reports_and_prints_the_text(tmp_path: Path) -> None:
    sarif, summary, data = tmp_path / "s.sarif", tmp_path / "summary.md", tmp_path / "r.json"
    result = CliRunner().invoke(
        main,
        [*BASE, "--report", f"sarif={sarif}", "--report", f"markdown={summary}", "--report", f"json={data}"],
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1].startswith("FAIL: 5 mandatory findings")
    assert len(json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]) == 5
    assert json.loads(data.read_text(encoding="utf-8"))["summary"]["mandatory"] == 5
    assert summary.read_text(encoding="utf-8").splitlines()[1].endswith("FAIL")


def test_report_goes_with_format_and_output(tmp_path: Path) -> None:
    """`--format F --output PATH` keeps working beside `--report`: both files, the text on stdout."""
    sarif, junit = tmp_path / "s.sarif", tmp_path / "j.xml"
    result = CliRunner().invoke(
        main, [*BASE, "--format", "sarif", "--output", str(sarif), "--report", f"junit={junit}"]
    )
    assert result.exit_code == 1
    assert json.loads(sarif.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert junit.read_text(encoding="utf-8").startswith("<?xml")
    assert result.stdout.startswith("souverain check:")


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        ("sarif", "--report: expected FORMAT=PATH"),
        ("sarif=", "--report: expected FORMAT=PATH"),
        ("pdf=report.pdf", "unknown report format 'pdf'"),  # html is a format now (issue 15)
    ],
)
def test_a_malformed_report_request_is_a_usage_error(tmp_path: Path, request_: str, error: str) -> None:
    result = CliRunner().invoke(main, [*BASE, "--report", request_])
    assert result.exit_code == 2
    assert error in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_two_reports_to_one_file_and_a_report_over_an_input_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    twice = CliRunner().invoke(main, [*BASE, "--report", f"json={target}", "--report", f"sarif={target}"])
    assert twice.exit_code == 2
    assert "named by two reports" in twice.stderr
    assert not target.exists()
    copy = tmp_path / "preview.json"
    copy.write_bytes(PREVIEW.read_bytes())
    args = [
        "check",
        str(copy),
        "--replace-catalog",
        "--catalog",
        str(SMALL_CATALOG),
        "--report",
        f"sarif={copy}",
    ]
    over = CliRunner().invoke(main, args)
    assert over.exit_code == 2
    assert "is an input of this check" in over.stderr
    assert copy.read_bytes() == PREVIEW.read_bytes()


# --- --fail-on --------------------------------------------------------------------------------------------


def _fail_on(tmp_path: Path, *extra: str) -> tuple[int, str]:
    """The preview without its critical policies: two mandatory findings, both of severity high."""
    config = tmp_path / "policy-config.json"
    config.write_text(
        json.dumps({"qualified-region": "disabled", "qualified-endpoint": "disabled"}), encoding="utf-8"
    )
    result = CliRunner().invoke(main, [*BASE, "--policy-config", str(config), *extra])
    return result.exit_code, result.stdout


def test_fail_on_fails_only_at_or_above_the_severity(tmp_path: Path) -> None:
    assert _fail_on(tmp_path)[0] == 1  # default: any mandatory finding
    assert _fail_on(tmp_path, "--fail-on", "low")[0] == 1
    assert _fail_on(tmp_path, "--fail-on", "high")[0] == 1
    code, text = _fail_on(tmp_path, "--fail-on", "critical")
    assert code == 0
    assert text.splitlines()[-1] == (
        "PASS: 2 mandatory findings below the --fail-on critical threshold, to fix all the same"
    )
    assert "MANDATORY" in text  # still listed


def test_fail_on_is_the_verdict_of_every_format(tmp_path: Path) -> None:
    code, text = _fail_on(tmp_path, "--fail-on", "critical", "--format", "json")
    assert code == 0
    assert json.loads(text)["summary"]["passed"] is True
    code, text = _fail_on(tmp_path, "--fail-on", "critical", "--format", "markdown")
    assert "### souverain check: ✅ PASS" in text
    assert "Only mandatory findings of severity critical or above fail this run." in text


def test_fail_on_refuses_an_unknown_severity(tmp_path: Path) -> None:
    assert _fail_on(tmp_path, "--fail-on", "severe")[0] == 2
