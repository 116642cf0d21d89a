"""The JSON report: the stable, versioned interface for tools (shape in docs/reports.md)."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from pathlib import Path
from typing import Any

import msgspec

from ..engine import Evaluation, Finding
from ..model import UNKNOWN, Operation, Resource
from ..policy_view import policy_metadata
from . import REPORT_VERSION
from ._common import (
    TOOL_NAME,
    Scrubber,
    count_summary,
    effective_enforcement,
    input_path,
    json_text,
    located,
    sorted_findings,
    source_root,
    tool_version,
)


def render(evaluation: Evaluation, *, scrub: Scrubber | None = None) -> str:
    # One line, `json.dumps`' separators (the format is public: docs/reports.md); `jq .` pretty-prints.
    scrub = scrub or Scrubber(evaluation)
    document = _document(evaluation)
    verified = scrub.verified_json(document)
    if verified is not None:
        return verified
    return json_text(scrub.deep(document)) + "\n"


def _document(evaluation: Evaluation) -> dict[str, Any]:
    """The report before scrubbing: strings as the model holds them, Secret and UNKNOWN not yet mapped."""
    plan = evaluation.plan
    root = source_root(evaluation)
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
        "findings": [_finding(f, root) for f in sorted_findings(evaluation)],
        "resources": _inventory(evaluation.resources),
        "policies": [
            {**policy_metadata(p), "effective_enforcement": effective_enforcement(evaluation, p).value}
            for p in sorted(evaluation.policies, key=lambda p: p.id)
        ],
    }


def _finding(finding: Finding, root: Path) -> dict[str, Any]:
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
    source = located(finding, root)
    item["file"], item["line"] = source if source is not None else (None, None)
    if finding.waiver is not None:
        item["waiver"] = dict(finding.waiver)
    return item


class _Row(msgspec.Struct, gc=False):
    """One entry of the resource inventory; its fields, in this order, are the entry's keys.

    A Struct rather than a dict: a 10k-resource report builds 10k of them, and a Struct takes about half
    a dict's time to build and less to write. msgspec writes it as the object of its fields, which is
    what `json.dumps` writes of the dict `_json_default` makes of it.
    """

    resource: str
    type: str
    name: str
    kind: str | None
    package: str | None
    region: str | None
    """The effective region when it is a string; None when absent or unknown at plan time."""
    region_source: str | None
    region_unknown: bool
    operation: str
    provider: str | None
    provider_address: str | None
    parent: str | None
    protect: bool
    retain_on_delete: bool
    cloud_resource: bool


def _inventory(resources: Iterable[Resource]) -> list[_Row]:
    """Every resource checked, by address: what it is, where it lands, what the plan does to it.

    One loop rather than a function per resource, and the operation's text from a table rather than the
    enum's `value` property: a 10k-resource plan makes 10k of these rows.
    """
    operation_text = _OPERATION_TEXT
    return [
        _Row(
            resource.address,
            resource.type,
            resource.name,
            resource.kind,
            resource.package or None,
            region if isinstance(region := resource.region, str) and region else None,
            resource.region_source,
            region is UNKNOWN,
            operation_text.get(resource.operation) or resource.operation.value,
            None if (provider := resource.provider) is None else provider.package,
            None if provider is None else provider.address,
            resource.parent,
            resource.protect,
            resource.retain_on_delete,
            resource.is_cloud_resource,
        )
        for resource in sorted(resources, key=attrgetter("address"))
    ]


_OPERATION_TEXT = {operation: operation.value for operation in Operation}
