"""Safe JSON decoding for untrusted plan files: size cap, strict UTF-8, no NaN, bounded nesting."""

from __future__ import annotations

import gc
import json
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def decode_json(raw: bytes, path: str) -> Any:
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(path, f"input is {len(raw)} bytes, over the {MAX_INPUT_BYTES}-byte limit")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None
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


def load_json_file(path: Path, display: str) -> Any:
    return decode_json(read_bounded(path, display), display)
