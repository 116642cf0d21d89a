"""Format detection, `--input-format` forcing, and bad files: always one InputError, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from souverain.errors import InputError
from souverain.readers import FORMATS, detect_format, parse_plan, read_plan

PLANS = Path(__file__).parent / "fixtures" / "plans"
FIXTURES = {
    "pulumi-preview": PLANS / "pulumi-preview-small.json",
    "pulumi-state": PLANS / "pulumi-export-v3.json",
    "terraform-plan": PLANS / "tofu-plan-modules.json",
}


@pytest.mark.parametrize(("fmt", "path"), FIXTURES.items())
def test_each_fixture_is_detected(fmt: str, path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert detect_format(data, str(path)) == fmt
    plan = read_plan(path)
    assert plan.source == fmt
    assert plan.resources


@pytest.mark.parametrize(
    ("document", "fmt"),
    [
        ({"changeSummary": {"same": 3}}, "pulumi-preview"),
        ({"version": 3, "checkpoint": {"stack": "dev", "latest": {}}}, "pulumi-state"),
        (
            {"format_version": "1.0", "terraform_version": "1.9.8", "values": {"root_module": {}}},
            "terraform-plan",
        ),
        ({"format_version": "1.2", "terraform_version": "1.9.8", "planned_values": {}}, "terraform-plan"),
    ],
)
def test_minimal_documents_are_detected(document: dict[str, Any], fmt: str) -> None:
    assert detect_format(document, "x.json") == fmt
    assert parse_plan(document, "x.json").resources == []


@pytest.mark.parametrize("document", [{}, {"resources": []}, [], "plan", 42, None])
def test_unrecognised_documents_are_refused_with_a_hint(document: Any) -> None:
    with pytest.raises(InputError) as info:
        parse_plan(document, "mystery.json")
    assert info.value.file == "mystery.json"
    assert "--input-format" in info.value.message


def test_forcing_a_format_skips_detection_and_checks_its_markers() -> None:
    preview = json.loads(FIXTURES["pulumi-preview"].read_text(encoding="utf-8"))
    assert parse_plan(preview, "p.json", "pulumi-preview").source == "pulumi-preview"
    for other in ("pulumi-state", "terraform-plan"):
        with pytest.raises(InputError, match="is not `"):
            parse_plan(preview, "p.json", other)
    with pytest.raises(InputError, match="unknown input format 'cdk'"):
        parse_plan(preview, "p.json", "cdk")
    with pytest.raises(InputError, match="must be a JSON object"):
        parse_plan([preview], "p.json", "pulumi-preview")


def test_forced_format_on_read_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(FIXTURES["pulumi-state"].read_text(encoding="utf-8"), encoding="utf-8")
    assert read_plan(path, "pulumi-state").source == "pulumi-state"
    assert FORMATS == ("pulumi-preview", "pulumi-state", "terraform-plan")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"steps": [', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),  # a UTF-16 BOM: read as UTF-16, whose one character is no JSON
        (b"\xff\xfe{\x00}", "not valid UTF-16 LE text"),
        (b'{"steps": [], "duration": NaN}', "NaN is not valid JSON"),
        (b"", "not valid JSON"),
    ],
)
def test_undecodable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_plan(path)
    assert info.value.file == str(path)
    assert message in info.value.message


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_plan(tmp_path)
    with pytest.raises(InputError, match="cannot read"):
        read_plan(tmp_path / "missing.json")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """PowerShell's `Out-File` writes a BOM in front of `pulumi preview --json`."""
    path = tmp_path / "plan.json"
    path.write_bytes(b"\xef\xbb\xbf" + FIXTURES["pulumi-preview"].read_bytes())
    assert read_plan(path).source == "pulumi-preview"


def test_cli_reports_a_malformed_plan_as_one_line_and_exit_2(tmp_path: Path) -> None:
    from souverain.cli.main import main

    data = json.loads(FIXTURES["pulumi-preview"].read_text(encoding="utf-8"))
    del data["steps"][3]["urn"]
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"souverain: error: {path}: steps[3].urn: is missing"]
    assert "Traceback" not in result.output


def test_cli_input_format_forces_the_reader(tmp_path: Path) -> None:
    from souverain.cli.main import main

    result = CliRunner().invoke(
        main, ["check", str(FIXTURES["pulumi-preview"]), "--input-format", "terraform-plan"]
    )
    assert result.exit_code == 2
    assert "no format_version" in result.stderr


# -- any JSON shape gives a model or an InputError, never another exception ---------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            paths.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths.extend(_paths(item, (*prefix, index)))
    return paths


DOCUMENTS = {fmt: json.loads(path.read_text(encoding="utf-8")) for fmt, path in FIXTURES.items()}
PATHS = {fmt: _paths(document)[1:] for fmt, document in DOCUMENTS.items()}


def _replaced(document: Any, path: tuple[Any, ...], replacement: Any) -> Any:
    """A copy of the document with one node replaced; only the containers on the path are copied."""
    if not path:
        return replacement
    head, rest = path[0], path[1:]
    copy: Any = dict(document) if isinstance(document, dict) else list(document)
    copy[head] = _replaced(document[head], rest, replacement)
    return copy


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(sorted(FIXTURES)), choice=st.integers(min_value=0), replacement=json_values)
def test_any_field_replaced_by_any_json_gives_a_plan_or_an_input_error(
    fmt: str, choice: int, replacement: Any
) -> None:
    path = PATHS[fmt][choice % len(PATHS[fmt])]
    document = _replaced(DOCUMENTS[fmt], path, replacement)
    error: InputError | None = None
    try:
        plan = parse_plan(document, "fuzz.json", fmt)
    except InputError as exc:
        error = exc
    if error is not None:
        assert error.file == "fuzz.json"
    else:
        assert all(isinstance(r.address, str) and r.address for r in plan.resources)
