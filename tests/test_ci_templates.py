"""The pull-request templates run real `souverain check` commands and hand their reports on."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from souverain.cli.main import main as cli

check_command = cli.commands["check"]

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "souverain.yml"
GITLAB = ROOT / "ci" / "gitlab-souverain.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PRECOMMIT = ROOT / ".pre-commit-config.yaml"


def expand(text: str, env: Mapping[str, Any]) -> str:
    """`$NAME` and `${NAME}` from the template's own variables, as the runner's shell would."""
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: str(env.get(m.group(1), m.group(0))), text)


def souverain_commands(script: str, env: Mapping[str, Any]) -> list[click.Context]:
    """Every `souverain check` in a shell script, parsed by the real command (not run)."""
    contexts = []
    for line in script.splitlines():
        line = line.strip()
        if not line.startswith("souverain "):
            continue
        command = line.split("||", 1)[0]
        words = [expand(word, env) for word in shlex.split(command)]
        assert words[:2] == ["souverain", "check"], line
        contexts.append(check_command.make_context("check", words[2:]))
    return contexts


# --- GitHub Actions ----------------------------------------------------------------------------------------


def workflow_job() -> tuple[dict[str, Any], dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert "pull_request" in triggers
    (job,) = workflow["jobs"].values()
    return workflow, job


def test_workflow_checks_then_uploads_the_sarif_it_wrote() -> None:
    _, job = workflow_job()
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert any(use.startswith("actions/checkout@") for use in uses)
    assert any(use.startswith("actions/setup-python@") for use in uses)
    (run,) = [step for step in steps if "souverain check" in step.get("run", "")]
    (context,) = souverain_commands(run["run"], job.get("env", {}))
    assert context.params["fmt"] == "sarif"
    (upload,) = [
        step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    ]
    assert upload["uses"].endswith("@v3")
    assert upload["with"]["sarif_file"] == context.params["output"]
    assert "always()" in upload["if"]
    assert f"hashFiles('{context.params['output']}')" in upload["if"]
    assert steps.index(upload) > steps.index(run)


def test_workflow_inputs_exist_in_this_repository() -> None:
    _, job = workflow_job()
    (run,) = [step for step in job["steps"] if "souverain check" in step.get("run", "")]
    (context,) = souverain_commands(run["run"], job["env"])
    assert (ROOT / context.params["target"] / "Pulumi.yaml").is_file()
    assert (ROOT / context.params["waivers"]).is_file()


@pytest.mark.slow
def test_workflow_command_writes_valid_sarif(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workflow's own command, run from the repository root as the runner does."""
    from click.testing import CliRunner

    _, job = workflow_job()
    (run,) = [step for step in job["steps"] if "souverain check" in step.get("run", "")]
    line = next(line for line in run["run"].splitlines() if line.strip().startswith("souverain check"))
    words = [expand(word, job["env"]) for word in shlex.split(line)]
    output = words[words.index("--output") + 1]
    words[words.index("--output") + 1] = str(tmp_path / output)
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, words[1:])
    assert result.exit_code in (0, 1), result.stderr
    sarif = json.loads((tmp_path / output).read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "souverain"


# --- GitLab CI ---------------------------------------------------------------------------------------------


def test_gitlab_reports_are_the_files_the_checks_write() -> None:
    template = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    job = template["souverain"]
    contexts = souverain_commands("\n".join(job["script"]), job["variables"])
    outputs = {context.params["fmt"]: context.params["output"] for context in contexts}
    reports = job["artifacts"]["reports"]
    assert reports["codequality"] == outputs["gitlab"]
    assert reports["junit"] == outputs["junit"]
    assert job["artifacts"]["when"] == "always"
    assert (ROOT / contexts[0].params["waivers"]).is_file()


def test_gitlab_job_fails_on_the_last_check_only() -> None:
    """The first check may find (exit 1) and the job goes on to write JUnit; bad input (exit 2) stops it."""
    job = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))["souverain"]
    checks = [line for line in job["script"] if line.startswith("souverain check")]
    assert len(checks) == 2
    assert checks[0].endswith("|| test $? -eq 1")
    assert "||" not in checks[1]


# --- pre-commit --------------------------------------------------------------------------------------------


def test_hook_manifest_is_valid_and_runs_souverain_check() -> None:
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(HOOKS))
    assert hook["id"] == "souverain-check"
    assert hook["language"] == "python"
    script, *args = shlex.split(hook["entry"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert script in scripts
    assert args == ["check"]
    # pre-commit appends the file name after the hook's args: the command must accept that.
    context = check_command.make_context("check", ["--waivers", "waivers.yaml", "infra/preview.json"])
    assert context.params["target"] == "infra/preview.json"


@pytest.mark.parametrize(
    ("name", "matched"),
    [
        ("preview.json", True),
        ("infra/prod/plan.json", True),
        ("tfplan.json", True),
        ("stacks/hdh/prod-preview.json", True),
        ("stack-export.json", True),
        ("package.json", False),
        ("tsconfig.json", False),
        ("planning.json", False),
        ("preview.yaml", False),
    ],
)
def test_hook_files_pattern_selects_plan_files(name: str, matched: bool) -> None:
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(HOOKS))
    assert bool(re.search(hook["files"], name)) is matched


def test_project_hooks_run_ruff_and_the_strict_typecheck() -> None:
    from pre_commit.clientlib import load_config

    config = load_config(str(PRECOMMIT))
    hooks = {hook["id"]: (repo["repo"], hook) for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format", "mypy", "trailing-whitespace", "check-yaml"} <= set(hooks)
    repo, mypy = hooks["mypy"]
    assert repo == "local"
    assert shlex.split(mypy["entry"])[-1] == "tools/typecheck.py"
    assert (ROOT / "tools" / "typecheck.py").is_file()
    assert mypy["pass_filenames"] is False
