"""The shipped stacks pass `souverain check` offline; deliberately broken copies fail with the right policy.

The Health Data Hub stack is run once per stack file for the passing cases (a session fixture for prod);
the broken ones are copies in tmp_path with one setting changed. A region moved out of the qualified ones
stops the HDH program itself (its components refuse to build there: exit 2, naming the key); the
`plain-openstack` fixture, written with raw resources, shows the policies catching the same change when
nothing stops it earlier.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import FIXTURES
from souverain.cli.main import main

from souverain.project import SECURE_PLACEHOLDER

ROOT = Path(__file__).resolve().parent.parent
HDH = ROOT / "stacks" / "health-data-hub"
TEMPLATE = ROOT / "stacks" / "agency-template"
PLAIN = FIXTURES / "stacks" / "plain-openstack"
AMBIENT = ("PULUMI_BACKEND_URL", "VAULT_SERVER_URL", "VAULT_ADDR")
KINDS = (
    "instance",
    "network",
    "subnet",
    "router",
    "security_group_rule",
    "volume",
    "object_container",
    "key_order",
    "secret_container",
)


def check(project: Path, stack: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["check", str(project), "--stack", stack, *args])


def check_json(project: Path, stack: str) -> tuple[int, dict[str, Any]]:
    result = check(project, stack, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def policies_failed(report: dict[str, Any]) -> set[str]:
    return {f["policy"] for f in report["findings"] if f["enforcement"] == "mandatory" and not f["waived"]}


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def prod_report() -> Iterator[tuple[int, dict[str, Any]]]:
    """The HDH prod stack checked once, as JSON: the run costs a second or two."""
    with pytest.MonkeyPatch.context() as patch:
        for name in AMBIENT:
            patch.delenv(name, raising=False)
        yield check_json(HDH, "prod")


def copy_project(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def edit_stack(project: Path, stack: str, **changes: Any) -> Path:
    """Set (or, with None, remove) stack file entries; config keys are given with `__` for `:`."""
    path = project / f"Pulumi.{stack}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key in ("secretsprovider", "encryptedkey"):
            target, name = data, key
        else:
            target, name = data["config"], key.replace("__", ":")
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --- The Health Data Hub prod stack: a whole environment that passes ---------------------------------


def test_prod_passes(prod_report: tuple[int, dict[str, Any]]) -> None:
    code, report = prod_report
    assert code == 0, [f["message"] for f in report["findings"]]
    assert report["summary"]["passed"] is True


def test_prod_is_a_whole_environment(prod_report: tuple[int, dict[str, Any]]) -> None:
    _, report = prod_report
    cloud = [r for r in report["resources"] if r["cloud_resource"]]
    assert len(cloud) >= 30
    kinds = Counter(r["kind"] for r in cloud)
    assert all(kinds[kind] >= 1 for kind in KINDS), kinds
    assert kinds["instance"] >= 4  # the bastion and one per research project
    assert kinds["volume"] >= 6  # three SNDS extracts and one per research project


def test_every_resource_is_listed_with_its_type_and_region(prod_report: tuple[int, dict[str, Any]]) -> None:
    _, report = prod_report
    resources = report["resources"]
    assert all(r["type"] for r in resources)
    regions = {r["region"] for r in resources if r["cloud_resource"]}
    assert regions == {"SNC-HDH-PAR-1", "SNC-HDH-PAR-2"}
    backup = [r for r in resources if r["cloud_resource"] and r["region"] == "SNC-HDH-PAR-2"]
    assert {r["kind"] for r in backup} == {"object_container", "key_order", "secret_container"}


@pytest.mark.parametrize("stack", ["preprod", "dev"])
def test_other_stacks_pass(stack: str) -> None:
    result = check(HDH, stack)
    assert result.exit_code == 0, result.output


def test_the_agency_template_passes() -> None:
    result = check(TEMPLATE, "dev")
    assert result.exit_code == 0, result.output


def test_openstack_region_alone_moves_the_whole_stack(tmp_path: Path) -> None:
    project = copy_project(HDH, tmp_path)
    overlay = project / "catalog-overlay.yaml"
    catalog = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    third = dict(catalog["offers"][0]["regions"][0], name="SNC-HDH-PAR-3")
    catalog["offers"][0]["regions"].append(third)
    overlay.write_text(yaml.safe_dump(catalog, sort_keys=False), encoding="utf-8")
    edit_stack(project, "prod", openstack__region="SNC-HDH-PAR-3")
    code, report = check_json(project, "prod")
    assert code == 0
    regions = Counter(r["region"] for r in report["resources"] if r["cloud_resource"])
    assert set(regions) == {"SNC-HDH-PAR-3", "SNC-HDH-PAR-2"}  # the backups stay where backupRegion says
    assert regions["SNC-HDH-PAR-2"] == 3


# --- Broken copies of the HDH stack -------------------------------------------------------------------


def test_a_region_outside_the_qualified_ones_stops_the_program(tmp_path: Path) -> None:
    project = copy_project(HDH, tmp_path)
    path = edit_stack(project, "prod", openstack__region="XX-NOWHERE-1")
    result = check(project, "prod")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert f"{path}: openstack:region:" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {
                "health-data-hub__researchProjects": [
                    {"name": "trial", "cidr": "10.20.1.0/24", "volumeSizeGb": -5}
                ]
            },
            "health-data-hub:researchProjects[0].volumeSizeGb:",
        ),
        ({"health-data-hub__backupRegion": "SNC-HDH-PAR-1"}, "health-data-hub:backupRegion:"),
        ({"health-data-hub__adminRanges": ["0.0.0.0/0"]}, "health-data-hub:adminRanges: 0.0.0.0/0 is"),
        ({"health-data-hub__adminRanges": "192.0.2.0/28"}, "health-data-hub:adminRanges: must be of type"),
    ],
)
def test_bad_config_values_are_one_line_naming_the_file_and_key(
    tmp_path: Path, change: dict[str, Any], line: str
) -> None:
    project = copy_project(HDH, tmp_path)
    path = edit_stack(project, "prod", **change)
    result = check(project, "prod")
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1
    assert f"{path}: {line}" in result.output


def test_state_in_pulumi_cloud_fails(tmp_path: Path) -> None:
    project = copy_project(HDH, tmp_path)
    pulumi_yaml = project / "Pulumi.yaml"
    data = yaml.safe_load(pulumi_yaml.read_text(encoding="utf-8"))
    data["backend"]["url"] = "https://app.pulumi.com"
    pulumi_yaml.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code, report = check_json(project, "prod")
    assert code == 1
    assert policies_failed(report) == {"sovereign-state-backend"}
    finding = next(f for f in report["findings"] if f["policy"] == "sovereign-state-backend")
    assert finding["type"] == "pulumi:pulumi:Stack"
    assert "app.pulumi.com" in finding["message"]


def test_no_backend_at_all_fails(tmp_path: Path) -> None:
    project = copy_project(HDH, tmp_path)
    pulumi_yaml = project / "Pulumi.yaml"
    data = yaml.safe_load(pulumi_yaml.read_text(encoding="utf-8"))
    del data["backend"]
    pulumi_yaml.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    code, report = check_json(project, "prod")
    assert code == 1
    assert policies_failed(report) == {"sovereign-state-backend"}


def test_the_backend_url_environment_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_BACKEND_URL", "https://api.pulumi.com")
    result = check(HDH, "dev")
    assert result.exit_code == 1
    assert "sovereign-state-backend" in result.output


def test_a_us_cloud_kms_secrets_provider_fails(tmp_path: Path) -> None:
    project = copy_project(HDH, tmp_path)
    edit_stack(
        project, "prod", secretsprovider="awskms://alias/hdh-state?region=eu-west-3", encryptedkey="AQICAHh="
    )
    code, report = check_json(project, "prod")
    assert code == 1
    assert policies_failed(report) == {"sovereign-state-backend"}
    assert any("AWS KMS" in f["message"] for f in report["findings"])


def test_a_secure_value_becomes_a_barbican_secret_and_never_prints(tmp_path: Path) -> None:
    project = copy_project(HDH, tmp_path)
    edit_stack(
        project, "dev", **{"health-data-hub__pseudonymisationSecret": {"secure": "v1:bm9uY2U=:Y2lwaGVy"}}
    )
    code, report = check_json(project, "dev")
    assert code == 0
    assert any(r["kind"] == "secret" for r in report["resources"])
    preview = CliRunner().invoke(main, ["preview", str(project), "--stack", "dev", "--format", "json"])
    for output in (json.dumps(report), preview.output):
        assert SECURE_PLACEHOLDER not in output
        assert "Y2lwaGVy" not in output


# --- A stack of raw resources: nothing stops it but the policies --------------------------------------


def test_the_plain_fixture_passes_as_written() -> None:
    result = check(PLAIN, "dev")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("change", "policy"),
    [
        (
            {"openstack__region": "PUBLIC-1", "openstack__authUrl": "https://auth.public.acme.test/v3"},
            "qualified-region",
        ),
        ({"openstack__region": "XX-NOWHERE-1"}, "qualified-region"),
        ({"plain-openstack__sshFrom": "0.0.0.0/0"}, "no-public-ingress"),
        (
            {"secretsprovider": "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k"},
            "sovereign-state-backend",
        ),
    ],
)
def test_broken_plain_stacks_fail_with_the_expected_policy(
    tmp_path: Path, change: dict[str, Any], policy: str
) -> None:
    project = copy_project(PLAIN, tmp_path)
    edit_stack(project, "dev", **change)
    code, report = check_json(project, "dev")
    assert code == 1
    assert policy in policies_failed(report)
