"""The text inside a value as its consumer reads it: base64, gzip and MIME multipart layers, decoded.

Terraform's `cloudinit_config` and pulumi-cloudinit write `user_data` as gzip+base64 by default, often as
a MIME multipart document whose parts carry their own `Content-Transfer-Encoding: base64`; cloud-init's
`write_files` takes `encoding: b64` / `gz+b64` contents; scripts pipe `echo ... | base64 -d`. A secret or a
host hidden in any of these layers is still sent to the guest and kept in the state, so the secret scan
(`no_plaintext_secret`) and the host scans (`no_us_controlled`, `known_external_host`) read the same
decoded texts, from this one decoder.

Bounded: the decoded text of one value may not exceed `MAX_DECODED_CHARS` in all, nor be nested deeper
than `MAX_DEPTH` layers, nor hold more than `MAX_PARTS` MIME parts. What exceeds a bound (a decompression
bomb, a pathological nesting) or what announces an encoding it does not hold (a gzip stream that does not
inflate) is reported as a `problem`: the policies turn it into a finding (fail closed), since what the gate
cannot read it cannot show to be safe.

Cheap: only a value that looks encoded is decoded (`looks_encoded`: a C-speed regex or substring test),
and each distinct value is decoded once per process (a memo bounded in entries and characters).
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from email.message import Message

MAX_DECODED_CHARS = 4 << 20
"""All layers decoded from one value together: cloud-init user data is at most 16 KiB (EC2) to 64 KiB
(Nova) once encoded, so 4 Mi characters is far beyond any real document and well below a bomb's size."""
MAX_DEPTH = 6
"""Layers within layers (base64 -> gzip -> MIME part -> base64 -> gzip -> text is 5)."""
MAX_PARTS = 256
"""MIME parts in one value, counted over every multipart layer."""

_MIN_BASE64 = 20
"""Shorter whole values are not worth decoding: no document and no key fits in 15 bytes."""
_WHOLE_BASE64 = re.compile(r"[A-Za-z0-9+/\r\n]+={0,2}[\r\n]*")
"""A whole value in the base64 alphabet, line breaks allowed (`base64` wraps at 76, `openssl` at 64)."""
_EMBEDDED_BASE64 = re.compile(
    r"(?<![A-Za-z0-9+/=])(?:[A-Za-z0-9+/]{4}){10,}"
    r"(?:[ \t]*\r?\n[ \t]*(?:[A-Za-z0-9+/]{4})+)*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
)
"""A run of at least 40 base64 characters inside a text that says it holds base64 (`encoding: b64`),
continued over indented lines (a YAML block of wrapped base64)."""
_GZIP_MAGIC = b"\x1f\x8b"
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Decoded:
    """What a value holds once decoded: each layer's text, outermost first, and what could not be read."""

    texts: tuple[str, ...]
    """The decoded texts (never the value itself); empty when nothing was encoded."""
    problem: str | None = None
    """Why some layer could not be read to its end (a bound exceeded, a gzip stream that does not
    inflate): the value cannot be shown to hold nothing, so callers report it."""


NOTHING = Decoded(())


def looks_encoded(text: str) -> bool:
    """Whether `text` may hold an encoded layer: a whole base64 value, a MIME multipart document, or a
    text that names base64 next to a long base64 run. A few C-speed tests; most values fail the first."""
    if (
        len(text) >= _MIN_BASE64
        and not text.islower()  # hex digests and ids: base64 of real data mixes cases
        and not text.isupper()
        and _WHOLE_BASE64.fullmatch(text) is not None
    ):
        return True
    if "ultipart/" in text and "oundary" in text:
        return True
    return ("b64" in text or "base64" in text) and _EMBEDDED_BASE64.search(text) is not None


