"""Safe JSON decoding for untrusted plan files: size cap, strict UTF-8 (UTF-16 and UTF-32 transcoded
first: what Windows PowerShell writes), no NaN, bounded nesting.

Plans are decoded with msgspec, about twice as fast as the standard library, and lazily: the top-level
object is split into its members without building them, and a member is built when a reader first asks
for it (a Terraform plan's `planned_values`, a third of the file, is never built). Whatever msgspec
refuses is decoded again by the standard library with the checks below, so every error message, and every
document the standard library accepts (a lone surrogate escape), is what it always was.
"""

from __future__ import annotations

import gc
import json
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from ..errors import InputError

MAX_INPUT_BYTES = int(os.environ.get("SOUVERAIN_MAX_INPUT_BYTES", str(512 * 1024 * 1024)))
"""Inputs larger than this are refused rather than exhausting memory. Decoded JSON takes about five times
its size in memory; 100k resources make a 170-400 MB plan or export and a 300-700 MB preview (with
old and new states), so the largest need `SOUVERAIN_MAX_INPUT_BYTES` raised."""
MAX_DEPTH = 200
"""Nesting limit for the normalizers' walks; the C decoder itself raises RecursionError far deeper."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large document is decoded and normalized.

    Decoding and normalizing allocate millions of containers and no reference cycles; the collector's
    repeated passes over them cost more than the decoding itself (twice the time on a 10k-resource plan).
    What was allocated is then frozen (`gc.freeze`), so that later collections do not walk it all again;
    it is still freed by reference counting as soon as it is dropped.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    """A JSON number as a float; one too large for a float (`1e400`) would become infinity: refused."""
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise ValueError(f"number {shown} is too large")
    return value


def _checked_text(raw: bytes, path: str) -> str:
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(path, f"input is {len(raw)} bytes, over the {MAX_INPUT_BYTES}-byte limit")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None


_WIDE_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
"""Byte-order marks of the wider Unicode encodings, longest first (UTF-32 LE starts like UTF-16 LE)."""


def _wide_encoding(raw: bytes) -> tuple[str, int] | None:
    """The UTF-16/UTF-32 encoding a document is written in, and the length of its byte-order mark; None
    for UTF-8 (and anything else). Windows PowerShell 5's `>` and `Out-File` write UTF-16 LE with a BOM.
    Without a BOM, JSON text starts with an ASCII character, so the zero bytes around it tell the encoding
    (RFC 4627, section 3): `{ 00` is UTF-16 LE, `00 {` UTF-16 BE, `{ 00 00 00` UTF-32 LE."""
    for bom, encoding in _WIDE_BOMS:
        if raw.startswith(bom):
            return encoding, len(bom)
    head = raw[:4]
    if len(head) < 4 or (head[0] and head[1]):
        return None
    if head[1:] == b"\x00\x00\x00" and head[0]:
        return "utf-32-le", 0
    if head[:3] == b"\x00\x00\x00" and head[3]:
        return "utf-32-be", 0
    if head[0] and not head[1] and head[2] and not head[3]:
        return "utf-16-le", 0
    if not head[0] and head[1] and not head[2] and head[3]:
        return "utf-16-be", 0
    return None


def as_utf8(raw: bytes, path: str) -> bytes:
    """The document's bytes in UTF-8: a UTF-16 or UTF-32 file (what Windows PowerShell writes) is
    transcoded, every other one is returned as it is. A wide file that does not decode is refused with
    a message naming its encoding and how to write UTF-8 instead."""
    found = _wide_encoding(raw)
    if found is None:
        return raw
    encoding, bom = found
    name = encoding.upper().replace("-LE", " LE").replace("-BE", " BE")
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(path, f"input is {len(raw)} bytes, over the {MAX_INPUT_BYTES}-byte limit")
    try:
        text = raw[bom:].decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            path,
            f"not valid {name} text (byte {exc.start + bom}); save the file as UTF-8 "
            f"(PowerShell: `... | Out-File -Encoding utf8 {Path(path).name}`)",
        ) from None
    return text.encode("utf-8")  # the decoders refuse lone surrogates: any text they give encodes


def decode_json(raw: bytes, path: str) -> Any:
    """A whole JSON document, decoded by the standard library with every check of this module."""
    return _decode_text(_checked_text(as_utf8(raw, path), path), path)


def _decode_text(text: str, path: str) -> Any:
    try:
        with gc_paused():
            return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise InputError(path, "JSON nested too deeply to check safely") from None
    except ValueError as exc:
        raise InputError(path, f"not valid JSON: {exc}") from None


def read_bounded(path: Path, display: str, what: str = "plan file") -> bytes:
    """A file's bytes (a plan, a catalog, waivers, a policy config), refused past MAX_INPUT_BYTES.

    The size on disk is checked first; the read itself is capped too, because a pipe or a device
    (`/dev/zero`, a FIFO) reports no size and would otherwise be read until memory runs out.
    """
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(display, f"input is {size} bytes, over the {MAX_INPUT_BYTES}-byte limit")
        with path.open("rb") as handle:
            raw = handle.read(MAX_INPUT_BYTES + 1)
    except IsADirectoryError:
        raise InputError(display, f"is a directory, not a {what}") from None
    except OSError as exc:
        raise InputError(display, f"cannot read {what}: {exc.strerror or exc}") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(display, f"input is over the {MAX_INPUT_BYTES}-byte limit")
    return raw


T = TypeVar("T")

_BOM = b"\xef\xbb\xbf"
_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ANY = msgspec.json.Decoder()
MSGSPEC_REFUSALS = (msgspec.MsgspecError, RecursionError, ValueError, OverflowError)
"""What msgspec raises on a document it will not build: the caller falls back to the standard library."""
RAW_NULL = msgspec.Raw(b"null")
"""The default of a typed shape's undecoded field: an absent member reads as null."""


