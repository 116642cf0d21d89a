"""Hostile plan files: whatever a pull request puts in a plan, the check ends in a report or in one error.

Every reader is driven through `parse_plan` (each format forced, and detected) and then the whole way to
the five report formats, since a value that a reader lets through can still trip a policy or a writer.
The CLI is driven on files through click's CliRunner. Strategies and the outcome contract live in
`hostile_support`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hostile_support import (
    DOCUMENTS,
    PLANS,
    SMALL_CATALOG,
    assert_cli_outcome,
    assert_one_line_error,
    bounded,
    json_values,
    mutated_documents,
    outcome,
    replaced,
    secret_envelope,
)
from hypothesis import given
from hypothesis import strategies as st

from souverain.errors import InputError
from souverain.readers import FORMATS, read_plan
from souverain.readers import _json as json_reader
from souverain.readers._common import PULUMI_ASSET_SIG, PULUMI_SIG_KEY, PULUMI_UNKNOWN

FORMAT_CHOICES = [None, *FORMATS]


# -- any JSON shape, through every reader and every report ---------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@bounded(150)
@given(data=st.data())
def test_a_mutated_real_plan_gives_a_report_or_one_error(fmt: str, data: st.DataObject) -> None:
    document = data.draw(mutated_documents(fmt), label="document")
    forced = data.draw(st.sampled_from([None, fmt]), label="input format")
    outcome(document, forced)


@bounded(150)
@given(document=json_values, fmt=st.sampled_from(FORMAT_CHOICES))
def test_any_json_document_gives_a_report_or_one_error(document: Any, fmt: str | None) -> None:
    outcome(document, fmt)


SKELETON_KEYS = {
    "pulumi-preview": ["steps", "config", "changeSummary"],
    "pulumi-state": ["version", "deployment", "checkpoint"],
    "terraform-plan": [
        "format_version",
        "resource_changes",
        "configuration",
        "variables",
        "prior_state",
        "values",
    ],
}


@pytest.mark.parametrize("fmt", FORMATS)
@bounded(60)
@given(data=st.data())
def test_any_json_under_each_formats_own_keys(fmt: str, data: st.DataObject) -> None:
    """Documents the detector takes for a format, whose every member is arbitrary."""
    members = data.draw(st.lists(st.sampled_from(SKELETON_KEYS[fmt]), min_size=1, unique=True))
    document = {key: data.draw(json_values, label=key) for key in members}
    if fmt == "pulumi-state":
        document.setdefault("version", 3)
    if fmt == "terraform-plan":
        document["format_version"] = data.draw(st.sampled_from(["1.2", "0.1", "2.0", "1"]))
    outcome(document, data.draw(st.sampled_from([None, fmt])))


# -- Pulumi's markers and sentinels where no tool writes them -----------------------------------------------

UNKNOWN_PROVIDER_REF = f"urn:pulumi:prod::hdh-platform::pulumi:providers:openstack::lyon::{PULUMI_UNKNOWN}"

ODD_VALUES = [
    PULUMI_UNKNOWN,
    "[secret]",
    secret_envelope(PULUMI_UNKNOWN),
    secret_envelope(secret_envelope(secret_envelope("SNC-PAR-1"))),
    secret_envelope("urn:pulumi:prod::hdh-platform::openstack:compute/instance:Instance::x"),
    secret_envelope({"region": "US-EAST-1", "adminPass": "hunter22"}),
    secret_envelope([PULUMI_UNKNOWN, None]),
    {PULUMI_SIG_KEY: PULUMI_UNKNOWN},
    {PULUMI_SIG_KEY: ["not", "a", "signature"]},
    {PULUMI_SIG_KEY: {"nested": "object"}},
    UNKNOWN_PROVIDER_REF,
    f"{PULUMI_UNKNOWN}::{PULUMI_UNKNOWN}",
]

ODD_PLACES: dict[str, list[tuple[Any, ...]]] = {
    "pulumi-preview": [
        ("steps", 1),
        ("steps", 1, "urn"),
        ("steps", 1, "op"),
        ("steps", 1, "provider"),
        ("steps", 1, "newState"),
        ("steps", 1, "newState", "type"),
        ("steps", 1, "newState", "inputs"),
        ("steps", 1, "newState", "inputs", "region"),
        ("steps", 1, "newState", "inputs", "password"),
        ("steps", 3, "newState", "inputs", "remoteIpPrefix"),
        ("steps", 3, "newState", "provider"),
        ("steps", 3, "newState", "parent"),
        ("steps", 3, "newState", "dependencies"),
        ("steps", 3, "newState", "protect"),
        ("config",),
        ("config", "openstack:region"),
    ],
    "pulumi-state": [
        ("deployment", "resources", 2),
        ("deployment", "resources", 2, "urn"),
        ("deployment", "resources", 2, "type"),
        ("deployment", "resources", 2, "provider"),
        ("deployment", "resources", 2, "inputs"),
        ("deployment", "resources", 2, "inputs", "region"),
        ("deployment", "resources", 2, "inputs", "password"),
        ("deployment", "resources", 2, "outputs"),
        ("deployment", "resources", 2, "protect"),
        ("deployment", "resources", 2, "delete"),
        ("deployment", "secrets_providers"),
        ("deployment", "secrets_providers", "type"),
        ("version",),
    ],
    "terraform-plan": [
        ("resource_changes", 1),
        ("resource_changes", 1, "address"),
        ("resource_changes", 1, "type"),
        ("resource_changes", 1, "provider_name"),
        ("resource_changes", 1, "index"),
        ("resource_changes", 1, "change", "actions"),
        ("resource_changes", 1, "change", "after"),
        ("resource_changes", 1, "change", "after_unknown"),
        ("resource_changes", 1, "change", "after_sensitive"),
        ("variables",),
        ("variables", "region"),
        ("variables", "region", "value"),
        ("configuration", "provider_config", "openstack"),
        ("configuration", "provider_config", "openstack", "expressions", "region"),
        ("configuration", "provider_config", "openstack", "expressions", "password", "constant_value"),
        ("configuration", "root_module", "variables", "os_password", "sensitive"),
    ],
}


def _exists(document: Any, path: tuple[Any, ...]) -> bool:
    for part in path[:-1]:
        if (isinstance(document, dict) and part in document) or (
            isinstance(document, list) and isinstance(part, int) and part < len(document)
        ):
            document = document[part]
        else:
            return False
    # The container must still take the last key: an earlier replacement may have put a list where an
    # object was (then `"address"` cannot be set in it) or a shorter list.
    last = path[-1]
    if isinstance(last, int):
        return isinstance(document, list) and last < len(document)
    return isinstance(document, dict)


@pytest.mark.parametrize("fmt", FORMATS)
@bounded(100)
@given(data=st.data())
def test_wire_markers_and_sentinels_in_odd_places(fmt: str, data: st.DataObject) -> None:
    places = [p for p in ODD_PLACES[fmt] if _exists(DOCUMENTS[fmt], p)]
    assert len(places) == len(ODD_PLACES[fmt]), "a fixture no longer has the fields this test targets"
    document = DOCUMENTS[fmt]
    for place in data.draw(st.lists(st.sampled_from(places), min_size=1, max_size=3, unique=True)):
        if _exists(document, place):
            document = replaced(document, place, data.draw(st.sampled_from(ODD_VALUES) | json_values))
    outcome(document, data.draw(st.sampled_from([None, fmt])))


def test_the_unknown_sentinel_as_a_key_urn_type_and_provider() -> None:
    """Each a deliberate choice: the sentinel as a key is an ordinary key, a sentinel type is a type the
    catalog does not know, a sentinel URN is no URN, an unknown provider reference fails closed."""
    preview = DOCUMENTS["pulumi-preview"]
    as_key = replaced(preview, ("steps", 1, "newState", "inputs", PULUMI_UNKNOWN), PULUMI_UNKNOWN)
    assert outcome(as_key, None).evaluation is not None

    as_urn = outcome(replaced(preview, ("steps", 1, "urn"), PULUMI_UNKNOWN), None).error
    assert as_urn is not None
    assert as_urn.field == "steps[1].urn"

    as_type = outcome(replaced(preview, ("steps", 4, "newState", "type"), PULUMI_UNKNOWN), None)
    assert as_type.evaluation is not None
    unknown_type = [f for f in as_type.evaluation.findings if f.type == PULUMI_UNKNOWN]
    assert {f.policy for f in unknown_type} >= {"no-us-controlled-service"}

    ref = f"urn:pulumi:prod::hdh-platform::pulumi:providers:openstack::{PULUMI_UNKNOWN}::{PULUMI_UNKNOWN}"
    as_provider = outcome(replaced(preview, ("steps", 5, "provider"), ref), None).evaluation
    assert as_provider is not None
    resource = next(r for r in as_provider.resources if r.address == preview["steps"][5]["urn"])
    assert resource.region is None  # an explicit provider the document does not show: no region
    assert any(
        f.policy == "qualified-region" and f.resource == resource.address for f in as_provider.findings
    )


def test_a_secret_envelope_as_a_whole_step_or_urn_is_an_error_naming_the_field() -> None:
    preview = DOCUMENTS["pulumi-preview"]
    step = outcome(replaced(preview, ("steps", 1), secret_envelope(preview["steps"][1])), None).error
    assert step is not None
    assert step.field == "steps[1].op"
    urn = outcome(replaced(preview, ("steps", 1, "urn"), secret_envelope(preview["steps"][1]["urn"])), None)
    assert urn.error is not None
    assert urn.error.field == "steps[1].urn"
    assert "must be a string, not an object" in urn.error.message


def test_a_secret_region_still_decides_the_verdict_and_never_shows() -> None:
    """A region wrapped in a secret is still the region: it is judged, and reports do not print it."""
    preview = DOCUMENTS["pulumi-preview"]
    step = next(i for i, s in enumerate(preview["steps"]) if "blockstorage/volume" in s["urn"])
    hidden = "NOT-IN-CATALOG-7"
    document = replaced(preview, ("steps", step, "newState", "inputs", "region"), secret_envelope(hidden))
    evaluation = outcome(document, None).evaluation
    assert evaluation is not None
    urn = preview["steps"][step]["urn"]
    assert any(f.policy == "qualified-region" and f.resource == urn for f in evaluation.mandatory)
    from souverain.reports import FORMATS as REPORT_FORMATS
    from souverain.reports import render

    for report_format in REPORT_FORMATS:
        assert hidden not in render(evaluation, report_format)


# -- files the decoder must refuse or survive ----------------------------------------------------------------


def _read(tmp_path: Path, content: bytes, fmt: str | None = None) -> Any:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    try:
        return read_plan(path, fmt)
    except InputError as exc:
        assert_one_line_error(exc, str(path))
        return exc


@bounded(150)
@given(content=st.binary(max_size=300), fmt=st.sampled_from(FORMAT_CHOICES))
def test_arbitrary_bytes_give_a_plan_or_one_error(content: bytes, fmt: str | None) -> None:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"souverain-hostile-{os.getpid()}.json"
    try:
        path.write_bytes(content)
        try:
            read_plan(path, fmt)
        except InputError as exc:
            assert_one_line_error(exc, str(path))
    finally:
        path.unlink(missing_ok=True)


_STEP_WITH_INPUTS = (
    b'{"steps": [{"op": "create", "urn": "urn:pulumi:dev::p::openstack:compute/instance:Instance::vm",'
    b' "newState": {"type": "openstack:compute/instance:Instance", "inputs": {"metadata": @@}}}]}'
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # Numbers out of range are refused where a reader reads them (`config`, `steps`); a member no reader
        # reads (`duration`) is checked for JSON syntax and UTF-8 but never built (readers/_json.py).
        # 10,000 levels inside a resource's inputs: the decoder refuses them on Python 3.11 (its recursion
        # limit), later versions decode them and the reader refuses them: one error either way.
        (_STEP_WITH_INPUTS.replace(b"@@", b"[" * 10_000 + b"]" * 10_000), "nested too deeply"),
        (_STEP_WITH_INPUTS.replace(b"@@", b'{"a": ' * 10_000 + b"1" + b"}" * 10_000), "nested too deeply"),
        (_STEP_WITH_INPUTS.replace(b"@@", b"[" * 500 + b"]" * 500), "nested too deeply"),
        (b'{"steps": [], "duration": NaN}', "NaN is not valid JSON"),
        (b'{"steps": [], "duration": Infinity}', "Infinity is not valid JSON"),
        (b'{"steps": [], "duration": -Infinity}', "-Infinity is not valid JSON"),
        (b'{"steps": [], "config": {"k": 1e400}}', "number 1e400 is too large"),
        (
            b'{"steps": [{"op": "same", "urn": "urn:pulumi:dev::p::openstack:compute/instance:Instance::vm",'
            b' "newState": {"inputs": {"k": -1e400}}}]}',
            "is too large",
        ),
        (b'{"steps": [], "config": {"k": ' + b"9" * 5000 + b"}}", "not valid JSON"),
        (b'{"steps": [], "config": {"k": "caf\xe9"}}', "not UTF-8 text (byte 34)"),
        (b'{"steps": [], "config": {"k": "\xed\xa0\x80"}}', "not UTF-8"),
        (b"\xef\xbb\xbf\xef\xbb\xbf{}", "not valid JSON"),
        # UTF-16 (what Windows PowerShell's `>` writes) is read: an empty object is no plan; a broken one
        # is refused with a message naming UTF-16 and how to write UTF-8.
        (b"\xff\xfe{\x00}\x00", "not a recognised plan"),
        (b"\xff\xfe{\x00}", "not valid UTF-16 LE text (byte 4); save the file as UTF-8 (PowerShell:"),
        (b"\xff\xfe{\x00\x00\xd8}\x00", "not valid UTF-16 LE text"),
        (b"\xfe\xff\x00{\x00", "not valid UTF-16 BE text"),
        (b"", "not valid JSON"),
        (b"\x00", "not valid JSON"),
    ],
)
def test_undecodable_or_unsafe_files_are_one_error(tmp_path: Path, content: bytes, message: str) -> None:
    error = _read(tmp_path, content)
    assert isinstance(error, InputError)
    assert message in error.message


def test_a_nesting_the_decoder_accepts_is_still_bounded_where_values_are_copied_whole(tmp_path: Path) -> None:
    """Terraform constants and variable values used to reach the policies as written, at any depth the
    JSON decoder accepts (~990): deep enough to exhaust the stack in a policy's walk."""
    tofu = DOCUMENTS["terraform-plan"]
    place = ("configuration", "provider_config", "openstack", "expressions", "password")
    deep_constant = replaced(tofu, place, {"constant_value": "@@"})
    text = json.dumps(deep_constant).replace('"@@"', '{"password": ' * 900 + '"x"' + "}" * 900)
    error = _read(tmp_path, text.encode())
    assert isinstance(error, InputError)
    assert error.field == "configuration.provider_config.openstack.expressions.password"
    assert "nested too deeply" in error.message

    deep_variable = replaced(tofu, ("variables", "region", "value"), "@@")
    text = json.dumps(deep_variable).replace('"@@"', "[" * 900 + '"SNC-PAR-1"' + "]" * 900)
    error = _read(tmp_path, text.encode())
    assert isinstance(error, InputError)
    assert "nested too deeply" in error.message

    # A resource's `after` is shared with the model, not copied, where no mask marks it.
    change = next(i for i, c in enumerate(tofu["resource_changes"]) if c["change"]["actions"] == ["create"])
    deep_after = replaced(tofu, ("resource_changes", change, "change", "after", "x_deep"), "@@")
    text = json.dumps(deep_after).replace('"@@"', '{"k": ' * 900 + "1" + "}" * 900)
    error = _read(tmp_path, text.encode())
    assert isinstance(error, InputError)
    assert error.field == f"resource_changes[{change}].change.after"

    # Pulumi assets and archives are kept as written.
    preview = DOCUMENTS["pulumi-preview"]
    step = next(i for i, s in enumerate(preview["steps"]) if "compute/instance" in s["urn"])
    asset = {PULUMI_SIG_KEY: PULUMI_ASSET_SIG, "text": "@@"}
    deep_asset = replaced(preview, ("steps", step, "newState", "inputs", "userData"), asset)
    text = json.dumps(deep_asset).replace('"@@"', "[" * 900 + "1" + "]" * 900)
    error = _read(tmp_path, text.encode())
    assert isinstance(error, InputError)
    assert error.field == f"steps[{step}].newState.inputs"


