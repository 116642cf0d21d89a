"""GitLab Code Quality: a JSON array of issues for the merge-request widget (`artifacts:reports:codequality`).

GitLab reads `description`, `check_name`, `fingerprint`, `severity` and `location.path` +
`location.lines.begin` (the line of the user's sources that declared the resource when the input tells,
relative to the repository root; else the checked file, line 1), and ignores the rest of the CodeClimate
format. Severity: an unwaived mandatory
finding blocks the pipeline, so it is `blocker`; advisory ones keep the policy's severity on GitLab's
scale; waived ones are `info`. GitLab has no notion of a suppressed issue, so waived findings stay listed
with their waiver in the description.
"""

from __future__ import annotations

from typing import Any

from ..engine import Evaluation, Finding
from ._common import (
    Scrubber,
    fingerprints,
    input_path,
    json_text,
    located,
    sorted_findings,
    source_root,
    status,
    waiver_summary,
)

ADVISORY_SEVERITY = {"critical": "critical", "high": "major", "medium": "minor", "low": "info"}
FALLBACK_PATH = "."


def severity(finding: Finding) -> str:
    state = status(finding)
    if state == "mandatory":
        return "blocker"
    if state == "waived":
        return "info"
    return ADVISORY_SEVERITY.get(finding.severity, "minor")


def _description(finding: Finding) -> str:
    text = f"{finding.resource}: {finding.message}"
    if finding.path:
        text += f" [{finding.path}]"
    if finding.unknown:
        text += " (unknown at plan time)"
    if finding.waived:
        text += f" ({waiver_summary(finding.waiver)})"
    elif status(finding) == "advisory":
        text += " (advisory)"
    return text


def issues(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> list[dict[str, Any]]:
    scrub = scrub or Scrubber(evaluation)
    path = input_path(evaluation) or FALLBACK_PATH
    root = source_root(evaluation)
    out: list[dict[str, Any]] = []
    for finding, digest in fingerprints(sorted_findings(evaluation)):
        file, line = located(finding, root) or (path, 1)
        out.append(
            {
                "description": _description(finding),
                "check_name": finding.policy,
                "fingerprint": digest,
                "severity": severity(finding),
                "location": {"path": file, "lines": {"begin": line}},
            }
        )
    scrubbed: list[dict[str, Any]] = scrub.deep(out)
    return scrubbed


def render(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> str:
    return json_text(issues(evaluation, scrub=scrub), indent=2) + "\n"
