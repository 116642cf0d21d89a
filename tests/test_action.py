"""The GitHub Action (action.yml) and the GitLab CI/CD component (templates/souverain.yml): their scripts are
run here as the runners run them, with souverain on PATH, and their reports read back."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
COMPONENT = ROOT / "templates" / "souverain.yml"
PLAN = ROOT / "tests" / "fixtures" / "crossguard" / "preview.json"
CATALOG = ROOT / "tests" / "fixtures" / "catalogs" / "small.yaml"
BIN = str(Path(sys.executable).parent)

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the runners' scripts are bash")


def action() -> dict[str, Any]:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def step(name: str) -> dict[str, Any]:
    (found,) = [s for s in action()["runs"]["steps"] if s.get("name") == name]
    return found


def run_check_step(tmp_path: Path, **inputs: str) -> tuple[int, dict[str, str], str]:
    """The `souverain check` step's script, its `${{ inputs.* }}` given as the runner would, with defaults."""
    declared = action()["inputs"]
    values = {name: spec.get("default", "") for name, spec in declared.items()} | inputs
    check = step("souverain check")
    env = {
        key: re.sub(r"\$\{\{ inputs\.([a-z-]+) \}\}", lambda m: values[m.group(1)], value)
        for key, value in check["env"].items()
    }
    outputs, summary = tmp_path / "output", tmp_path / "summary"
    env |= {"GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary)}
    env |= {"PATH": f"{BIN}:{os.environ['PATH']}", "HOME": os.environ.get("HOME", str(tmp_path))}
    result = subprocess.run(
        ["bash", "-e", "-c", check["run"]], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    written = (
        dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines())
        if (outputs.exists())
        else {}
    )
    return result.returncode, written, summary.read_text(encoding="utf-8") if summary.exists() else ""


def test_action_inputs_are_the_documented_ones() -> None:
    inputs = action()["inputs"]
    assert {
        "target",
        "stack",
        "catalog",
        "waivers",
        "policy-config",
        "formats",
        "fail-on",
        "python-version",
    } <= set(inputs)
    assert inputs["target"]["required"] is True
    assert action()["runs"]["using"] == "composite"


def test_action_installs_pinned_and_hashed_without_this_repositorys_lock_or_dev_tools() -> None:
    script = step("Install souverain (pinned, hashed)")["run"]
    installs = [line.strip() for line in script.splitlines() if " install " in line]
    assert installs
    assert all("--require-hashes" in line or "--no-deps" in line for line in installs)
    assert "requirements/ci.txt" not in script
    assert "[dev]" not in script
    assert "souverain==" not in script
    assert "$GITHUB_ACTION_PATH/src/souverain/data/runtime-requirements.txt" in script
    assert (ROOT / "src/souverain/data/runtime-requirements.txt").is_file()


def test_action_check_writes_every_format_asked_and_the_summary(tmp_path: Path) -> None:
    code, outputs, summary = run_check_step(
        tmp_path, target=str(PLAN), catalog=f"{CATALOG}\n", formats="sarif, markdown,json,junit"
    )
    assert code == 0  # findings do not stop this step: the SARIF upload comes first
    assert outputs["exit-code"] == "1"
    assert outputs["sarif"] == "souverain.sarif"
    assert outputs["markdown"] == "souverain-summary.md"
    assert json.loads((tmp_path / "souverain.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert json.loads((tmp_path / "souverain.json").read_text(encoding="utf-8"))["summary"]["mandatory"] == 5
    assert (tmp_path / "souverain-junit.xml").is_file()
    assert summary.splitlines()[1] == "### souverain check: ❌ FAIL"
    upload = step("Upload SARIF to code scanning")
    assert "always()" in upload["if"]
    assert "steps.check.outputs.sarif != ''" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif }}"
    assert step("Verdict")["run"] == 'exit "$EXIT_CODE"'


def test_action_fail_on_reaches_the_check(tmp_path: Path) -> None:
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"qualified-region": "disabled", "qualified-endpoint": "disabled"}))
    common = {"target": str(PLAN), "catalog": str(CATALOG), "policy-config": str(config), "formats": "sarif"}
    assert run_check_step(tmp_path, **common)[1]["exit-code"] == "1"
    assert run_check_step(tmp_path, **common, **{"fail-on": "critical"})[1]["exit-code"] == "0"


def test_action_bad_input_fails_the_step_at_once(tmp_path: Path) -> None:
    code, outputs, _ = run_check_step(tmp_path, target=str(tmp_path / "missing.json"))
    assert code == 2
    assert "sarif" not in outputs  # no report, so nothing to upload
    assert run_check_step(tmp_path, target=str(PLAN), formats="sarif,html")[0] == 2


# --- GitLab CI/CD component -------------------------------------------------------------------------------


def component() -> tuple[dict[str, Any], dict[str, Any]]:
    spec, jobs = yaml.safe_load_all(COMPONENT.read_text(encoding="utf-8"))
    return spec["spec"]["inputs"], jobs


def test_component_inputs_are_declared_and_used() -> None:
    inputs, _ = component()
    text = COMPONENT.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    used = set(re.findall(r"\$\[\[ inputs\.([a-z-]+) \]\]", text))
    assert used == set(inputs)
    assert "default" not in inputs["target"]  # required


def test_component_job_writes_its_reports_in_one_run(tmp_path: Path) -> None:
    inputs, jobs = component()
    values = {name: spec.get("default", "") for name, spec in inputs.items()}
    values |= {"target": str(PLAN), "catalog": str(CATALOG)}

    def interpolate(text: str) -> str:
        return re.sub(r"\$\[\[ inputs\.([a-z-]+) \]\]", lambda m: str(values[m.group(1)]), text)

    ((name, job),) = jobs.items()
    assert interpolate(name) == "souverain"
    script = job["script"]
    assert any("--require-hashes" in line for line in script if "pip install" in line)
    check = [line for line in script if "souverain " in line and "pip" not in line]
    env = {key: interpolate(str(value)) for key, value in job["variables"].items()}
    env |= {"PATH": f"{BIN}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["sh", "-e", "-c", "\n".join(check)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr  # the job fails on a mandatory finding, reports written
    reports = job["artifacts"]["reports"]
    assert len(json.loads((tmp_path / reports["codequality"]).read_text(encoding="utf-8"))) == 5
    assert (tmp_path / reports["junit"]).read_text(encoding="utf-8").startswith("<?xml")
    assert job["artifacts"]["when"] == "always"