@pytest.mark.parametrize(
    "reference",
    ["var.backup[99999999999999999999999999999]", "var.backup[" + "9" * 5000 + "]", 'var.backup["\\x"]'],
)
def test_odd_variable_references_are_unknown_not_a_crash(reference: str) -> None:
    tofu = DOCUMENTS["terraform-plan"]
    place = ("configuration", "provider_config", "openstack.lyon", "expressions", "region")
    document = replaced(tofu, place, {"references": [reference, "var.backup"]})
    evaluation = outcome(document, "terraform-plan").evaluation
    assert evaluation is not None
    lyon = next(r for r in evaluation.resources if r.address == "openstack.lyon")
    assert lyon.properties["region"] is not None
    assert any(f.policy == "qualified-region" and f.unknown for f in evaluation.findings)


def test_a_bom_before_the_document_is_read(tmp_path: Path) -> None:
    plan = _read(tmp_path, b"\xef\xbb\xbf" + PLANS["pulumi-state"].read_bytes())
    assert not isinstance(plan, InputError)
    assert plan.source == "pulumi-state"


def test_huge_strings_are_read_and_checked(tmp_path: Path) -> None:
    """A 10 MB property value (a user_data blob) is data, not an attack: it is read and checked."""
    preview = DOCUMENTS["pulumi-preview"]
    step = next(i for i, s in enumerate(preview["steps"]) if "compute/instance" in s["urn"])
    blob = "#cloud-config\n" + "x" * 10_000_000
    document = replaced(preview, ("steps", step, "newState", "inputs", "userData"), blob)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(_main(), ["check", str(path), *_small_catalog()])
    assert_cli_outcome(result, str(path))
    assert result.exit_code in (0, 1)
    assert len(result.stdout) < 100_000  # the blob is never echoed