class LazyDocument(Mapping[str, Any]):
    """A plan's top-level object, each member decoded when first read (see the module docstring)."""

    __slots__ = ("_decoded", "_full", "_members", "_path", "_raw")

    def __init__(self, raw: bytes, members: dict[str, msgspec.Raw], path: str) -> None:
        self._raw = raw
        self._members = members
        self._path = path
        self._decoded: dict[str, Any] = {}
        self._full: Mapping[str, Any] | None = None

    def __getitem__(self, key: str) -> Any:
        try:
            return self._decoded[key]
        except KeyError:
            pass
        member = self._members[key]
        if self._full is None:
            try:
                value = _ANY.decode(member)
            except MSGSPEC_REFUSALS:
                self._full = self._standard_library()
        if self._full is not None:
            value = self._full[key]
        self._decoded[key] = value
        return value

    def typed(self, key: str, shape: type[T]) -> T | None:
        """The member decoded straight into `shape` (msgspec types: a Struct with only the fields a
        reader needs), or None when it is absent, does not fit or is refused: the reader then reads the
        generic member with its own checks and error messages. Nothing is cached: the generic member
        can still be read."""
        member = self._members.get(key)
        if member is None or self._full is not None:
            return None
        try:
            return msgspec.json.decode(member, type=shape)
        except MSGSPEC_REFUSALS:
            return None

    def _standard_library(self) -> Mapping[str, Any]:
        full = _decode_text(self._raw.decode("utf-8-sig"), self._path)
        if not isinstance(full, Mapping):  # cannot be: msgspec read an object
            raise InputError(self._path, "not valid JSON: not an object")
        return full

    def __iter__(self) -> Iterator[str]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)

    def __contains__(self, key: object) -> bool:
        return key in self._members


class DeclinedError(Exception):
    """A value left undecoded on a typed path that msgspec refuses to build (`1e400`): the reader reads
    the member again generically, and the standard library reports the error."""


def built(value: Any) -> Any:
    """A value from a typed shape, decoded now if the shape left it as `msgspec.Raw`."""
    if type(value) is not msgspec.Raw:
        return value
    try:
        return _ANY.decode(value)
    except MSGSPEC_REFUSALS:
        raise DeclinedError from None


def starts_object_or_null(value: msgspec.Raw) -> bool:
    """Whether an undecoded value is a JSON object or null, from its first byte."""
    return memoryview(value)[:1].tobytes() in (b"{", b"n")


def member_as(document: Mapping[str, Any], key: str, shape: type[T]) -> T | None:
    """`LazyDocument.typed` for any document: None for a document decoded whole (read it generically)."""
    return document.typed(key, shape) if isinstance(document, LazyDocument) else None


def decode_document(raw: bytes, path: str) -> Any:
    """A plan document: a `LazyDocument` when it is a JSON object msgspec can split, else decoded whole
    by the standard library (which then gives the error, if there is one). UTF-16 and UTF-32 documents are
    transcoded to UTF-8 first (`as_utf8`)."""
    raw = as_utf8(raw, path)
    if len(raw) > MAX_INPUT_BYTES or not raw.isascii():  # ASCII is UTF-8: no need to decode it to know
        _checked_text(raw, path)  # UTF-8 everywhere, in members never built too
    body = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    try:
        members = _MEMBERS.decode(body)
    except MSGSPEC_REFUSALS:
        return _decode_text(_checked_text(raw, path), path)
    return LazyDocument(body, members, path)


def load_json_file(path: Path, display: str) -> Any:
    return decode_document(read_bounded(path, display), display)
