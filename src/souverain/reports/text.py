"""The report people read in a terminal or a CI log: findings grouped by policy, a summary, PASS or FAIL.

Plain text only: no colour codes, no box drawing, nothing that garbles when piped to a file or a CI log.
"""

from __future__ import annotations

from itertools import groupby
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

LABELS = {"mandatory": "MANDATORY", "advisory": "ADVISORY", "waived": "WAIVED"}


def render(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> str:
    scrub = scrub or Scrubber(evaluation)
    lines: list[str] = [_heading(evaluation)]
    policies = policies_by_id(evaluation)
    findings = sorted_findings(evaluation)
    root = source_root(evaluation)
    for policy_id, group in groupby(findings, key=lambda f: f.policy):
        items = list(group)
        policy = policies.get(policy_id)
        lines.append("")
        severity = policy.severity.value if policy is not None else items[0].severity
        title = f"  {policy.title}" if policy is not None else ""
        lines.append(f"{policy_id} [{severity}]{title}")
        width = max(len(LABELS[status(f)]) for f in items)
        for finding in items:
            lines.append(_finding_line(finding, width, root))
        if policy is not None and any(status(f) != "waived" for f in items):
            lines.append(f"  fix: {policy.remediation}")
    summary = count_summary(evaluation)
    lines.append("")
    lines.append(
        f"{_count(summary['resources'], 'resource')} checked ({summary['cloud_resources']} in a cloud) "
        f"against {_count(summary['policies'], 'policy', 'policies')}: {summary['mandatory']} mandatory, "
        f"{summary['advisory']} advisory, {summary['waived']} waived"
        + (f" ({summary['unknown']} decided on values unknown at plan time)" if summary["unknown"] else "")
    )
    lines.append(_verdict(evaluation))
    return scrub.text("\n".join(lines) + "\n", embedded=True)  # its lines were not scrubbed one by one


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _heading(evaluation: Evaluation) -> str:
    plan = evaluation.plan
    path = input_path(evaluation)
    details = []
    if plan is not None and plan.source:
        details.append(plan.source)
    if plan is not None and plan.stack:
        details.append(f"stack {plan.stack}")
    suffix = f" ({', '.join(details)})" if details else ""
    heading = f"souverain check: {path or 'resources'}{suffix}"
    if evaluation.catalog_sources:
        heading += "\ncatalog: " + ", ".join(evaluation.catalog_sources)
    return heading


def _finding_line(finding: Finding, width: int, root: Path) -> str:
    label = LABELS[status(finding)].ljust(width)
    where = f"{finding.resource}" + (f" [{finding.path}]" if finding.path else "")
    notes = []
    if finding.unknown:
        notes.append("unknown at plan time")
    if finding.waived:
        notes.append(waiver_summary(finding.waiver))
    note = f" ({'; '.join(notes)})" if notes else ""
    source = located(finding, root)
    at = f"\n  {' ' * width}  at {source[0]}:{source[1]}" if source is not None else ""
    return f"  {label}  {where}: {finding.message}{note}{at}"


def _verdict(evaluation: Evaluation) -> str:
    mandatory = len(evaluation.mandatory)
    blocking = len(evaluation.blocking)
    if blocking:
        noun = "finding" if blocking == 1 else "findings"
        floor = f" of severity {evaluation.fail_on} or above" if evaluation.fail_on else ""
        return f"FAIL: {blocking} mandatory {noun}{floor} to fix before this change can go in"
    if mandatory:
        noun = "finding" if mandatory == 1 else "findings"
        return (
            f"PASS: {mandatory} mandatory {noun} below the --fail-on {evaluation.fail_on} threshold, "
            "to fix all the same"
        )
    advisory = len(evaluation.advisory)
    if advisory:
        return f"PASS: no mandatory finding ({advisory} advisory to review)"
    return "PASS: no mandatory finding"
