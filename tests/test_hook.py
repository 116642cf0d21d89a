"""`souverain hook FILES...`, the pre-commit entry: several files at once, each mapped to the Pulumi project
or plan it belongs to; the exit code is the worst of the checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES
from souverain.cli.main import main

from souverain.errors import InputError
from souverain.hook import HookTarget, hook_targets

ROOT = Path(__file__).resolve().parent.parent
FAILING_PLAN = FIXTURES / "crossguard" / "preview.json"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An agency repository: a Pulumi project (passes), a plan file (fails), and files of neither."""
    shutil.copytree(ROOT / "stacks" / "agency-template", tmp_path / "infra" / "app")
    (tmp_path / "infra" / "app" / "lib").mkdir()
    (tmp_path / "infra" / "app" / "lib" / "naming.py").write_text("PREFIX = 'x'\n", encoding="utf-8")
    (tmp_path / "plans").mkdir()
    shutil.copy(FAILING_PLAN, tmp_path / "plans" / "prod-plan.json")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "settings.json").write_text("{}", encoding="utf-8")
    (tmp_path / "package.json").write_text("{}", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_files_map_to_their_project_once_and_plans_to_themselves(repo: Path) -> None:
    files = [
        "infra/app/__main__.py",
        "infra/app/Pulumi.dev.yaml",
        "infra/app/lib/naming.py",
        "infra/app/catalog-overlay.yaml",
        "plans/prod-plan.json",
        "docs/settings.json",
        "package.json",
    ]
    assert hook_targets(files) == [HookTarget("plans/prod-plan.json"), HookTarget("infra/app", "dev")]


def test_a_project_is_checked_once_per_stack_file_or_per_given_stack(repo: Path) -> None:
    shutil.copy(repo / "infra/app/Pulumi.dev.yaml", repo / "infra/app/Pulumi.prod.yaml")
    assert hook_targets(["infra/app/__main__.py"]) == [
        HookTarget("infra/app", "dev"),
        HookTarget("infra/app", "prod"),
    ]
    assert hook_targets(["infra/app/__main__.py"], ["prod"]) == [HookTarget("infra/app", "prod")]
    # A folder given instead of a file (a Pulumi project folder) maps the same way.
    assert hook_targets(["infra/app"], ["dev"]) == [HookTarget("infra/app", "dev")]


def test_a_project_without_stack_file_needs_stack(repo: Path) -> None:
    (repo / "infra/app/Pulumi.dev.yaml").unlink()
    with pytest.raises(InputError, match=r"without a Pulumi\.<stack>\.yaml"):
        hook_targets(["infra/app/__main__.py"])


@pytest.mark.slow
def test_hook_exit_code_is_the_worst_of_the_checks(repo: Path) -> None:
    clean = CliRunner().invoke(main, ["hook", "infra/app/__main__.py", "docs/settings.json"])
    assert clean.exit_code == 0, clean.output
    assert clean.stdout.count("souverain check:") == 1
    both = CliRunner().invoke(main, ["hook", "infra/app/__main__.py", "plans/prod-plan.json"])
    assert both.exit_code == 1
    headings = [line for line in both.stdout.splitlines() if line.startswith("souverain check:")]
    assert headings[0].startswith("souverain check: plans/prod-plan.json")
    assert headings[1].startswith("souverain check: infra/app/Pulumi.yaml")


def test_hook_with_nothing_to_check_passes_and_bad_input_is_exit_2(repo: Path) -> None:
    nothing = CliRunner().invoke(main, ["hook", "package.json", "docs/settings.json"])
    assert nothing.exit_code == 0
    assert nothing.stdout == ""
    (repo / "plans" / "prod-plan.json").write_text("{not json", encoding="utf-8")
    broken = CliRunner().invoke(main, ["hook", "plans/prod-plan.json"])
    assert broken.exit_code == 2
    assert broken.stderr.startswith("souverain: error: plans/prod-plan.json")
