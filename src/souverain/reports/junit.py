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
from collections.abc import Callable

from ..engine import Evaluation
from ._common import (
    TOOL_NAME,
    Pair,
    Scrubber,
    checked_pairs,
    input_path,
    located,
    policies_by_id,
    source_root,
    status,
    waiver_summary,
)

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot carry at all, even escaped."""


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _escape_text(text: str) -> str:
    """Character data as `xml.etree.ElementTree` escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _escape_attribute(text: str) -> str:
    """An attribute value as `xml.etree.ElementTree` (Python 3.11) escapes it: markup, quotes, and the
    line breaks and tabs an XML parser would otherwise normalize to spaces."""
    text = _escape_text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#09;")
    return text


def render(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> str:
    """The XML as `xml.etree.ElementTree` wrote it (indented by `ET.indent`, empty elements as `<a />`),
    assembled as text: building and serializing 60k elements took a second for a 10k-resource plan."""
    scrub = scrub or Scrubber(evaluation)
    policies = policies_by_id(evaluation)
    path = input_path(evaluation)
    sources = source_root(evaluation)
    by_policy = checked_pairs(evaluation)
    scrub.prescan(_strings(by_policy, path))

    attributes: dict[str, str] = {}
    texts: dict[str, str] = {}

    def attribute(value: str) -> str:
        done = attributes.get(value)
        if done is None:
            done = attributes[value] = _escape_attribute(_clean(scrub(value)))
        return done

    def text(value: str) -> str:
        done = texts.get(value)
        if done is None:
            done = texts[value] = _escape_text(_clean(scrub(value)))
        return done

    file = f' file="{attribute(path)}"' if path else ""
    suites: list[str] = []
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for policy_id, pairs in by_policy.items():
        policy = policies.get(policy_id)
        children: list[str] = []
        if policy is not None:
            properties = "".join(
                f'\n      <property name="{name}" value="{attribute(prop)}" />'
                for name, prop in (
                    ("title", policy.title),
                    ("severity", policy.severity.value),
                    ("requirements", "; ".join(policy.requirements)),
                )
            )
            children.append(f"\n    <properties>{properties}\n    </properties>")
        counts = {"tests": len(pairs), "failures": 0, "skipped": 0}
        classname = attribute(f"{TOOL_NAME}.{policy_id}")
        remediation = policy.remediation if policy else None
        for pair in pairs:
            outcome = pair.outcome
            if outcome == "failed":
                counts["failures"] += 1
            elif outcome in ("advisory", "waived"):
                counts["skipped"] += 1
            source = next((found for f in pair.findings if (found := located(f, sources))), None)
            where = f' file="{attribute(source[0])}" line="{source[1]}"' if source is not None else file
            head = (
                f'\n    <testcase classname="{classname}" name="{attribute(pair.resource)}" time="0"{where}'
            )
            if outcome == "passed":
                children.append(f"{head} />")
            else:
                element = _outcome(pair, outcome, remediation, attribute, text)
                children.append(f"{head}>\n      {element}\n    </testcase>")
        for key, value in counts.items():
            totals[key] += value
        suite = f'<testsuite name="{attribute(policy_id)}"{_counts(counts)}'
        if children:
            suites.append(f"\n  {suite}>{''.join(children)}\n  </testsuite>")
        else:
            suites.append(f"\n  {suite} />")
    root = f'<testsuites name="{TOOL_NAME}"{_counts(totals)}'
    body = f"{root}>{''.join(suites)}\n</testsuites>" if suites else f"{root} />"
    return XML_DECLARATION + body + "\n"


def _counts(counts: dict[str, int]) -> str:
    return "".join(f' {key}="{value}"' for key, value in counts.items()) + ' errors="0" time="0"'


def _strings(by_policy: dict[str, list[Pair]], path: str | None) -> list[str]:
    """The strings of the report that come from the run, for one search for secrets over them all."""
    strings = [path] if path else []
    for policy_id, pairs in by_policy.items():
        strings.append(policy_id)
        strings.extend(pair.resource for pair in pairs)
    return strings


def _detail(pair: Pair) -> list[str]:
    lines = []
    for finding in pair.findings:
        where = f" [{finding.path}]" if finding.path else ""
        note = " (unknown at plan time)" if finding.unknown else ""
        if finding.waived:
            note += f" ({waiver_summary(finding.waiver)})"
        lines.append(f"{status(finding).upper()}{where}: {finding.message}{note}")
    return lines


def _outcome(
    pair: Pair,
    outcome: str,
    remediation: str | None,
    attribute: Callable[[str], str],
    text: Callable[[str], str],
) -> str:
    """The `<failure>` or `<skipped>` element of a pair with findings."""
    lines = [f"resource: {pair.resource} ({pair.type})", *_detail(pair)]
    first = pair.findings[0].message
    if outcome == "failed":
        mandatory = [f for f in pair.findings if status(f) == "mandatory"]
        if remediation:
            lines.append(f"fix: {remediation}")
        head = f'failure message="{attribute(mandatory[0].message)}" type="mandatory"'
        tag = "failure"
    elif outcome == "advisory":
        head, tag = f'skipped message="{attribute(f"advisory: {first}")}"', "skipped"
    else:
        waiver = waiver_summary(pair.findings[0].waiver)
        head, tag = f'skipped message="{attribute(f"{first} ({waiver})")}"', "skipped"
    # GitLab shows the element's text (it drops the attributes); Jenkins shows the message attribute.
    body = text("\n".join(lines))
    return f"<{head}>{body}</{tag}>"
