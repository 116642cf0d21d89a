"""Report writers. Each format is a public interface, documented in docs/reports.md and versioned.

`render(evaluation, fmt)` returns the report as text. No writer prints a property value: messages come
from policies, which never quote secrets, and `redact` scrubs any secret string that slipped through.
"""

from __future__ import annotations

from collections.abc import Callable

from ..engine import Evaluation
from ._redact import redact

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "junit", "gitlab")
REPORT_VERSION = "1.0"


def _writers() -> dict[str, Callable[[Evaluation], str]]:
    from . import gitlab, json_report, junit, sarif, text

    return {
        "text": text.render,
        "json": json_report.render,
        "sarif": sarif.render,
        "junit": junit.render,
        "gitlab": gitlab.render,
    }


def render(evaluation: Evaluation, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    return redact(_writers()[fmt](evaluation), evaluation.resources, evaluation.plan)


__all__ = ["FORMATS", "REPORT_VERSION", "render"]
