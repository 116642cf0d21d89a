"""Readers turn plan files into the normalized model; the format is detected unless forced.

Formats:
- `pulumi-preview`: `pulumi preview --json`
- `pulumi-state`: `pulumi stack export` (deployment version 3 or 4), or a self-managed backend's
  checkpoint file
- `terraform-plan`: `tofu show -json` / `terraform show -json` of a saved plan (or of a state)

See docs/inputs.md for the model each one produces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Plan
from . import _json
from ._common import recording_secrets

FORMATS: tuple[str, ...] = ("pulumi-preview", "pulumi-state", "terraform-plan")


TERRAFORM_KEYS = frozenset(
    {
        "format_version",
        "terraform_version",
        "variables",
        "planned_values",
        "resource_drift",
        "resource_changes",
        "output_changes",
        "prior_state",
        "configuration",
        "relevant_attributes",
        "checks",
        "values",
        "timestamp",
        "applyable",
        "complete",
        "errored",
        "deferred_changes",
    }
)
"""The top-level keys of `show -json` (jsonplan, jsonstate). A document with `format_version` and no
other key is an empty state: `terraform show -json` writes `{"format_version":"1.0"}` before any apply."""


def detect_format(data: Any, path: str) -> str:
    """Which tool wrote this document, from the keys only that tool writes."""
    if isinstance(data, Mapping):
        if "steps" in data or "changeSummary" in data:
            return "pulumi-preview"
        if "version" in data and ("deployment" in data or "checkpoint" in data):
            return "pulumi-state"
        if "format_version" in data and (
            "resource_changes" in data
            or "planned_values" in data
            or "terraform_version" in data
            or "values" in data
            or data.keys() <= TERRAFORM_KEYS
        ):
            return "terraform-plan"
    raise InputError(
        path,
        "not a recognised plan: expected `pulumi preview --json`, `pulumi stack export` or "
        "`tofu/terraform show -json` output (use --input-format to force one)",
    )


def _parsers() -> dict[str, Callable[[Any, str], Plan]]:
    from . import pulumi_preview, pulumi_state, terraform_plan

    return {
        "pulumi-preview": pulumi_preview.parse,
        "pulumi-state": pulumi_state.parse,
        "terraform-plan": terraform_plan.parse,
    }


def parse_plan(data: Any, path: str, input_format: str | None = None) -> Plan:
    """A plan from an already-decoded JSON document."""
    fmt = input_format or detect_format(data, path)
    if fmt not in FORMATS:
        raise InputError(path, f"unknown input format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not isinstance(data, Mapping):
        raise InputError(path, f"a {fmt} document must be a JSON object")
    try:
        with _json.gc_paused(), recording_secrets() as secrets:
            plan = _parsers()[fmt](data, path)
        plan.secrets = tuple(secrets)
    except RecursionError:
        raise InputError(path, "nested too deeply to check safely") from None
    plan.source = fmt
    plan.path = path
    return plan


def read_plan(path: str | Path, input_format: str | None = None) -> Plan:
    """Read, decode and parse a plan file. Every failure is an `InputError` naming the file."""
    path_str = str(path)
    data = _json.load_json_file(Path(path), path_str)
    return parse_plan(data, path_str, input_format)
