"""The JSON report: the stable, versioned interface for tools (shape in docs/reports.md)."""

from __future__ import annotations

import json
from typing import Any

from ..engine import Evaluation, Finding
from ..model import UNKNOWN, Resource
from ..policy_view import policy_metadata
from . import REPORT_VERSION
from ._common import (
    TOOL_NAME,
    Scrubber,
    count_summary,
    effective_enforcement,
    input_path,
    region_text,
    sorted_findings,
    tool_version,
)


def report(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> dict[str, Any]:
    """The report as a JSON-ready dict, every string already scrubbed of secret values."""
    scrub = scrub or Scrubber(evaluation)
    scrubbed: dict[str, Any] = scrub.deep(_document(evaluation))
    return scrubbed


def render(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> str:
    # No `indent`: with it, the standard library falls back to its pure-Python encoder, ten times slower
    # on a 10k-resource report. `jq .` pretty-prints for people.
    scrub = scrub or Scrubber(evaluation)
    document = _document(evaluation)
    verified = scrub.verified_json(document)
    if verified is not None:
        return verified
    return json.dumps(scrub.deep(document), ensure_ascii=False) + "\n"


def _document(evaluation: Evaluation) -> dict[str, Any]:
    """The report before scrubbing: strings as the model holds them, Secret and UNKNOWN not yet mapped."""
    plan = evaluation.plan
    return {
        "version": REPORT_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "input": {
            "path": input_path(evaluation),
            "format": plan.source if plan is not None else None,
            "stack": plan.stack if plan is not None else None,
            "project": plan.project if plan is not None else None,
            "catalogs": list(evaluation.catalog_sources),
        },
        "summary": count_summary(evaluation),
        "findings": [_finding(f) for f in sorted_findings(evaluation)],
        "resources": [_resource(r) for r in sorted(evaluation.resources, key=lambda r: r.address)],
        "policies": [
            {**policy_metadata(p), "effective_enforcement": effective_enforcement(evaluation, p).value}
            for p in sorted(evaluation.policies, key=lambda p: p.id)
        ],
    }


def _finding(finding: Finding) -> dict[str, Any]:
    item: dict[str, Any] = {
        "policy": finding.policy,
        "enforcement": finding.enforcement.value,
        "severity": finding.severity,
        "resource": finding.resource,
        "type": finding.type,
        "message": finding.message,
        "unknown": finding.unknown,
        "path": finding.path,
        "waived": finding.waived,
    }
    if finding.waiver is not None:
        item["waiver"] = dict(finding.waiver)
    return item


def _resource(resource: Resource) -> dict[str, Any]:
    provider = resource.provider
    return {
        "resource": resource.address,
        "type": resource.type,
        "name": resource.name,
        "kind": resource.kind,
        "package": resource.package or None,
        "region": region_text(resource),
        "region_source": resource.region_source,
        "region_unknown": resource.region is UNKNOWN,
        "operation": resource.operation.value,
        "provider": provider.package if provider is not None else None,
        "provider_address": provider.address if provider is not None else None,
        "parent": resource.parent,
        "protect": resource.protect,
        "retain_on_delete": resource.retain_on_delete,
        "cloud_resource": resource.is_cloud_resource,
    }