class _Budget:
    """What is left to decode from one value; the first bound exceeded is the problem reported."""

    __slots__ = ("chars", "parts", "problem")

    def __init__(self) -> None:
        self.chars = MAX_DECODED_CHARS
        self.parts = MAX_PARTS
        self.problem: str | None = None

    def failed(self) -> bool:
        return self.problem is not None

    def fail(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem


def _inflate(data: bytes, budget: _Budget, strict: bool) -> bytes | None:
    """A gzip stream inflated, at most `budget.chars` bytes of it; None (and a problem) past that. A
    stream that does not inflate is a problem when `strict` (the whole value or a MIME part announced it);
    a base64 run picked out of a text may just have been cut short, and is dropped."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, budget.chars + 1)
    except zlib.error:
        if strict:
            budget.fail("a gzip stream that does not inflate")
        return None
    if len(out) > budget.chars or inflater.unconsumed_tail:
        budget.fail(f"more than {MAX_DECODED_CHARS} characters once decompressed")
        return None
    return out


def _from_bytes(data: bytes, depth: int, budget: _Budget, out: list[str], strict: bool = True) -> None:
    """A decoded layer: inflate it if it is gzip, else read it as UTF-8 text (binary data is dropped)."""
    if depth > MAX_DEPTH:
        budget.fail(f"more than {MAX_DEPTH} nested encodings")
        return
    if data[:2] == _GZIP_MAGIC:
        inflated = _inflate(data, budget, strict)
        if inflated is not None:
            _from_bytes(inflated, depth + 1, budget, out)
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # binary (an image, a tarball): no text to read, and no claim that there was any
    if len(text) > budget.chars:
        budget.fail(f"more than {MAX_DECODED_CHARS} characters once decoded")
        return
    budget.chars -= len(text)
    out.append(text)
    _from_text(text, depth, budget, out)


def _base64(text: str) -> bytes | None:
    compact = _WHITESPACE.sub("", text)
    if len(compact) % 4:
        return None
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def _mime_parts(text: str, depth: int, budget: _Budget, out: list[str]) -> bool:
    """The parts of a MIME multipart document, each decoded by its transfer encoding; whether it was one."""
    from email import message_from_string  # here: the email package takes 10 ms to import, rarely needed

    message: Message = message_from_string(text.lstrip())
    if not message.is_multipart():
        return False
    for part in message.walk():
        if part.is_multipart():
            continue
        budget.parts -= 1
        if budget.parts < 0:
            budget.fail(f"more than {MAX_PARTS} MIME parts")
            return True
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            _from_bytes(payload, depth + 1, budget, out)
    return True


def _from_text(text: str, depth: int, budget: _Budget, out: list[str]) -> None:
    """The layers inside a text: the whole of it as base64, its MIME parts, or base64 runs it embeds."""
    if budget.failed():
        return
    if depth >= MAX_DEPTH and looks_encoded(text):
        budget.fail(f"more than {MAX_DEPTH} nested encodings")
        return
    if (
        len(text) >= _MIN_BASE64
        and not text.islower()
        and not text.isupper()
        and _WHOLE_BASE64.fullmatch(text) is not None
    ):
        data = _base64(text)
        if data is not None:
            _from_bytes(data, depth + 1, budget, out)
            return
    if "ultipart/" in text and "oundary" in text and _mime_parts(text, depth, budget, out):
        return
    if "b64" in text or "base64" in text:
        for match in _EMBEDDED_BASE64.finditer(text):
            data = _base64(match.group())
            if data is not None:
                _from_bytes(data, depth + 1, budget, out, strict=False)
            if budget.failed():
                return


_MEMO: dict[str, Decoded] = {}
_MEMO_ENTRIES = 4096
_MEMO_CHARS = 32 << 20
_memo_chars = 0


def decode(text: str) -> Decoded:
    """The decoded layers of `text` (`NOTHING` when it does not look encoded), memoized per process."""
    global _memo_chars
    if not looks_encoded(text):
        return NOTHING
    found = _MEMO.get(text)
    if found is not None:
        return found
    budget = _Budget()
    texts: list[str] = []
    _from_text(text, 0, budget, texts)
    found = Decoded(tuple(texts), budget.problem) if texts or budget.problem else NOTHING
    size = len(text) + sum(map(len, texts))
    if len(_MEMO) >= _MEMO_ENTRIES or _memo_chars + size > _MEMO_CHARS:
        _MEMO.clear()
        _memo_chars = 0
    _MEMO[text] = found
    _memo_chars += size
    return found


def readable_texts(text: str) -> tuple[str, ...]:
    """`text` itself, then every text decoded from it."""
    decoded = decode(text)
    return (text, *decoded.texts) if decoded.texts else (text,)
