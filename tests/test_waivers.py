"""Waivers: reviewed exceptions that keep findings visible, and that fail the check once stale."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import FIXTURES, SMALL_CATALOG, pulumi_resource

from souverain.catalog import Catalog
from souverain.engine import PolicyConfig, evaluate, parse_policy_config
from souverain.errors import InputError
from souverain.policy import Enforcement, Settings
from souverain.waivers import PSEUDO_POLICY_IDS, WAIVER_INVALID_ID, load_waivers, parse_waivers

TODAY = date(2026, 3, 1)
POLICY_IDS = ("qualified-region", "protected-data-store")
PUBLIC_VOLUME = "urn:pulumi:dev::proj::openstack:blockstorage/volume:Volume::legacy-export"


def waiver(**overrides: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "policy": "qualified-region",
        "resource": "urn:pulumi:dev::proj::openstack:blockstorage/volume:Volume::legacy-*",
        "justification": "Export to the old platform until the migration ends (DPO review 2026-02-10).",
        "owner": "hdh-platform@example.test",
        "expires": date(2026, 6, 30),
        "ticket": "SEC-42",
    }
    entry.update(overrides)
    return entry


def write(tmp_path: Path, *entries: dict[str, object], version: object = 1) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(yaml.safe_dump({"schema_version": version, "waivers": list(entries)}), encoding="utf-8")
    return path


def public_volume():  # type: ignore[no-untyped-def]
    return pulumi_resource(
        "openstack:blockstorage/volume:Volume", {"size": 20}, name="legacy-export", provider_region="PUB-1"
    )


# --- the file --------------------------------------------------------------------------------------------


def test_valid_waiver_matches_its_policy_and_glob_only(tmp_path: Path) -> None:
    waivers = load_waivers(write(tmp_path, waiver()), POLICY_IDS, TODAY)
    assert list(waivers.findings()) == []
    matched = waivers.match("qualified-region", PUBLIC_VOLUME)
    assert matched is not None
    assert matched["owner"] == "hdh-platform@example.test"
    assert matched["expires"] == "2026-06-30"
    assert matched["ticket"] == "SEC-42"
    assert waivers.match("protected-data-store", PUBLIC_VOLUME) is None
    assert waivers.match("qualified-region", PUBLIC_VOLUME.replace("legacy-export", "research")) is None


def test_exact_address_with_brackets_matches_literally(tmp_path: Path) -> None:
    """Terraform addresses carry `[0]`, which fnmatch reads as a character class; equality still matches."""
    address = 'module.data.openstack_blockstorage_volume_v3.disk["a"]'
    waivers = load_waivers(write(tmp_path, waiver(resource=address)), POLICY_IDS, TODAY)
    assert waivers.match("qualified-region", address) is not None


def test_waiver_is_valid_through_its_expiry_day(tmp_path: Path) -> None:
    waivers = load_waivers(write(tmp_path, waiver(expires=TODAY)), POLICY_IDS, TODAY)
    assert waivers.match("qualified-region", PUBLIC_VOLUME) is not None
    assert list(waivers.findings()) == []


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"expires": date(2026, 2, 28)}, "expired on 2026-02-28"),
        ({"justification": "   "}, "no justification"),
        ({"justification": ""}, "no justification"),
        ({"owner": " "}, "no owner"),
        ({"policy": "qualified-regoin"}, "no policy has the id 'qualified-regoin'"),
    ],
)
def test_untrustworthy_waiver_is_a_mandatory_finding_and_waives_nothing(
    tmp_path: Path, overrides: dict[str, object], problem: str
) -> None:
    path = write(tmp_path, waiver(), waiver(**overrides))
    waivers = load_waivers(path, POLICY_IDS, TODAY)
    findings = list(waivers.findings())
    assert len(findings) == 1
    finding = findings[0]
    assert finding.policy == WAIVER_INVALID_ID
    assert finding.enforcement is Enforcement.MANDATORY
    assert finding.resource == str(path)
    assert finding.path == "waivers[1]"
    assert problem in finding.message
    # The valid first waiver still works; the broken second one waives nothing on its own.
    only_broken = load_waivers(write(tmp_path, waiver(**overrides)), POLICY_IDS, TODAY)
    assert only_broken.match(str(overrides.get("policy", "qualified-region")), PUBLIC_VOLUME) is None


@pytest.mark.parametrize(
    ("document", "field", "words"),
    [
        ({"schema_version": 1, "waivers": [waiver(expires="2026-13-01")]}, "waivers[0].expires", "date"),
        (
            {"schema_version": 1, "waivers": [waiver(), {**waiver(), "expires": None}]},
            "waivers[1].expires",
            "",
        ),
        (
            {"schema_version": 1, "waivers": [{k: v for k, v in waiver().items() if k != "owner"}]},
            "waivers[0].owner",
            "required",
        ),
        (
            {"schema_version": 1, "waivers": [{**waiver(), "expire": "2026-01-01"}]},
            "waivers[0].expire",
            "unknown key",
        ),
        ({"schema_version": 1, "waivers": [waiver(resource="")]}, "waivers[0].resource", ""),
        ({"schema_version": 2, "waivers": []}, "schema_version", ""),
        ({"waivers": []}, "schema_version", "required"),
        ({"schema_version": 1, "waivers": {"policy": "x"}}, "waivers", ""),
    ],
)
def test_malformed_file_is_an_input_error_naming_the_field(
    tmp_path: Path, document: dict[str, object], field: str, words: str
) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_waivers(path, POLICY_IDS, TODAY)
    assert caught.value.file == str(path)
    assert caught.value.field == field
    assert words.lower() in caught.value.message.lower()


@pytest.mark.parametrize("text", ["waivers: [unclosed", "- just\n- a list\n", "", "\xff"])
def test_unreadable_or_non_mapping_file_is_an_input_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError) as caught:
        load_waivers(path, POLICY_IDS, TODAY)
    assert caught.value.file == str(path)


@pytest.mark.parametrize("expires", ["2026-13-01", "2026-02-30", "tomorrow", "2026-1-5x"])
def test_impossible_unquoted_date_is_an_input_error_naming_the_field(tmp_path: Path, expires: str) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(
        "schema_version: 1\nwaivers:\n  - policy: qualified-region\n    resource: '*'\n"
        f"    justification: reviewed\n    owner: someone\n    expires: {expires}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_waivers(path, POLICY_IDS, TODAY)
    assert caught.value.field == "waivers[0].expires"


def test_unquoted_date_is_read_as_a_date(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(
        "schema_version: 1\nwaivers:\n  - policy: qualified-region\n    resource: '*'\n"
        "    justification: reviewed\n    owner: someone\n    expires: 2026-03-01\n",
        encoding="utf-8",
    )
    waivers = load_waivers(path, POLICY_IDS, TODAY)
    assert waivers.match("qualified-region", "anything") is not None  # valid through its expiry day


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_waivers(tmp_path / "nope.yaml", POLICY_IDS, TODAY)


# --- in the engine ---------------------------------------------------------------------------------------


def test_waived_finding_stays_visible_and_stops_counting(small_catalog: Catalog) -> None:
    waivers = parse_waivers({"schema_version": 1, "waivers": [waiver()]}, "waivers.yaml", POLICY_IDS, TODAY)
    resource = public_volume()
    from souverain.policies import POLICIES_BY_ID

    policies = [POLICIES_BY_ID["qualified-region"]]
    plain = evaluate([resource], small_catalog, policies, settings=Settings(today=TODAY))
    assert not plain.passed
    waived = evaluate([resource], small_catalog, policies, settings=Settings(today=TODAY), waivers=waivers)
    assert waived.passed
    assert [f.resource for f in waived.waived] == [resource.address]
    assert waived.findings[0].enforcement is Enforcement.MANDATORY  # still says what it would have been
    assert waived.findings[0].waiver is not None
    assert waived.findings[0].waiver["justification"].startswith("Export to the old platform")


def test_expired_waiver_fails_the_evaluation(small_catalog: Catalog) -> None:
    from souverain.policies import POLICIES_BY_ID

    waivers = parse_waivers(
        {"schema_version": 1, "waivers": [waiver(expires=date(2026, 1, 1))]}, "w.yaml", POLICY_IDS, TODAY
    )
    result = evaluate(
        [public_volume()],
        small_catalog,
        [POLICIES_BY_ID["qualified-region"]],
        settings=Settings(today=TODAY),
        waivers=waivers,
    )
    assert sorted(f.policy for f in result.mandatory) == ["qualified-region", WAIVER_INVALID_ID]


def test_policy_config_governs_waiver_findings_like_any_policy(small_catalog: Catalog) -> None:
    """As in the pack, where `waiver-invalid` is a policy the CLI's config reaches (`all` included)."""
    waivers = parse_waivers(
        {"schema_version": 1, "waivers": [waiver(justification="")]}, "w.yaml", POLICY_IDS, TODAY
    )
    known = (*POLICY_IDS, *PSEUDO_POLICY_IDS)
    cases = {
        "advisory": parse_policy_config({WAIVER_INVALID_ID: "advisory"}, "cfg.json", known),
        "all-advisory": parse_policy_config({"all": "advisory"}, "cfg.json", known),
        "disabled": parse_policy_config({WAIVER_INVALID_ID: {"enforcementLevel": "disabled"}}, "c", known),
        "default": PolicyConfig(),
    }
    levels = {
        name: [f.enforcement for f in evaluate([], small_catalog, [], config, waivers=waivers).findings]
        for name, config in cases.items()
    }
    assert levels == {
        "advisory": [Enforcement.ADVISORY],
        "all-advisory": [Enforcement.ADVISORY],
        "disabled": [],
        "default": [Enforcement.MANDATORY],
    }


