"""The `souverain` script (`cli.main.run`): the same output and exit codes as `main`, with a hard exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from souverain.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"
PLAN = FIXTURES / "plans" / "tofu-plan-modules.json"
SMALL_CATALOG = FIXTURES / "catalogs" / "small.yaml"
ARGS = ["check", str(PLAN), "--catalog", str(SMALL_CATALOG), "--replace-catalog", "--format", "json"]


def _script(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "souverain.cli", *args], capture_output=True, check=False)


def test_the_script_writes_what_main_writes_and_exits_with_its_code() -> None:
    in_process = CliRunner().invoke(main, ARGS)
    script = _script(*ARGS)
    assert in_process.exit_code in (0, 1)
    assert script.returncode == in_process.exit_code
    assert json.loads(script.stdout) == json.loads(in_process.output)  # flushed whole before the exit
    assert script.stderr == b""


def test_an_input_error_is_one_line_and_exit_2_through_the_script(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"format_version": "1.2", "resource_changes": 3}')
    result = _script("check", str(bad))
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1
    assert "resource_changes" in result.stderr.decode()
    assert result.stdout == b""


def test_usage_errors_and_help_keep_clicks_exit_codes() -> None:
    assert _script("--help").returncode == 0
    assert _script("check").returncode == 2  # missing argument
    assert _script("no-such-command").returncode == 2


def _large_plan(tmp_path: Path) -> Path:
    """The fixture plan with its managed resources repeated under new addresses: a report of ~1 MB, more
    than a pipe holds, so that the script is still writing when the reader goes away."""
    plan = json.loads(PLAN.read_text())
    managed = [c for c in plan["resource_changes"] if c.get("mode") == "managed"]
    for copy in range(300):
        for change in managed:
            plan["resource_changes"].append({**change, "address": f"{change['address']}_copy{copy}"})
    path = tmp_path / "large-plan.json"
    path.write_text(json.dumps(plan))
    return path


def test_a_reader_that_closes_the_pipe_early_gets_no_traceback(tmp_path: Path) -> None:
    args = ["check", str(_large_plan(tmp_path)), *ARGS[2:]]
    script = subprocess.Popen(
        [sys.executable, "-m", "souverain.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert script.stdout is not None
    assert script.stderr is not None
    assert script.stdout.read(10)
    script.stdout.close()  # like `| head -c 10`
    stderr = script.stderr.read()
    script.wait(timeout=120)
    assert b"Traceback" not in stderr
    assert script.returncode in (0, 1, 2)
