"""Markdown: a summary for pull-request comments and GitHub's job summary (`$GITHUB_STEP_SUMMARY`).

The verdict first, then the counts, then one table row per finding that needs a reviewer (mandatory and
advisory; waived ones are counted and listed after them) with policy, resource, message, location and
fix. Every string is scrubbed of secrets before it is escaped for a table cell: escaping `|` could
otherwise hide a secret from the last search of the finished text. GitHub limits a comment to 65,536
characters, so the table stops after `MAX_ROWS` rows and says how many it left to the other reports.
"""

from __future__ import annotations

from pathlib import Path

from ..engine import Evaluation, Finding
from ._common import (
    Scrubber,
    count_summary,
    input_path,
    located,
    policies_by_id,
    sorted_findings,
    source_root,
    status,
    waiver_summary,
)

MARKDOWN_REPORT_VERSION = "1.0"
MAX_ROWS = 150
"""Rows per table: with the longest messages, a comment stays under GitHub's 65,536 characters."""
_ORDER = {"mandatory": 0, "advisory": 1, "waived": 2}
_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def render(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> str:
    scrub = scrub or Scrubber(evaluation)
    summary = count_summary(evaluation)
    verdict = "PASS" if evaluation.passed else "FAIL"
    target = input_path(evaluation) or "resources"
    plan = evaluation.plan
    stack = f" (stack `{_code(scrub(plan.stack))}`)" if plan is not None and plan.stack else ""
    lines = [
        f"<!-- souverain markdown report {MARKDOWN_REPORT_VERSION} -->",
        f"### souverain check: {'❌' if verdict == 'FAIL' else '✅'} {verdict}",
        "",
        f"`{_code(scrub(target))}`{stack}: **{summary['mandatory']} mandatory**, {summary['advisory']} "
        f"advisory, {summary['waived']} waived; {summary['resources']} resources checked "
        f"({summary['cloud_resources']} in a cloud) against {summary['policies']} policies.",
    ]
    if evaluation.fail_on and summary["mandatory"]:
        lines += ["", f"Only mandatory findings of severity {evaluation.fail_on} or above fail this run."]
    if evaluation.catalog_sources:
        sources = ", ".join(f"`{_code(scrub(source))}`" for source in evaluation.catalog_sources)
        lines += ["", f"Catalog: {sources}"]
    findings = sorted(
        sorted_findings(evaluation),
        key=lambda f: (_ORDER[status(f)], _SEVERITY_ORDER.get(f.severity, 4)),
    )
    if findings:
        lines += ["", *_table(findings, evaluation, scrub)]
    lines += _network(evaluation)
    return scrub.text("\n".join(lines) + "\n")


MAX_DIAGRAM_CHARS = 20_000
"""A larger Mermaid source is left out: it would crowd a 65,536-character comment (the HTML report has it)."""


def _network(evaluation: Evaluation) -> list[str]:
    """The network as a Mermaid flowchart, folded in `<details>` (GitHub and GitLab draw it); nothing when
    the plan holds no network. Labels are escaped by the Mermaid writer (no backtick can close the fence);
    the finished text is scrubbed of secrets with the rest."""
    from ..diagram import graph_of, mermaid_writer

    graph = graph_of(evaluation)
    if len(graph.nodes) <= 1 and not graph.edges:
        return []
    flowchart = mermaid_writer.render(graph)
    exposed = sum(1 for node in graph.nodes.values() if node.role == "data_store" and node.exposed)
    summary = "Network" + (" (aggregated)" if graph.aggregated else "")
    summary += f": the internet reaches {exposed} data store(s), in red" if exposed else ""
    if len(flowchart) > MAX_DIAGRAM_CHARS:
        return ["", f"{summary}: too large for a comment; see `souverain diagram` or the HTML report."]
    return [
        "",
        f"<details><summary>{summary}</summary>",
        "",
        "```mermaid",
        flowchart.rstrip("\n"),
        "```",
        "",
        "</details>",
    ]


def _table(findings: list[Finding], evaluation: Evaluation, scrub: Scrubber) -> list[str]:
    policies = policies_by_id(evaluation)
    root = source_root(evaluation)
    rows = [
        "| status | severity | policy | resource | message | where | fix |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for finding in findings[:MAX_ROWS]:
        policy = policies.get(finding.policy)
        message = finding.message + (f" [{finding.path}]" if finding.path else "")
        if finding.unknown:
            message += " (unknown at plan time)"
        if finding.waived:
            message += f" ({waiver_summary(finding.waiver)})"
        fix = policy.remediation if policy is not None and not finding.waived else ""
        cells = [
            status(finding),
            finding.severity,
            f"`{_code(scrub(finding.policy))}`",
            f"`{_code(scrub(finding.resource))}`",
            _cell(scrub(message)),
            _where(finding, root, scrub),
            _cell(scrub(fix)),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    left = len(findings) - MAX_ROWS
    if left > 0:
        rows += ["", f"… and {left} more findings: see the SARIF, JSON or text report of this run."]
    return rows


def _where(finding: Finding, root: Path, scrub: Scrubber) -> str:
    source = located(finding, root)
    return f"`{_code(scrub(f'{source[0]}:{source[1]}'))}`" if source is not None else ""


def _cell(text: str) -> str:
    """Text in a table cell: no line breaks, `|` escaped, nothing read as HTML, emphasis or a link (a
    bracket stays as it is unless it opens a link's target, so `[secret]` reads as written)."""
    text = " ".join(text.split())
    for char in "\\`*_<>|~":
        text = text.replace(char, "\\" + char)
    return text.replace("](", "]\\(")


def _code(text: str) -> str:
    """Text inside a code span in a table cell: one line, no backtick, `|` escaped (GitHub splits cells
    on `|` even inside code spans)."""
    return " ".join(text.split()).replace("`", "'").replace("|", "\\|")