# --- through `souverain check` ----------------------------------------------------------------------------

PREVIEW = FIXTURES / "crossguard" / "preview.json"


def _check(tmp_path: Path, *entries: dict[str, object]) -> tuple[int, dict[str, Any], str]:
    from souverain.cli.main import main

    path = write(tmp_path, *entries)
    args = [
        "check", str(PREVIEW), "--replace-catalog", "--catalog", str(SMALL_CATALOG),
        "--waivers", str(path), "--format", "json",
    ]  # fmt: skip
    result = CliRunner().invoke(main, args)
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


def _waive_every_mandatory_finding(tmp_path: Path, expires: date) -> list[dict[str, object]]:
    """One waiver per mandatory finding of the preview, whatever the policies find in it."""
    code, report, err = _check(tmp_path)
    assert code == 1, err
    mandatory = [f for f in report["findings"] if f["enforcement"] == "mandatory" and not f["waived"]]
    assert mandatory
    return [
        waiver(policy=f["policy"], resource=f["resource"], expires=expires, ticket=f"SEC-{i}")
        for i, f in enumerate(mandatory)
    ]


def test_check_exits_0_when_the_only_mandatory_findings_are_waived(tmp_path: Path) -> None:
    waivers = _waive_every_mandatory_finding(tmp_path, date.today() + timedelta(days=30))
    code, report, err = _check(tmp_path, *waivers)
    assert code == 0, err
    waived = {(f["policy"], f["resource"]) for f in report["findings"] if f["waived"]}
    assert waived == {(w["policy"], w["resource"]) for w in waivers}  # every one still reported
    assert report["summary"]["mandatory"] == 0


def test_check_exits_1_when_a_waiver_expired(tmp_path: Path) -> None:
    waivers = _waive_every_mandatory_finding(tmp_path, date.today() + timedelta(days=30))
    waivers[0]["expires"] = date.today() - timedelta(days=1)
    code, report, err = _check(tmp_path, *waivers)
    assert code == 1, err
    mandatory = {(f["policy"], f["resource"]) for f in report["findings"] if f["enforcement"] == "mandatory"
                 and not f["waived"]}  # fmt: skip
    assert (WAIVER_INVALID_ID, str(tmp_path / "waivers.yaml")) in mandatory
    assert (waivers[0]["policy"], waivers[0]["resource"]) in mandatory  # no longer waived


def test_check_exits_2_on_a_malformed_waivers_file(tmp_path: Path) -> None:
    from souverain.cli.main import main

    path = tmp_path / "waivers.yaml"
    path.write_text("schema_version: 1\nwaivers:\n  - policy: qualified-region\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["check", str(PREVIEW), "--replace-catalog", "--catalog", str(SMALL_CATALOG), "--waivers", str(path)],
    )
    assert result.exit_code == 2
    assert f"{path}: waivers[0].resource:" in result.stderr
    assert "Traceback" not in result.stderr
