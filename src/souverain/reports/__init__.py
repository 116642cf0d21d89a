"""Report writers. Each format is a public interface, documented in docs/reports.md and versioned.

`render(evaluation, fmt)` returns the report as text. No writer prints a property value: messages come
from policies, which never quote secrets; each writer scrubs every string of its report of secret values
before encoding it (escaping would hide a secret from a search of the encoded text), and the finished text
is searched once more. The JSON report first searches its distinct strings in one pass and skips the
string-by-string scrub when none holds a secret (`Scrubber.verified_json`). The JSON formats are written
by msgspec wherever that gives the standard library's text byte for byte (`_common.json_text`).
"""

from __future__ import annotations

import importlib

from ..engine import Evaluation
from ._common import Scrubber, Writer

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "junit", "gitlab", "markdown", "html")
REPORT_VERSION = "1.0"


def _writer(fmt: str) -> Writer:
    """The writer of one format; only its module is imported (JUnit's pulls in the XML library)."""
    module = importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
    writer: Writer = module.render
    return writer


_MODULES = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "junit": "junit",
    "gitlab": "gitlab",
    "markdown": "markdown",
    "html": "html",
}


def render(evaluation: Evaluation, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    scrub = Scrubber(evaluation)
    # Writers scrub every string before encoding it; this pass over the finished text is the last line.
    return scrub.text(_writer(fmt)(evaluation, scrub=scrub))


__all__ = ["FORMATS", "REPORT_VERSION", "render"]
