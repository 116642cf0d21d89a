"""Hostile inputs for the property tests: JSON shapes, Pulumi wire markers in odd places, mutated fixtures.

Shared by the `test_hostile_*` modules. Every strategy draws values that JSON can carry (no NaN, no
infinity, integers within what a JSON decoder accepts), because that is what a crafted plan file can hold.
`outcome` runs a document the whole way, as `souverain check` does, and says how it ended.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from souverain.policies import ALL_POLICIES

from souverain.catalog import Catalog, load_catalog
from souverain.engine import Evaluation, PolicyConfig, WaiverMatcher, evaluate, settings_from_config
from souverain.errors import InputError
from souverain.readers import parse_plan
from souverain.readers._common import (
    PULUMI_ASSET_SIG,
    PULUMI_OUTPUT_SIG,
    PULUMI_REF_SIG,
    PULUMI_SECRET_SIG,
    PULUMI_SIG_KEY,
    PULUMI_UNKNOWN,
)
from souverain.reports import FORMATS as REPORT_FORMATS
from souverain.reports import render

FIXTURES = Path(__file__).parent / "fixtures"
PLANS = {
    "pulumi-preview": FIXTURES / "plans" / "pulumi-preview-small.json",
    "pulumi-state": FIXTURES / "plans" / "pulumi-export-v3.json",
    "terraform-plan": FIXTURES / "plans" / "tofu-plan-modules.json",
}
SMALL_CATALOG = FIXTURES / "catalogs" / "small.yaml"
DOCUMENTS: dict[str, Any] = {fmt: json.loads(path.read_text(encoding="utf-8")) for fmt, path in PLANS.items()}


def bounded(examples: int) -> settings:
    """Reproducible and bounded: the same examples on every run (CI included), no deadline on a loaded
    machine, no example database written into the checkout."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# -- values ----------------------------------------------------------------------------------------------

ODD_STRINGS = (
    PULUMI_UNKNOWN,
    "[secret]",
    "",
    " ",
    "urn:pulumi:prod::hdh::openstack:compute/instance:Instance::vm",
    "urn:pulumi:prod::hdh::pulumi:providers:openstack::default::" + PULUMI_UNKNOWN,
    f"urn:pulumi:{PULUMI_UNKNOWN}::{PULUMI_UNKNOWN}::{PULUMI_UNKNOWN}::{PULUMI_UNKNOWN}",
    "urn:pulumi:::::::",
    "::",
    "pulumi:providers:",
    "pulumi:pulumi:Stack",
    "openstack:compute/instance:Instance",
    "0.0.0.0/0",
    "::/0",
    "SNC-PAR-1",
    "US-EAST-1",
    "https://auth.example.test:5000/v3",
    "http://[::1",
    "var.x[99999999999999999999999999]",
    'var.x["\\x"]',
    "module.a[0].module.b",
    "\ud800",
    "a\nb\r\nc\x00d\u2028e",
    "é" * 3,
    "9" * 30,
    "-----BEGIN PRIVATE KEY-----",
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 10**300, -(10**4000)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 5e-324, -0.0]),
    st.text(max_size=12),
    st.sampled_from(ODD_STRINGS),
)

keys = st.one_of(
    st.text(max_size=10),
    st.sampled_from(
        [
            PULUMI_UNKNOWN,
            PULUMI_SIG_KEY,
            "value",
            "plaintext",
            "ciphertext",
            "secret",
            "region",
            "urn",
            "type",
            "inputs",
            "outputs",
            "provider",
            "op",
            "adminPass",
            "admin_pass",
            "password",
            "remoteIpPrefix",
            "authUrl",
            "volumeType",
            "userData",
            "tags",
            "metadata",
            "after_unknown",
            "constant_value",
            "references",
            "",
        ]
    ),
)


def secret_envelope(value: Any) -> dict[str, Any]:
    return {PULUMI_SIG_KEY: PULUMI_SECRET_SIG, "value": value}


def _wire_markers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Pulumi's signed wire objects around any value, well-formed or not."""
    return st.one_of(
        inner.map(secret_envelope),
        inner.map(lambda v: {PULUMI_SIG_KEY: PULUMI_SECRET_SIG, "plaintext": json.dumps(v)}),
        st.text(max_size=12).map(lambda t: {PULUMI_SIG_KEY: PULUMI_SECRET_SIG, "plaintext": t}),
        st.just({PULUMI_SIG_KEY: PULUMI_SECRET_SIG, "ciphertext": "v1:AAAA"}),
        st.just({PULUMI_SIG_KEY: PULUMI_SECRET_SIG}),
        inner.map(lambda v: {PULUMI_SIG_KEY: PULUMI_OUTPUT_SIG, "value": v, "secret": True}),
        st.just({PULUMI_SIG_KEY: PULUMI_OUTPUT_SIG, "dependencies": []}),
        inner.map(lambda v: {PULUMI_SIG_KEY: PULUMI_REF_SIG, "urn": v, "id": v}),
        inner.map(lambda v: {PULUMI_SIG_KEY: PULUMI_ASSET_SIG, "path": v}),
        inner.map(lambda v: {PULUMI_SIG_KEY: v}),
    )


