"""Validation of the YAML documents people write (the catalog, waivers) into frozen msgspec structs.

msgspec rather than pydantic: every `souverain check` loads the catalog, and building pydantic models at
import took about 0.2 s of a check (docs/benchmarks.md); msgspec structs cost almost nothing to define.
A refusal becomes one `InputError` naming the file and the field path (`offers[2].regions[0].name`), in
words a person editing YAML understands, whichever struct refused it.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

from .errors import InputError

T = TypeVar("T")


class Strict(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A validated, immutable part of a document: unknown keys are refused, not ignored.

    Subclasses declare `kw_only=True` (msgspec applies it per class): fields then keep the order of the
    documented format, required or not.
    """


class FieldError(ValueError):
    """A rule that spans fields, broken in a struct's `__post_init__`: `path` is relative to that struct
    (`expires`, `[1]`, `regions[0].name`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def force(struct: msgspec.Struct, name: str, value: Any) -> None:
    """Set a field of a frozen struct from its own `__post_init__` (normalizing what was written)."""
    msgspec.structs.force_setattr(struct, name, value)


def validate(data: Any, shape: type[T], path: str, what: str) -> T:
    """`data` (parsed YAML) as `shape`; `what` names the document in messages (`catalog`)."""
    try:
        return msgspec.convert(data, shape)
    except msgspec.ValidationError as exc:
        field, message = explain(exc, shape)
        raise InputError(path, message, field=field or None) from None
    except (RecursionError, ValueError, TypeError) as exc:
        raise InputError(path, f"{what} is not valid: {exc}") from None


_LOCATION = re.compile(r" - at (?P<key>`key` in )?`\$(?P<location>[^`]*)`\Z")
_EXPECTED = re.compile(r"\AExpected `(?P<expected>[^`]+)`(?P<detail>.*?)(?:, got `(?P<got>[^`]+)`)?\Z", re.S)
_LENGTH = re.compile(r"of length (?P<op>[<>]=) (?P<size>\d+)")
_PATTERN = re.compile(r"matching regex (?P<pattern>'.*')", re.S)
_ENUM = re.compile(r"\AInvalid enum value (?P<value>.*)\Z", re.S)
_UNKNOWN_FIELD = re.compile(r"\AObject contains unknown field `(?P<name>.*)`\Z", re.S)
_MISSING_FIELD = re.compile(r"\AObject missing required field `(?P<name>.*)`\Z", re.S)
_GOT_WORDS = {
    "int": "a number",
    "float": "a number",
    "str": "text",
    "bool": "true or false",
    "null": "nothing (null)",
    "array": "a list",
    "object": "a mapping",
    "date": "a date",
    "datetime": "a date and time",
}


def join_path(location: str, relative: str) -> str:
    """`offers[0]` + `regions[1].name` -> `offers[0].regions[1].name`; `+ [2]` -> `offers[0][2]`."""
    if not relative:
        return location
    if not location or relative.startswith("["):
        return location + relative
    return f"{location}.{relative}"


def explain(exc: msgspec.ValidationError, shape: type[Any]) -> tuple[str, str]:
    """The field path and a plain message for msgspec's refusal of a document validated as `shape`."""
    text = str(exc)
    found = _LOCATION.search(text)
    location = found["location"].removeprefix(".") if found else ""
    message = text[: found.start()] if found else text
    if found and found["key"]:
        return location, "every key must be text: quote a key written as a number, a date or true/false"
    cause = exc.__cause__
    if isinstance(cause, FieldError):
        return join_path(location, cause.path), cause.message
    if isinstance(cause, ValueError | TypeError) and str(cause) == message:
        return location, message
    unknown = _UNKNOWN_FIELD.match(message)
    if unknown:
        allowed = _field_names(_type_at(shape, location))
        listed = f" (allowed here: {', '.join(allowed)})" if allowed else ""
        return join_path(location, unknown["name"]), "unknown key" + listed
    missing = _MISSING_FIELD.match(message)
    if missing:
        return join_path(location, missing["name"]), "required field is missing"
    enum = _ENUM.match(message)
    if enum:
        return location, _choices_message(_type_at(shape, location), enum["value"])
    expected = _EXPECTED.match(message)
    if expected:
        return location, _expected_message(
            expected["expected"], expected["detail"], expected["got"], _type_at(shape, location)
        )
    if message.startswith("Invalid RFC3339 encoded date"):
        return location, "expected a date written YYYY-MM-DD"
    return location, message


def _expected_message(expected: str, detail: str, got: str | None, field_type: Any) -> str:
    kinds = set(expected.split(" | ")) - {"null"}
    got_words = _GOT_WORDS.get(got or "", got or "")
    length = _LENGTH.search(detail)
    if length:
        size = int(length["size"])
        if length["op"] == ">=" and size == 1:
            return "must not be empty"
        bound = "at least" if length["op"] == ">=" else "at most"
        return f"must be {bound} {size} character{'s' if size != 1 else ''} long"
    pattern = _PATTERN.search(detail)
    if pattern:
        return f"does not match the pattern {pattern['pattern']}"
    if _literal_choices(field_type):
        return _choices_message(field_type, got_words)
    if kinds == {"bool"}:
        return "expected true or false"
    if kinds == {"str"} and got in ("int", "float"):
        return 'expected text, got a number: quote it in YAML ("3.2")'
    if kinds == {"str"} and got == "date":
        return 'expected text, got a date: quote it in YAML, as in "2025-04-17"'
    if kinds == {"date"}:
        return f"expected a date written YYYY-MM-DD, got {got_words}"
    wanted = " or ".join(_GOT_WORDS.get(kind, kind) for kind in sorted(kinds))
    return f"expected {wanted}, got {got_words}"


def _choices_message(field_type: Any, value: str) -> str:
    choices = _literal_choices(field_type)
    if not choices:
        return f"{value} is not an allowed value"
    return f"expected {' or '.join(repr(choice) for choice in choices)}, got {value}"


def _literal_choices(field_type: Any) -> tuple[Any, ...]:
    field_type = _unwrapped(field_type)
    if get_origin(field_type) is Literal:
        return get_args(field_type)
    return ()


def _unwrapped(field_type: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` -> X."""
    while True:
        origin = get_origin(field_type)
        if origin is Annotated:
            field_type = get_args(field_type)[0]
        elif origin is Union or origin is types.UnionType:
            options = [arg for arg in get_args(field_type) if arg is not type(None)]
            if len(options) != 1:
                return field_type
            field_type = options[0]
        else:
            return field_type


_PART = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def _type_at(shape: Any, location: str) -> Any:
    """The declared type of the value at `location` (`offers[0].regions`) inside `shape`, or None."""
    current: Any = shape
    for index, name in _PART.findall(location):
        current = _unwrapped(current)
        if index:
            origin = get_origin(current)
            if origin not in (tuple, list):
                return None
            current = get_args(current)[0]
        else:
            hints = _field_types(current)
            if name not in hints:
                return None
            current = hints[name]
    return current


def _field_types(shape: Any) -> Mapping[str, Any]:
    shape = _unwrapped(shape)
    if not (isinstance(shape, type) and issubclass(shape, msgspec.Struct)):
        return {}
    return {field.name: field.type for field in msgspec.structs.fields(shape)}


def _field_names(shape: Any) -> list[str]:
    return list(_field_types(shape))