def test_huge_integers_within_what_json_carries_are_values() -> None:
    preview = DOCUMENTS["pulumi-preview"]
    step = next(i for i, s in enumerate(preview["steps"]) if "SecGroupRule" in s["urn"])
    for value in (10**4000, -(10**4000), 2**64, 1e308):
        document = replaced(preview, ("steps", step, "newState", "inputs", "portRangeMin"), value)
        assert outcome(document, None).evaluation is not None


def test_duplicate_keys_read_as_the_tools_read_them_the_last_one_wins(tmp_path: Path) -> None:
    """Go's encoding/json (Pulumi, Terraform) keeps the last of duplicate keys, and so does this reader:
    what is checked is what the tools would see. Documented in docs/security.md."""
    text = (
        '{"format_version": "1.2", "resource_changes": [{"address": "openstack_blockstorage_volume_v3.v",'
        ' "type": "openstack_blockstorage_volume_v3", "name": "v", "name": "v",'
        ' "provider_name": "registry.opentofu.org/terraform-provider-openstack/openstack",'
        ' "change": {"actions": ["create"], "after": {"region": "SNC-PAR-1", "region": "US-EAST-1"}}}]}'
    )
    plan = _read(tmp_path, text.encode())
    assert not isinstance(plan, InputError)
    volume = next(r for r in plan.resources if not r.is_provider)
    assert volume.region == "US-EAST-1"


