"""`souverain policies`: the policy registry as a text table for people or a JSON list for tools."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from .policy import Policy

FORMATS: tuple[str, ...] = ("text", "json")


def policy_metadata(policy: Policy) -> dict[str, Any]:
    """Everything a reader of a report needs to know about a policy; the JSON report embeds the same."""
    return {
        "id": policy.id,
        "title": policy.title,
        "severity": policy.severity.value,
        "enforcement": policy.enforcement.value,
        "scope": policy.scope,
        "rationale": policy.rationale,
        "remediation": policy.remediation,
        "requirements": list(policy.requirements),
        "help_uri": policy.help_uri,
        "config_schema": _config_schema(policy),
    }


def _config_schema(policy: Policy) -> dict[str, Any]:
    """The policy's config as a JSON schema object, `enforcementLevel` included, as Pulumi packs do."""
    properties: dict[str, Any] = {
        "enforcementLevel": {"type": "string", "enum": ["advisory", "mandatory", "disabled"]},
    }
    properties.update({str(key): value for key, value in policy.config_schema.items()})
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _registry() -> Sequence[Policy]:
    from souverain.policies import ALL_POLICIES

    return ALL_POLICIES


def render_policies(fmt: str, policies: Iterable[Policy] | None = None) -> str:
    """The policies, ordered by id; `policies` defaults to the shipped registry."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    ordered = sorted(_registry() if policies is None else policies, key=lambda p: p.id)
    if fmt == "json":
        return json.dumps([policy_metadata(p) for p in ordered], indent=2, ensure_ascii=False) + "\n"
    return _text(ordered)


def _text(policies: Sequence[Policy]) -> str:
    header = ("ID", "SEVERITY", "ENFORCEMENT", "SCOPE", "TITLE")
    rows = [(p.id, p.severity.value, p.enforcement.value, p.scope, p.title) for p in policies]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        return "  ".join([*cells, row[-1]]).rstrip()

    out = [line(header)]
    for policy, row in zip(policies, rows, strict=True):
        out.append(line(row))
        if policy.requirements:
            out.append(" " * (sum(widths) + 2 * len(widths)) + "serves: " + "; ".join(policy.requirements))
        options = [str(key) for key in policy.config_schema]
        if options:
            out.append(" " * (sum(widths) + 2 * len(widths)) + "config: " + ", ".join(options))
    out.append("")
    out.append(
        f"{len(policies)} policies. Override enforcement with --policy-config (Pulumi policy-pack config)."
    )
    return "\n".join(out) + "\n"
