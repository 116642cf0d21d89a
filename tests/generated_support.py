"""The benchmark's estate generator (`bench/generate.py`) at small sizes: realistic inputs in the three
formats for tests that hold a fast path to the plain one."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

GENERATOR = Path(__file__).resolve().parent.parent / "bench" / "generate.py"


@cache
def _generator() -> ModuleType:
    """`bench/generate.py` loaded by path (bench is no package), once per test session."""
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def generated_inputs(tmp_path_factory: pytest.TempPathFactory, count: int, seed: int) -> list[Path]:
    """The generator's files (Pulumi preview, stack export, OpenTofu plan) for an estate of `count`
    resources from `seed`, sorted by name, without its manifest."""
    out = tmp_path_factory.mktemp("generated")
    _generator().generate(count, out, seed)
    return sorted(p for p in out.glob("*.json") if not p.name.startswith("manifest"))