json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(keys, inner, max_size=4),
        _wire_markers(inner),
    ),
    max_leaves=12,
)
"""Any JSON value, Pulumi's markers included, with odd strings and odd keys."""


# -- documents -------------------------------------------------------------------------------------------

Path_ = tuple[Any, ...]


def paths(value: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every node's path in a document (the root excluded)."""
    found: list[Path_] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(paths(item, (*prefix, index)))
    return found


PATHS: dict[str, list[Path_]] = {fmt: paths(document) for fmt, document in DOCUMENTS.items()}


def _rebuild(document: Any, path: Path_, change: Callable[[Any, Any], Any]) -> Any:
    """A copy with `change(container, key)` applied at `path`; only the containers on the path are copied."""
    head, rest = path[0], path[1:]
    copy: Any = dict(document) if isinstance(document, dict) else list(document)
    if rest:
        copy[head] = _rebuild(document[head], rest, change)
    else:
        change(copy, head)
    return copy


def replaced(document: Any, path: Path_, value: Any) -> Any:
    return _rebuild(document, path, lambda container, key: container.__setitem__(key, value))


def deleted(document: Any, path: Path_) -> Any:
    return _rebuild(document, path, lambda container, key: container.pop(key))


def renamed(document: Any, path: Path_, new_key: str) -> Any:
    """The key at the end of `path` (an object member) renamed: a key in an odd place."""

    def rename(container: Any, key: Any) -> None:
        if isinstance(container, dict):
            container[new_key] = container.pop(key)

    return _rebuild(document, path, rename)


WRONG_TYPES = st.sampled_from([None, True, 0, -1, 1.5, "", "x", [], {}, [None], {"": None}])


@st.composite
def mutated_documents(draw: st.DrawFn, fmt: str) -> Any:
    """A real fixture with one to four mutations: a node replaced by any JSON, by a wrong type, or by a
    wire marker wrapping what was there; a key deleted or renamed (to the unknown sentinel, say)."""
    document = DOCUMENTS[fmt]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        candidates = paths(document) if document is not DOCUMENTS[fmt] else PATHS[fmt]
        if not candidates:
            break
        path = candidates[draw(st.integers(min_value=0, max_value=len(candidates) - 1))]
        action = draw(st.sampled_from(["any", "wrong-type", "wrap", "delete", "rename", "any"]))
        if action == "delete":
            document = deleted(document, path)
        elif action == "rename":
            document = renamed(document, path, draw(keys))
        elif action == "wrap":
            current = _get(document, path)
            wrapper = draw(st.sampled_from(["secret", "output", "unknown-output", "sentinel"]))
            value: Any = {
                "secret": secret_envelope(current),
                "output": {PULUMI_SIG_KEY: PULUMI_OUTPUT_SIG, "value": current, "secret": True},
                "unknown-output": {PULUMI_SIG_KEY: PULUMI_OUTPUT_SIG},
                "sentinel": PULUMI_UNKNOWN,
            }[wrapper]
            document = replaced(document, path, value)
        else:
            strategy: st.SearchStrategy[Any] = WRONG_TYPES if action == "wrong-type" else json_values
            document = replaced(document, path, draw(strategy))
    return document


def _get(document: Any, path: Path_) -> Any:
    for part in path:
        document = document[part]
    return document


# -- running a document the whole way -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    error: InputError | None = None
    evaluation: Evaluation | None = None


_CATALOG: list[Catalog] = []


def small_catalog() -> Catalog:
    if not _CATALOG:
        _CATALOG.append(load_catalog([SMALL_CATALOG], replace=True))
    return _CATALOG[0]


def outcome(
    document: Any,
    fmt: str | None,
    path: str = "hostile.json",
    *,
    catalog: Catalog | None = None,
    config: PolicyConfig | None = None,
    waivers: WaiverMatcher | None = None,
) -> Outcome:
    """Read, evaluate and render in every report format, as `souverain check` does; an `InputError` is
    the only exception allowed, and it must name the file on one line."""
    try:
        plan = parse_plan(document, path, fmt)
    except InputError as exc:
        assert_one_line_error(exc, path)
        return Outcome(error=exc)
    config = config or PolicyConfig()
    evaluation = evaluate(
        plan.resources,
        catalog or small_catalog(),
        ALL_POLICIES,
        config,
        settings_from_config(config, plan),
        plan=plan,
        stack_name=plan.stack or path,
        waivers=waivers,
    )
    for report_format in REPORT_FORMATS:
        report = render(evaluation, report_format)
        assert isinstance(report, str)
        report.encode("utf-8")  # printable: no lone surrogate reaches stdout
    return Outcome(evaluation=evaluation)


def assert_one_line_error(error: InputError, path: str) -> None:
    assert error.file == path
    line = error.line()
    assert line.startswith(path)
    assert len(line.splitlines()) == 1, line
    line.encode("utf-8")


def assert_cli_outcome(result: Any, path: str) -> None:
    """A CliRunner result: exit 0/1 with a report, or exit 2 with exactly one `souverain: error:` line
    that names the file; never a traceback or another exception."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1, 2), result.exit_code
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("souverain: error: ")
        assert path in lines[0]
    else:
        assert result.stderr == ""
        assert result.stdout