def test_an_infinite_port_from_a_python_caller_is_not_a_crash() -> None:
    """`json.load` turns `1e400` into infinity; a library caller may hand that to parse_plan."""
    preview = DOCUMENTS["pulumi-preview"]
    step = next(i for i, s in enumerate(preview["steps"]) if "SecGroupRule" in s["urn"])
    document = replaced(preview, ("steps", step, "newState", "inputs", "portRangeMin"), float("inf"))
    evaluation = outcome(document, None).evaluation
    assert evaluation is not None
    assert any(f.policy == "no-public-ingress" for f in evaluation.mandatory)


def test_a_fractional_state_version_is_refused_by_name() -> None:
    state = replaced(DOCUMENTS["pulumi-state"], ("version",), 3.5)
    error = outcome(state, None).error
    assert error is not None
    assert error.line().endswith("version: must be a whole number, not 3.5")


def test_an_error_quoting_a_hostile_key_stays_on_one_line() -> None:
    error = InputError("plan.json", "no policy has this id", field="x\nsouverain: error: forged\u2028\ud800")
    assert error.line().splitlines() == [error.line()]
    assert "\\n" in error.line()
    error.line().encode("utf-8")


# -- size --------------------------------------------------------------------------------------------------


def test_an_input_over_the_size_limit_is_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(json_reader, "MAX_INPUT_BYTES", 1000)
    error = _read(tmp_path, b'{"steps": []' + b" " * 2000 + b"}")
    assert isinstance(error, InputError)
    assert error.message == "input is 2013 bytes, over the 1000-byte limit"


