"""Errors that the CLI reports as one line and exit code 2: bad input, never a bug."""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
"""Line breaks, control characters and lone surrogates: a key or value quoted from a hostile file must not
split the error over several lines, forge a second one, or fail to encode on stderr."""


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape", "backslashreplace").decode("ascii")


class InputError(Exception):
    """Bad input: a malformed plan, catalog, config or waiver. Names the file and, when known, the field."""

    def __init__(self, file: str, message: str, field: str | None = None) -> None:
        self.file = file
        self.field = field
        self.message = message
        super().__init__(self.line())

    def line(self) -> str:
        """The error on one printable line: `file: field: message`."""
        where = f"{self.file}: {self.field}" if self.field else self.file
        return _UNPRINTABLE.sub(_escape, f"{where}: {self.message}")
