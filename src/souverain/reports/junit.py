"""JUnit XML: a testcase per (policy, resource) pair checked, so CI shows what passed as well as what failed.

Mapping, chosen for how GitLab's test report and Jenkins' JUnit plugin show results:
- a testsuite per policy (`tests`, `failures`, `skipped` counted), named by the policy id;
- a testcase per pair: `classname` `souverain.<policy-id>` (Jenkins splits it into package and class),
  `name` the resource address, `file` the checked plan;
- an unwaived mandatory finding is a `<failure>`: it fails the pipeline, so it shows as failed;
- an advisory or waived finding is `<skipped>` with the reason in its message: both tools list skipped
  tests apart and count them, so the finding stays visible without reading as a failure. Passing tests'
  output is not shown by default in either tool, which would hide it;
- the details (resource type, messages, remediation, waiver) are the element's text, which is what GitLab
  shows (it drops the attributes); Jenkins shows the `message` attribute and the text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from ..engine import Evaluation
from ._common import (
    TOOL_NAME,
    Pair,
    Scrubber,
    checked_pairs,
    input_path,
    policies_by_id,
    status,
    waiver_summary,
)

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry at all, even escaped."""


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def render(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> str:
    scrub = scrub or Scrubber(evaluation)

    cleaned: dict[str, str] = {}

    def text(value: str) -> str:
        done = cleaned.get(value)
        if done is None:
            done = cleaned[value] = _clean(scrub(value))
        return done

    policies = policies_by_id(evaluation)
    path = input_path(evaluation)
    root = ET.Element("testsuites", name=TOOL_NAME)
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for policy_id, pairs in checked_pairs(evaluation).items():
        policy = policies.get(policy_id)
        suite = ET.SubElement(root, "testsuite", name=text(policy_id))
        counts = {"tests": len(pairs), "failures": 0, "skipped": 0}
        if policy is not None:
            properties = ET.SubElement(suite, "properties")
            for name, prop in (
                ("title", policy.title),
                ("severity", policy.severity.value),
                ("requirements", "; ".join(policy.requirements)),
            ):
                ET.SubElement(properties, "property", name=name, value=text(prop))
        for pair in pairs:
            outcome = pair.outcome
            if outcome == "failed":
                counts["failures"] += 1
            elif outcome in ("advisory", "waived"):
                counts["skipped"] += 1
            _testcase(suite, pair, outcome, policy.remediation if policy else None, path, text)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
        suite.set("time", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def _detail(pair: Pair) -> list[str]:
    lines = []
    for finding in pair.findings:
        where = f" [{finding.path}]" if finding.path else ""
        note = " (unknown at plan time)" if finding.unknown else ""
        if finding.waived:
            note += f" ({waiver_summary(finding.waiver)})"
        lines.append(f"{status(finding).upper()}{where}: {finding.message}{note}")
    return lines


def _testcase(
    suite: ET.Element,
    pair: Pair,
    outcome: str,
    remediation: str | None,
    path: str | None,
    clean: Callable[[str], str],
) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=clean(f"{TOOL_NAME}.{pair.policy}"), name=clean(pair.resource), time="0"
    )
    if path:
        case.set("file", clean(path))
    if outcome == "passed":
        return
    lines = [f"resource: {pair.resource} ({pair.type})", *_detail(pair)]
    first = pair.findings[0].message
    if outcome == "failed":
        mandatory = [f for f in pair.findings if status(f) == "mandatory"]
        element = ET.SubElement(case, "failure", message=clean(mandatory[0].message), type="mandatory")
        if remediation:
            lines.append(f"fix: {remediation}")
    elif outcome == "advisory":
        element = ET.SubElement(case, "skipped", message=clean(f"advisory: {first}"))
    else:
        waiver = waiver_summary(pair.findings[0].waiver)
        element = ET.SubElement(case, "skipped", message=clean(f"{first} ({waiver})"))
    # GitLab shows the element's text (it drops the attributes); Jenkins shows the message attribute.
    element.text = clean("\n".join(lines))
