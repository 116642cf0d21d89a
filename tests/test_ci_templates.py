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
    for index, word in enumerate(words[:-1]):
        if word == "--report":  # every report into the temporary folder, none into the repository
            fmt, _, path = words[index + 1].partition("=")
            words[index + 1] = f"{fmt}={tmp_path / path}"
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, words[1:])
    assert result.exit_code in (0, 1), result.stderr
    sarif = json.loads((tmp_path / output).read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "souverain"
    summary = (tmp_path / "souverain-summary.md").read_text(encoding="utf-8")
    assert summary.splitlines()[1].endswith("PASS" if result.exit_code == 0 else "FAIL")
    (step,) = [step for step in job["steps"] if "GITHUB_STEP_SUMMARY" in step.get("run", "")]
    assert "souverain-summary.md" in step["run"]
    assert "always()" in step["if"]


# --- GitLab CI ---------------------------------------------------------------------------------------------


def report_files(context: click.Context) -> dict[str, str]:
    """format -> file of every report a parsed `souverain check` writes (`--output` and `--report`)."""
    files = {context.params["fmt"]: context.params["output"]} if context.params["output"] else {}
    for request in context.params["reports"]:
        fmt, _, path = request.partition("=")
        files[fmt] = path
    return files


def test_gitlab_reports_are_the_files_the_check_writes() -> None:
    template = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    job = template["souverain"]
    (context,) = souverain_commands("\n".join(job["script"]), job["variables"])
    outputs = report_files(context)
    reports = job["artifacts"]["reports"]
    assert reports["codequality"] == outputs["gitlab"]
    assert reports["junit"] == outputs["junit"]
    assert job["artifacts"]["when"] == "always"
    assert (ROOT / context.params["waivers"]).is_file()
    # One run, so its exit code is the job's: nothing may swallow it.
    (line,) = [line for line in job["script"] if line.startswith("souverain check")]
    assert "||" not in line


# --- pre-commit --------------------------------------------------------------------------------------------


def test_hook_manifest_is_valid_and_runs_souverain_hook() -> None:
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(HOOKS))
    assert hook["id"] == "souverain-check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    script, *args = shlex.split(hook["entry"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert script in scripts
    assert args == ["hook"]
    # pre-commit appends the file names after the hook's args: the command must accept several.
    hook_command = cli.commands["hook"]
    context = hook_command.make_context(
        "hook", ["--waivers", "waivers.yaml", "infra/preview.json", "stacks/x/__main__.py"]
    )
    assert context.params["files"] == ("infra/preview.json", "stacks/x/__main__.py")
    assert context.params["waivers"] == "waivers.yaml"


@pytest.mark.parametrize(
    ("name", "matched"),
    [
        ("preview.json", True),
        ("infra/prod/plan.json", True),
        ("tfplan.json", True),
        ("stacks/hdh/prod-preview.json", True),
        ("stack-export.json", True),
        ("stacks/hdh/__main__.py", True),
        ("stacks/hdh/Pulumi.prod.yaml", True),
        ("README.md", False),
        ("docs/diagram.png", False),
    ],
)
def test_hook_files_pattern_passes_plans_and_project_files(name: str, matched: bool) -> None:
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
