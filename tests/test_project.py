"""Pulumi project folders run offline: Pulumi.yaml and Pulumi.<stack>.yaml read as the Pulumi CLI does."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, SMALL_CATALOG
from souverain.cli.main import main

from souverain.catalog import load_catalog
from souverain.errors import InputError
from souverain.model import Resource, Secret
from souverain.preview_view import tiers_of
from souverain.project import (
    SECURE_PLACEHOLDER,
    declared_catalog_overlays,
    load_project,
    load_stack,
    merge_config,
    run_project,
    run_project_offline,
)

MINIMAL = FIXTURES / "stacks" / "minimal"
VOLUME = "openstack:blockstorage/volume:Volume"


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's shell must not change what these tests see."""
    for name in ("PULUMI_BACKEND_URL", "VAULT_SERVER_URL", "VAULT_ADDR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the minimal fixture project."""
    target = tmp_path / "minimal"
    shutil.copytree(MINIMAL, target)
    return target


def write_stack(project: Path, text: str, stack: str = "dev") -> Path:
    path = project / f"Pulumi.{stack}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def input_error(project: Path, stack: str = "dev") -> InputError:
    with pytest.raises(InputError) as caught:
        run_project(project, stack)
    return caught.value


def test_stack_config_reaches_the_program_as_pulumi_passes_it() -> None:
    run, _, _ = run_project(MINIMAL, "dev")
    volumes = {r.name: r for r in run.plan.resources if r.type == VOLUME}
    assert set(volumes) == {"extracts", "scratch"}
    # from the stack file (an integer, a list of objects), and the project defaults it does not override
    assert {v.properties["size"] for v in volumes.values()} == {20}
    assert {v.properties["volume_type"] for v in volumes.values()} == {"classic-luks"}
    assert volumes["scratch"].tags == {"tier": "app"}
    assert run.plan.stack == "dev"
    assert run.plan.project == "minimal"
    assert run.outputs["region"] == "CONTRACT-1"
    # a region set once in the stack file is every resource's effective region
    assert {r.region for r in run.plan.resources if r.is_cloud_resource} == {"CONTRACT-1"}


def test_secure_values_are_secrets_with_a_placeholder_never_the_ciphertext() -> None:
    run, _, _ = run_project(MINIMAL, "dev")
    password = run.plan.config["minimal:dbPassword"]
    assert isinstance(password, Secret)
    assert password.reveal() == SECURE_PLACEHOLDER
    assert isinstance(run.outputs["password"], Secret)
    assert "Y2lwaGVydGV4dA" not in repr(run.plan.config)


def test_merge_follows_pulumi_precedence() -> None:
    project = load_project(MINIMAL)
    merged = merge_config(project, load_stack(project, "dev"))
    assert merged.values["minimal:volumeSize"] == "20"  # the stack wins over the default
    assert merged.values["minimal:encrypted"] == "true"  # the default fills in, as Pulumi's text
    assert json.loads(merged.values["minimal:tiers"]) == ["data", "app"]
    assert json.loads(merged.values["minimal:volumes"])[0] == {"name": "extracts", "tier": "data"}
    assert merged.secret_keys == {"minimal:dbPassword"}


def test_nested_secure_values_make_the_whole_key_secret(project: Path) -> None:
    text = (MINIMAL / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    write_stack(project, text + "  minimal:extra:\n    token:\n      secure: v1:abc:def\n")
    loaded = load_project(project)
    merged = merge_config(loaded, load_stack(loaded, "dev"))
    assert "minimal:extra" in merged.secret_keys
    assert json.loads(merged.values["minimal:extra"]) == {"token": SECURE_PLACEHOLDER}


def test_project_settings_go_on_the_stack_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = run_project_offline(MINIMAL, "dev")
    stack = next(r for r in plan.resources if r.type == "pulumi:pulumi:Stack")
    assert stack.properties["backend_url"].startswith("s3://state?endpoint=s3.snc.acme.test")
    assert stack.properties["secrets_provider"] == "passphrase"
    assert plan.backend == stack.properties["backend_url"]
    assert plan.secrets_provider == "passphrase"
    monkeypatch.setenv("PULUMI_BACKEND_URL", "postgres://pulumi:hunter2@db.example.org/state")
    plan = run_project_offline(MINIMAL, "dev")
    assert plan.backend == "postgres://pulumi@db.example.org/state"  # the env var wins; no password kept


def test_the_program_runs_in_its_folder_and_leaves_nothing_behind(project: Path) -> None:
    cwd, path, argv = os.getcwd(), list(sys.path), list(sys.argv)
    (project / "__main__.py").write_text(
        (project / "__main__.py").read_text(encoding="utf-8")
        + "\nimport os\npulumi.export('cwd', os.getcwd())\n",
        encoding="utf-8",
    )
    run, _, _ = run_project(project, "dev")
    assert run.outputs["cwd"] == str(project.resolve())
    assert (os.getcwd(), sys.path, sys.argv) == (cwd, path, argv)
    assert "minimal_config" not in sys.modules


def test_two_projects_with_a_helper_of_the_same_name_do_not_mix(project: Path) -> None:
    run_project(MINIMAL, "dev")
    (project / "minimal_config.py").write_text(
        (project / "minimal_config.py").read_text(encoding="utf-8").replace("le=1000", "le=5"),
        encoding="utf-8",
    )
    error = input_error(project)  # the copy's own model (size at most 5) judges it, not the first one's
    assert error.field == "minimal:volumeSize"


def test_missing_stack_file_names_the_file(project: Path) -> None:
    error = input_error(project, "prod")
    assert error.file.endswith("Pulumi.prod.yaml")
    assert "pulumi stack init prod" in error.message


def test_bad_yaml_names_the_file_and_line(project: Path) -> None:
    path = write_stack(project, "config:\n  openstack:region: [unclosed\n")
    error = input_error(project)
    assert error.file == str(path)
    assert "line" in error.message


def test_keys_without_a_namespace_are_refused_in_stack_files(project: Path) -> None:
    write_stack(project, "config:\n  region: CONTRACT-1\n")
    error = input_error(project)
    assert error.field == "config.region"
    assert "<namespace>:<name>" in error.message


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("  minimal:volumeSize: large\n", "minimal:volumeSize", "must be of type integer"),
        ("  minimal:encrypted: maybe\n", "minimal:encrypted", "must be of type boolean"),
        ("  minimal:tiers: [data, [app]]\n", "minimal:tiers", "must be of type List<string>"),
    ],
)
def test_declared_types_are_enforced(project: Path, line: str, field: str, message: str) -> None:
    text = (MINIMAL / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    path = write_stack(
        project, text + line if field not in text else text.replace("  minimal:volumeSize: 20\n", line)
    )
    error = input_error(project)
    assert error.file == str(path)
    assert error.field == field
    assert message in error.message


def test_declared_secrets_must_be_secure(project: Path) -> None:
    text = (MINIMAL / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    write_stack(project, text.split("  minimal:dbPassword:")[0] + "  minimal:dbPassword: hunter2\n")
    error = input_error(project)
    assert error.field == "minimal:dbPassword"
    assert "encrypted" in error.message
    assert "hunter2" not in error.line()


def test_required_keys_must_be_set(project: Path) -> None:
    text = (MINIMAL / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    write_stack(project, text.split("  minimal:dbPassword:")[0])
    error = input_error(project)
    assert error.field == "minimal:dbPassword"
    assert "missing" in error.message


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("  minimal:volumeSize: 20\n", "  minimal:volumeSize: 5000\n", "minimal:volumeSize"),
        ("    - name: scratch\n", "    - name: Scratch_Disk\n", "minimal:volumes[1].name"),
        ("  openstack:region: CONTRACT-1\n", "", "openstack:region"),
    ],
)
def test_config_model_errors_name_the_stack_file_and_key(
    project: Path, old: str, new: str, field: str
) -> None:
    text = (MINIMAL / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    assert old in text
    path = write_stack(project, text.replace(old, new))
    error = input_error(project)
    assert error.file == str(path)
    assert error.field == field


def test_a_failing_program_is_one_line_naming_where(project: Path) -> None:
    (project / "__main__.py").write_text("import pulumi\n\nraise KeyError('tier')\n", encoding="utf-8")
    error = input_error(project)
    assert error.file.endswith("__main__.py")
    assert error.message == "the program failed: __main__.py line 3: KeyError: 'tier'"


def test_only_python_projects_run(project: Path) -> None:
    (project / "Pulumi.yaml").write_text("name: minimal\nruntime: nodejs\n", encoding="utf-8")
    error = input_error(project)
    assert error.field == "runtime"


def test_declared_catalog_overlays(project: Path) -> None:
    assert declared_catalog_overlays(project, "dev") == [(project / "overlay.yaml").resolve()]
    (project / "overlay.yaml").unlink()
    with pytest.raises(InputError) as caught:
        declared_catalog_overlays(project, "dev")
    assert caught.value.field == "souverain:catalogOverlays"


def test_a_catalog_without_the_declared_overlay_is_refused() -> None:
    without = load_catalog([SMALL_CATALOG], replace=True)
    with pytest.raises(InputError) as caught:
        run_project_offline(MINIMAL, "dev", without)
    assert caught.value.file.endswith("overlay.yaml")
    with_overlay = load_catalog([SMALL_CATALOG, (MINIMAL / "overlay.yaml").resolve()], replace=True)
    assert run_project_offline(MINIMAL, "dev", with_overlay).stack == "dev"


def test_preview_shows_the_tree_and_counts() -> None:
    result = CliRunner().invoke(main, ["preview", str(MINIMAL), "--stack", "dev"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "minimal / dev" in out
    assert f"|- {VOLUME}  extracts  [CONTRACT-1, tier data]" in out
    assert f"     2  {VOLUME}" in out
    assert "     2  data" in out
    assert SECURE_PLACEHOLDER not in out


def test_preview_json() -> None:
    result = CliRunner().invoke(main, ["preview", str(MINIMAL), "--stack", "dev", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["by_type"][VOLUME] == 2
    assert data["counts"]["by_tier"] == {"app": 1, "data": 2}
    stack = next(r for r in data["resources"] if r["type"] == "pulumi:pulumi:Stack")
    assert all(r["parent"] == stack["address"] for r in data["resources"] if r["type"] == VOLUME)
    assert data["outputs"]["password"] == "[secret]"


def test_preview_bad_input_is_one_line_exit_2(project: Path) -> None:
    write_stack(project, "config:\n  minimal:volumeSize: lots\n")
    result = CliRunner().invoke(main, ["preview", str(project), "--stack", "dev"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "Pulumi.dev.yaml: minimal:volumeSize:" in result.output


def test_tiers_come_from_tags_then_dependencies_then_components() -> None:
    def res(
        name: str, type_: str, parent: str | None, tier: str | None = None, deps: tuple[str, ...] = ()
    ) -> Resource:
        return Resource(
            address=name,
            type=type_,
            name=name,
            parent=parent,
            dependencies=deps,
            custom=not type_.startswith("souverain:"),
            tags={"tier": tier} if tier else {},
        )

    resources = [
        res("net", "souverain:network:IsolatedNetwork", None),
        res("sg-app", "openstack:networking/secGroup:SecGroup", "net", "app"),
        res("sg-data", "openstack:networking/secGroup:SecGroup", "net", "data"),
        res("rule-app", "openstack:networking/secGroupRule:SecGroupRule", "net", deps=("sg-app",)),
        res(
            "rule-between",
            "openstack:networking/secGroupRule:SecGroupRule",
            "net",
            deps=("sg-app", "sg-data"),
        ),
        res("loose", "openstack:blockstorage/volume:Volume", None),
    ]
    assert tiers_of(resources) == {
        "net": "(none)",
        "sg-app": "app",
        "sg-data": "data",
        "rule-app": "app",
        "rule-between": "IsolatedNetwork",
        "loose": "(none)",
    }