@pytest.mark.skipif(
    not Path("/dev/zero").exists(), reason="needs /dev/zero: a file with no size that never ends"
)
def test_a_file_with_no_size_is_read_no_further_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_reader, "MAX_INPUT_BYTES", 1000)
    with pytest.raises(InputError, match="over the 1000-byte limit"):
        read_plan("/dev/zero")


def test_the_size_limit_comes_from_the_environment_for_the_cli(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "plan.json"
    path.write_bytes(PLANS["pulumi-preview"].read_bytes())
    env = {**os.environ, "SOUVERAIN_MAX_INPUT_BYTES": "4096"}
    code = "import sys; from souverain.cli.main import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-c", code, "check", str(path)], capture_output=True, text=True, env=env, check=False
    )
    size = path.stat().st_size
    assert result.returncode == 2
    assert result.stderr == f"souverain: error: {path}: input is {size} bytes, over the 4096-byte limit\n"
    assert result.stdout == ""


# -- the CLI on hostile files --------------------------------------------------------------------------------


def _main() -> Any:
    from souverain.cli.main import main

    return main


def _small_catalog() -> list[str]:
    return ["--catalog", str(SMALL_CATALOG), "--replace-catalog"]


@bounded(60)
@given(data=st.data())
def test_the_cli_on_any_file_prints_a_report_or_one_error_line(
    tmp_path_factory: Any, data: st.DataObject
) -> None:
    fmt = data.draw(st.sampled_from(FORMATS), label="fixture")
    kind = data.draw(st.sampled_from(["mutated", "mutated", "json", "bytes"]), label="kind")
    if kind == "bytes":
        content = data.draw(st.binary(max_size=200))
    else:
        document = data.draw(mutated_documents(fmt) if kind == "mutated" else json_values)
        content = json.dumps(document).encode("utf-8")
    path = tmp_path_factory.mktemp("cli") / "plan.json"
    path.write_bytes(content)
    report_format = data.draw(st.sampled_from(["text", "json", "sarif", "junit", "gitlab"]))
    forced = data.draw(st.sampled_from([[], ["--input-format", fmt]]))
    result = CliRunner().invoke(
        _main(), ["check", str(path), "--format", report_format, *forced, *_small_catalog()]
    )
    assert_cli_outcome(result, str(path))


def test_the_cli_escapes_a_hostile_urn_in_its_one_error_line(tmp_path: Path) -> None:
    document = replaced(DOCUMENTS["pulumi-preview"], ("steps", 1, "urn"), "x\nsouverain: error: forged")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(_main(), ["check", str(path), *_small_catalog()])
    assert_cli_outcome(result, str(path))
    assert result.exit_code == 2
    assert "forged" in result.stderr


def test_a_lone_surrogate_in_a_urn_reaches_a_report_that_can_be_printed(tmp_path: Path) -> None:
    """`"\\ud800"` is valid JSON; the text report quotes URNs, so the CLI must still write UTF-8."""
    preview = DOCUMENTS["pulumi-preview"]
    step = next(i for i, s in enumerate(preview["steps"]) if "blockstorage/volume" in s["urn"])
    urn = preview["steps"][step]["urn"] + "\ud800"
    document = replaced(preview, ("steps", step, "urn"), urn)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    for report_format in ("text", "json", "sarif", "junit", "gitlab"):
        result = CliRunner().invoke(
            _main(), ["check", str(path), "--format", report_format, *_small_catalog()]
        )
        assert_cli_outcome(result, str(path))
        assert result.exit_code == 1
