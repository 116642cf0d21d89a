"""Errors that the CLI reports as one line and exit code 2: bad input, never a bug."""

from __future__ import annotations


class InputError(Exception):
    """Bad input: a malformed plan, catalog, config or waiver. Names the file and, when known, the field."""

    def __init__(self, file: str, message: str, field: str | None = None) -> None:
        self.file = file
        self.field = field
        self.message = message
        super().__init__(self.line())

    def line(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"
