"""SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it.

One run; every policy is a rule with its full metadata; every finding is a result located on the
resource (logical location) and on the line of the user's sources that declared it when the input tells
(physical location relative to the repository root, `uriBaseId` `%SRCROOT%`), else on the checked file,
line 1. GitHub-specific choices: `security-severity` and a `security` tag on every rule, so alerts
land in the Security tab with a severity; `partialFingerprints.primaryLocationLineHash` set from
policy + resource, so an alert stays one alert across runs however the plan file's lines move.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..engine import Evaluation, Finding
from ..policy import Enforcement, Policy
from ._common import (
    TOOL_NAME,
    Scrubber,
    count_summary,
    effective_enforcement,
    fingerprints,
    information_uri,
    input_path,
    json_text,
    located,
    sorted_findings,
    source_root,
    status,
    tool_version,
    waiver_summary,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "souverain/v1"

SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
"""GitHub's buckets: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low."""

LEVELS = {"mandatory": "error", "advisory": "warning", "waived": "note"}
DEFAULT_LEVELS = {
    Enforcement.MANDATORY: "error",
    Enforcement.ADVISORY: "warning",
    Enforcement.DISABLED: "none",
}


def render(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> str:
    return json_text(sarif_log(evaluation, scrub=scrub), indent=2) + "\n"


def sarif_log(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> dict[str, Any]:
    scrub = scrub or Scrubber(evaluation)
    findings = sorted_findings(evaluation)
    rules, rule_index = _rules(evaluation, findings)
    path = input_path(evaluation)
    root = source_root(evaluation)
    results = [_result(f, rule_index[f.policy], digest, path, root) for f, digest in fingerprints(findings)]
    driver: dict[str, Any] = {
        "name": TOOL_NAME,
        "version": tool_version(),
        "semanticVersion": tool_version(),
        "rules": rules,
    }
    uri = information_uri()
    if uri:
        driver["informationUri"] = uri
    invocation: dict[str, Any] = {"executionSuccessful": True}
    overrides = _overrides(evaluation, rule_index)
    if overrides:
        invocation["ruleConfigurationOverrides"] = overrides
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "results": results,
        "properties": {"summary": count_summary(evaluation), "catalogs": list(evaluation.catalog_sources)},
    }
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    scrubbed: dict[str, Any] = scrub.deep(log)
    return scrubbed


def rule_name(policy_id: str) -> str:
    """`no-public-ingress` -> `NoPublicIngress`: SARIF's readable rule name convention."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", policy_id) if part)


def _rules(evaluation: Evaluation, findings: list[Finding]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """A rule per policy (all of them, so viewers can show what was checked), then one for any finding's
    policy the evaluation does not list, such as findings about waivers."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for policy in sorted(evaluation.policies, key=lambda p: p.id):
        index[policy.id] = len(rules)
        rules.append(_rule(policy))
    for finding in findings:
        if finding.policy not in index:
            index[finding.policy] = len(rules)
            rules.append(_bare_rule(finding))
    return rules, index


def _tags(policy: Policy) -> list[str]:
    tags = ["security", "sovereignty"]
    text = " ".join(policy.requirements).casefold()
    if "secnumcloud" in text:
        tags.append("secnumcloud")
    if "hds" in text:
        tags.append("hds")
    tags.extend(policy.requirements)
    return list(dict.fromkeys(tags))


def _rule(policy: Policy) -> dict[str, Any]:
    requirements = list(policy.requirements)
    help_text = policy.remediation
    help_markdown = f"**Remediation.** {policy.remediation}"
    if requirements:
        help_text += "\n\nRequirements served: " + "; ".join(requirements) + "."
        help_markdown += "\n\n**Requirements served:**\n\n" + "\n".join(f"- {r}" for r in requirements)
    configuration: dict[str, Any] = {"level": DEFAULT_LEVELS[policy.enforcement]}
    if policy.enforcement is Enforcement.DISABLED:
        configuration["enabled"] = False
    rule: dict[str, Any] = {
        "id": policy.id,
        "name": rule_name(policy.id),
        "shortDescription": {"text": policy.title},
        "fullDescription": {"text": policy.rationale},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": configuration,
        "properties": {
            "severity": policy.severity.value,
            "security-severity": SECURITY_SEVERITY[policy.severity.value],
            "enforcement": policy.enforcement.value,
            "scope": policy.scope,
            "requirements": requirements,
            "tags": _tags(policy),
        },
    }
    if policy.help_uri:
        rule["helpUri"] = policy.help_uri
    return rule


def _bare_rule(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.policy,
        "name": rule_name(finding.policy),
        "shortDescription": {"text": finding.policy},
        "defaultConfiguration": {"level": DEFAULT_LEVELS[finding.enforcement]},
        "properties": {
            "severity": finding.severity,
            "security-severity": SECURITY_SEVERITY.get(finding.severity, SECURITY_SEVERITY["medium"]),
            "tags": ["security", "sovereignty"],
        },
    }


def _overrides(evaluation: Evaluation, rule_index: dict[str, int]) -> list[dict[str, Any]]:
    """Policies the policy config ran at another level than their default."""
    overrides = []
    for policy in sorted(evaluation.policies, key=lambda p: p.id):
        level = effective_enforcement(evaluation, policy)
        if level is policy.enforcement:
            continue
        configuration: dict[str, Any] = {"level": DEFAULT_LEVELS[level]}
        if level is Enforcement.DISABLED:
            configuration["enabled"] = False
        overrides.append(
            {"descriptor": {"id": policy.id, "index": rule_index[policy.id]}, "configuration": configuration}
        )
    return overrides


SOURCE_ROOT = "%SRCROOT%"
"""The `uriBaseId` of source locations: the repository root, as GitHub code scanning resolves it."""


def _location(finding: Finding, path: str | None, root: Path) -> dict[str, Any]:
    name = finding.resource.rsplit("::", 1)[-1] if finding.resource.startswith("urn:") else finding.resource
    location: dict[str, Any] = {
        "logicalLocations": [{"name": name, "fullyQualifiedName": finding.resource, "kind": "resource"}]
    }
    source = located(finding, root)
    if source is not None:
        region: dict[str, Any] = {"startLine": source[1]}
        if finding.location is not None and finding.location.column:
            region["startColumn"] = finding.location.column
        location["physicalLocation"] = {
            "artifactLocation": {
                "uri": quote(source[0], safe="/:@!$&'()*+,;=-._~"),
                "uriBaseId": SOURCE_ROOT,
            },
            "region": region,
        }
    elif path:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": quote(path, safe="/:@!$&'()*+,;=-._~")},
            "region": {"startLine": 1},
        }
    return location


def _result(finding: Finding, rule_index: int, digest: str, path: str | None, root: Path) -> dict[str, Any]:
    state = status(finding)
    text = f"{finding.resource}: {finding.message}"
    if finding.unknown:
        text += " (decided on a value unknown at plan time)"
    result: dict[str, Any] = {
        "ruleId": finding.policy,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": LEVELS[state],
        "message": {"text": text},
        "locations": [_location(finding, path, root)],
        "partialFingerprints": {"primaryLocationLineHash": digest, FINGERPRINT_KEY: digest},
        "properties": {
            "enforcement": finding.enforcement.value,
            "status": state,
            "severity": finding.severity,
            "resource": finding.resource,
            "type": finding.type,
            "path": finding.path,
            "unknown": finding.unknown,
        },
    }
    if finding.waived:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": waiver_summary(finding.waiver)}
        ]
    return result
