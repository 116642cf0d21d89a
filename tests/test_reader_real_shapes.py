"""Shapes the real tools write that the readers once refused or misread: `pulumi stack export` deployment
version 4, an empty Terraform state, files in UTF-16 (Windows PowerShell's `>`) or with a byte-order mark.
Expected values are written by hand from the documents built here."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hostile_support import DOCUMENTS, PLANS, SMALL_CATALOG, outcome
from souverain.cli.main import main

from souverain.errors import InputError
from souverain.model import Operation, Plan, Resource
from souverain.readers import parse_plan, read_plan

P = "urn:pulumi:prod::hdh-platform::"
SG = P + "openstack:networking/secGroup:SecGroup::web"
BACKUPS = P + "openstack:objectstorage/container:Container::patient-db-backups"
WEB = P + "openstack:compute/instance:Instance::web"
BYTES_SIG = "803fd3297a5875dc03ca845dda5d2a98"
SIG = "4dabf18193072939515e22adb298388d"


def by_address(plan: Plan) -> dict[str, Resource]:
    return {r.address: r for r in plan.resources}


def _export_v4() -> dict[str, Any]:
    """The v3 fixture as current Pulumi writes it once a v4 feature is used: `version: 4`, `features`, and
    the resource fields those features add (`pkg/resource/stack/deployment.go`, `ApplyFeatures`)."""
    data: dict[str, Any] = json.loads(json.dumps(DOCUMENTS["pulumi-state"]))
    data["version"] = 4
    data["features"] = ["byteString", "refreshBeforeUpdate", "taint", "views"]
    resources = {r["urn"]: r for r in data["deployment"]["resources"]}
    resources[BACKUPS]["taint"] = True
    resources[SG]["refreshBeforeUpdate"] = True
    resources[SG]["resourceHooks"] = {"before-create": ["audit"]}
    resources[WEB]["inputs"]["userData"] = {
        SIG: BYTES_SIG,
        "value": base64.b64encode(b"#!/bin/sh\ncurl https://get.docker.com | sh\n\xff").decode(),
    }
    return data


def test_a_version_4_export_is_read_like_version_3(tmp_path: Path) -> None:
    v3 = by_address(read_plan(PLANS["pulumi-state"]))
    path = tmp_path / "state.json"
    path.write_text(json.dumps(_export_v4()), encoding="utf-8")
    for v4_plan in (read_plan(path), parse_plan(_export_v4(), "state.json")):  # typed and generic paths
        v4 = by_address(v4_plan)
        assert v4_plan.source == "pulumi-state"
        assert len(v4) == 9
        assert set(v4) == set(v3)
        assert v4[SG].operation is Operation.SAME
        assert v4[SG].region == v3[SG].region == "SNC-PAR-1"
        # `pulumi state taint`: the next update replaces the container.
        assert v4[BACKUPS].operation is Operation.REPLACE
        assert v3[BACKUPS].operation is Operation.SAME
        # A string that is not valid UTF-8 (feature `byteString`) is read as its text.
        assert v4[WEB].properties["user_data"] == "#!/bin/sh\ncurl https://get.docker.com | sh\n\ufffd"


def test_a_tainted_data_store_is_a_planned_destruction_and_an_untainted_one_is_not() -> None:
    tainted = outcome(_export_v4(), None).evaluation
    assert tainted is not None
    assert ("no-data-destruction", BACKUPS) in {(f.policy, f.resource) for f in tainted.findings}
    untainted_export = _export_v4()
    for resource in untainted_export["deployment"]["resources"]:
        resource.pop("taint", None)
    untainted = outcome(untainted_export, None).evaluation
    assert untainted is not None
    assert not [f for f in untainted.findings if f.resource == BACKUPS]


def test_a_version_4_checkpoint_file_is_read() -> None:
    """The self-managed backend's checkpoint, as pulumi/pulumi's `testdata/checkpoint-v4.json`."""
    export = _export_v4()
    checkpoint = {
        "version": 4,
        "features": export["features"],
        "checkpoint": {"stack": "prod", "latest": export["deployment"]},
    }
    resources = by_address(parse_plan(checkpoint, "prod.json"))
    assert len(resources) == 9
    assert resources[BACKUPS].operation is Operation.REPLACE


def test_a_byte_string_that_is_not_base64_is_kept_as_written() -> None:
    export = _export_v4()
    web = next(r for r in export["deployment"]["resources"] if r["urn"] == WEB)
    web["inputs"]["userData"] = {SIG: BYTES_SIG, "value": "not base64!"}
    assert by_address(parse_plan(export, "state.json"))[WEB].properties["user_data"] == {
        "value": "not base64!"
    }


@pytest.mark.parametrize(("version", "accepted"), [(3, True), (4, True), (5, False), (0, False)])
def test_deployment_versions(version: int, accepted: bool) -> None:
    export = _export_v4()
    export["version"] = version
    if accepted:
        assert len(parse_plan(export, "state.json").resources) == 9
    else:
        with pytest.raises(InputError, match=f"deployment version {version} is not supported"):
            parse_plan(export, "state.json")


def test_a_taint_that_is_not_a_boolean_is_one_error() -> None:
    export = _export_v4()
    next(r for r in export["deployment"]["resources"] if r["urn"] == BACKUPS)["taint"] = "yes"
    with pytest.raises(InputError) as info:
        parse_plan(export, "state.json")
    assert info.value.field == "deployment.resources[5].taint"
    assert info.value.message == "must be true or false, not a string"


# -- an empty Terraform state ------------------------------------------------------------------------


def _check(path: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        main, ["check", str(path), "--catalog", str(SMALL_CATALOG), "--replace-catalog", *extra]
    )


@pytest.mark.parametrize(
    "document",
    [
        {"format_version": "1.0"},  # `terraform show -json` before any apply
        {"format_version": "1.0", "terraform_version": "1.9.5"},
        {"format_version": "1.0", "terraform_version": "1.9.5", "values": {"root_module": {}}},
        {"format_version": "0.1"},
    ],
)
def test_an_empty_state_is_zero_resources_and_passes(tmp_path: Path, document: dict[str, Any]) -> None:
    assert parse_plan(document, "state.json").resources == []
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = _check(path, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["summary"]["resources"], report["findings"]) == (0, [])
    assert report["input"]["format"] == "terraform-plan"


@pytest.mark.parametrize(
    "document",
    [
        {"format_version": "1.0", "name": "something else"},  # another tool's format_version
        {"format_version": "1.0", "resources": []},
    ],
)
def test_a_format_version_beside_keys_terraform_does_not_write_is_not_taken_for_a_state(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = _check(path)
    assert result.exit_code == 2
    assert "not a recognised plan" in result.output
    assert result.output.count("\n") == 1


# -- encodings ---------------------------------------------------------------------------------------


def _encoded(text: str, encoding: str) -> bytes:
    boms = {"utf-8-sig": b"", "utf-16-le-bom": b"\xff\xfe", "utf-16-be-bom": b"\xfe\xff"}
    if encoding in boms:
        codec = {"utf-8-sig": "utf-8-sig", "utf-16-le-bom": "utf-16-le", "utf-16-be-bom": "utf-16-be"}[
            encoding
        ]
        return boms[encoding] + text.encode(codec)
    return text.encode(encoding)


ENCODINGS = ["utf-8-sig", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le", "utf-16-be", "utf-16", "utf-32"]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("fmt", sorted(PLANS))
def test_each_format_is_read_in_utf16_utf32_and_with_a_bom(tmp_path: Path, fmt: str, encoding: str) -> None:
    text = PLANS[fmt].read_text(encoding="utf-8")
    path = tmp_path / "plan.json"
    path.write_bytes(_encoded(text, encoding))
    plan = read_plan(path)
    expected = read_plan(PLANS[fmt])
    assert plan.source == fmt
    assert [(r.address, r.region, r.operation) for r in plan.resources] == [
        (r.address, r.region, r.operation) for r in expected.resources
    ]


def test_a_utf16_plan_gives_the_same_verdict_as_the_utf8_one(tmp_path: Path) -> None:
    """What `tofu show -json plan.tfplan > plan.json` writes in Windows PowerShell 5."""
    utf16 = tmp_path / "plan-utf16.json"
    utf16.write_bytes(b"\xff\xfe" + PLANS["terraform-plan"].read_text(encoding="utf-8").encode("utf-16-le"))
    utf8 = _check(PLANS["terraform-plan"], "--format", "json")
    wide = _check(utf16, "--format", "json")
    assert wide.exit_code == utf8.exit_code == 1
    assert json.loads(wide.output)["findings"] == json.loads(utf8.output)["findings"]
    assert json.loads(wide.output)["summary"]["resources"] == 15


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{\x00}", "not valid UTF-16 LE text (byte 4)"),  # odd length
        (b"\xff\xfe{\x00\x00\xdc}\x00", "not valid UTF-16 LE text"),  # a lone low surrogate
        (b"\xfe\xff\x00{\xd8\x00\x00}", "not valid UTF-16 BE text"),  # a lone high surrogate
        (b"\xff\xfe\x00\x00{\x00\x00\x00\x00\x00\x11\x00", "not valid UTF-32 LE text"),  # past U+10FFFF
    ],
)
def test_a_broken_utf16_file_is_one_line_naming_the_encoding_and_the_fix(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    result = _check(path)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert message in result.output
    assert "save the file as UTF-8" in result.output
    assert "Out-File -Encoding utf8" in result.output
    assert str(path) in result.output


@pytest.mark.parametrize(
    "content",
    [
        b'\xff\xfe{\x00"\x00s\x00t\x00e\x00p\x00s\x00"\x00:\x00 \x00[\x00',  # UTF-16, cut short
        "\ufeff".encode("utf-16-le") + b'{\x00"\x00s\x00t\x00e\x00p\x00s\x00"\x00:\x00 \x003\x00}\x00',
    ],
)
def test_malformed_utf16_json_is_still_one_line_and_exit_2(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    result = _check(path)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith("souverain: error: ")


# -- what the next apply destroys, in a Terraform state ----------------------------------------------


def _state_resource(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "address": f"openstack_blockstorage_volume_v3.{name}",
        "mode": "managed",
        "type": "openstack_blockstorage_volume_v3",
        "name": name,
        "provider_name": "registry.terraform.io/terraform-provider-openstack/openstack",
        "schema_version": 0,
        "values": {"name": name, "size": 100, "region": "SNC-PAR-1", "volume_type": "classic-luks"},
        "sensitive_values": {},
        **extra,
    }


def test_a_state_reads_tainted_objects_as_replaced_and_deposed_ones_as_deleted() -> None:
    """jsonstate writes `tainted: true` (`terraform taint`) and `deposed_key` (an old object a
    create_before_destroy replacement could not destroy): the next apply replaces, then destroys them."""
    state = {
        "format_version": "1.0",
        "terraform_version": "1.9.5",
        "values": {
            "root_module": {
                "resources": [
                    _state_resource("kept"),
                    _state_resource("tainted", tainted=True),
                    _state_resource("old", deposed_key="1a2b3c4d"),
                    _state_resource("untainted", tainted=False),
                ]
            }
        },
    }
    resources = by_address(parse_plan(state, "state.json"))
    operations = {address: r.operation for address, r in resources.items()}
    assert operations == {
        "openstack_blockstorage_volume_v3.kept": Operation.SAME,
        "openstack_blockstorage_volume_v3.tainted": Operation.REPLACE,
        "openstack_blockstorage_volume_v3.old (deposed object 1a2b3c4d)": Operation.DELETE,
        "openstack_blockstorage_volume_v3.untainted": Operation.SAME,
    }
    evaluation = outcome(state, None).evaluation
    assert evaluation is not None
    destroyed = {f.resource for f in evaluation.findings if f.policy == "no-data-destruction"}
    assert destroyed == {
        "openstack_blockstorage_volume_v3.tainted",
        "openstack_blockstorage_volume_v3.old (deposed object 1a2b3c4d)",
    }


@pytest.mark.parametrize(
    ("document", "fmt"),
    [
        # a stack never deployed: `pulumi stack export` writes a manifest and nothing else
        (
            {
                "version": 3,
                "deployment": {"manifest": {"time": "0001-01-01T00:00:00Z", "magic": "", "version": ""}},
            },
            "pulumi-state",
        ),
        ({"version": 4, "features": [], "deployment": {}}, "pulumi-state"),
        ({"config": {}, "changeSummary": {}}, "pulumi-preview"),  # a preview of an empty program
        ({"steps": [], "duration": 1200000000}, "pulumi-preview"),
        # `terraform show -json` of a plan with nothing to do
        (
            {
                "format_version": "1.2",
                "terraform_version": "1.9.5",
                "planned_values": {"root_module": {}},
                "configuration": {"root_module": {}},
                "timestamp": "2026-01-01T00:00:00Z",
                "applyable": False,
                "complete": True,
                "errored": False,
            },
            "terraform-plan",
        ),
    ],
)
def test_empty_documents_of_every_format_are_zero_resources(document: dict[str, Any], fmt: str) -> None:
    plan = parse_plan(document, "empty.json")
    assert (plan.source, plan.resources) == (fmt, [])


def test_a_utf16_policy_config_is_read(tmp_path: Path) -> None:
    """The policy config goes through the same decoder: written by PowerShell, it is UTF-16 too."""
    config = tmp_path / "policy-config.json"
    config.write_bytes(b"\xff\xfe" + json.dumps({"qualified-region": "advisory"}).encode("utf-16-le"))
    result = _check(PLANS["terraform-plan"], "--policy-config", str(config), "--format", "json")
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    enforcement = {p["id"]: p["effective_enforcement"] for p in report["policies"]}
    assert enforcement["qualified-region"] == "advisory"
    assert enforcement["no-us-controlled-service"] == "mandatory"


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d.update(features="taint"), "features: must be a list"),
        (lambda d: d.update(features=[1]), "features[0]: must be a string"),
        (lambda d: d["deployment"]["resources"][5].update(taint=1), "deployment.resources[5].taint: must be"),
        (
            lambda d: d.update(version=5),
            "version: deployment version 5 is not supported (this reader knows 1 to 4)",
        ),
    ],
)
def test_a_malformed_version_4_export_is_one_line_and_exit_2(tmp_path: Path, edit: Any, field: str) -> None:
    export = _export_v4()
    edit(export)
    path = tmp_path / "state.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    result = _check(path)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"souverain: error: {path}: ")
    assert field in result.output
