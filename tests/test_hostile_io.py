"""Inputs are never modified and `--output` is written atomically.

A check reads plan files, catalogs, policy configs, waivers and Pulumi projects that belong to the user:
it must leave every byte, every timestamp and every directory listing as it found them, including a
project it runs offline (no `__pycache__/` left beside the program's modules). A report written with
`--output` replaces the old one whole or not at all, leaves no temporary file, keeps the old file's
permissions, and may not overwrite one of the check's own inputs.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hostile_support import PLANS, SMALL_CATALOG

from souverain.checker import write_atomically
from souverain.errors import InputError

FORMATS = ("text", "json", "sarif", "junit", "gitlab")
MINIMAL_PROJECT = Path(__file__).parent / "fixtures" / "stacks" / "minimal"
Snapshot = dict[str, tuple[str, int, int]]


def snapshot(folder: Path) -> Snapshot:
    """Every file and folder under `folder`: content hash, permissions and modification time."""
    found: Snapshot = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        found[path.relative_to(folder).as_posix()] = (digest, stat.S_IMODE(info.st_mode), info.st_mtime_ns)
    return found


def _run(*args: str) -> Any:
    from souverain.cli.main import main

    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """A folder of inputs as a user has them: the three plan formats, a catalog, a policy config, waivers."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    for fmt, path in PLANS.items():
        shutil.copy(path, folder / f"{fmt}.json")
    shutil.copy(SMALL_CATALOG, folder / "catalog.yaml")
    (folder / "policy-config.json").write_text(
        json.dumps({"no-public-ingress": {"adminRanges": ["198.51.100.0/24"]}}), encoding="utf-8"
    )
    (folder / "waivers.yaml").write_text(
        "schema_version: 1\nwaivers:\n"
        "  - {policy: no-data-destruction, resource: '*', justification: migration, owner: ops,"
        " expires: 2099-01-01}\n"
        "  - {policy: qualified-region, resource: '*', justification: stale, owner: ops,"
        " expires: 2000-01-01}\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize("fmt", sorted(PLANS))
def test_check_leaves_every_input_as_it_found_it(inputs: Path, tmp_path: Path, fmt: str) -> None:
    before = snapshot(inputs)
    out = tmp_path / "out"
    out.mkdir()
    common = [
        "--catalog",
        str(inputs / "catalog.yaml"),
        "--replace-catalog",
        "--policy-config",
        str(inputs / "policy-config.json"),
        "--waivers",
        str(inputs / "waivers.yaml"),
    ]
    for report_format in FORMATS:
        result = _run("check", str(inputs / f"{fmt}.json"), *common, "--format", report_format)
        assert result.exit_code == 1, result.output
        result = _run(
            "check", str(inputs / f"{fmt}.json"), *common, "--format", report_format, "-o", str(out / "r")
        )
        assert result.exit_code == 1, result.output
    assert snapshot(inputs) == before


def test_an_offline_project_run_writes_nothing_into_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The program's own helper modules are imported; Python would cache their bytecode beside them.
    The test process may run with PYTHONDONTWRITEBYTECODE: it is switched off here, as on a user's machine."""
    project = tmp_path / "project"
    shutil.copytree(MINIMAL_PROJECT, project)
    before = snapshot(project)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    for report_format in FORMATS:
        result = _run("check", str(project), "--stack", "dev", "--format", report_format)
        assert result.exit_code in (0, 1), result.output
    result = _run("preview", str(project), "--stack", "dev")
    assert result.exit_code == 0, result.output
    assert snapshot(project) == before
    assert not (project / "__pycache__").exists()
    assert sys.dont_write_bytecode is False  # restored for the rest of the process


# -- --output --------------------------------------------------------------------------------------------


def test_output_is_written_whole_with_no_temporary_file_left(tmp_path: Path) -> None:
    report = tmp_path / "report.sarif"
    result = _run("check", str(PLANS["pulumi-preview"]), "--format", "sarif", "--output", str(report))
    assert result.exit_code == 1
    assert json.loads(report.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.sarif"]


def test_a_failure_midway_leaves_the_previous_report_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up after half the report is written: the old report is intact, the half is gone."""
    report = tmp_path / "report.json"
    report.write_text('{"previous": "report"}\n', encoding="utf-8")
    real_fdopen = os.fdopen

    class HalfDisk:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> HalfDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: HalfDisk(real_fdopen(fd, *a, **k)))
    result = _run("check", str(PLANS["pulumi-state"]), "--format", "json", "--output", str(report))
    assert result.exit_code == 2
    assert result.stderr == (
        f"souverain: error: {report}: --output: cannot write report: {os.strerror(errno.ENOSPC)}\n"
    )
    assert report.read_text(encoding="utf-8") == '{"previous": "report"}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_an_interruption_midway_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "report.txt"
    report.write_text("old\n", encoding="utf-8")

    def interrupted(source: Any, destination: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(str(report), "new\n")
    assert report.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_output_into_a_missing_folder_is_one_error_line(tmp_path: Path) -> None:
    report = tmp_path / "no" / "such" / "folder" / "report.txt"
    result = _run("check", str(PLANS["terraform-plan"]), "--output", str(report))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"souverain: error: {report}: --output: cannot write report: No such file or directory"
    ]
    assert result.stdout == ""
    assert not (tmp_path / "no").exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_output_keeps_the_old_reports_permissions_or_gets_the_usual_ones(tmp_path: Path) -> None:
    shared = tmp_path / "shared.txt"
    shared.write_text("old\n", encoding="utf-8")
    shared.chmod(0o644)
    write_atomically(str(shared), "new\n")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.txt"
        write_atomically(str(fresh), "new\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # not mkstemp's 0600


@pytest.mark.parametrize("which", ["plan", "catalog", "policy config", "waivers", "project file"])
def test_output_may_not_overwrite_an_input(inputs: Path, tmp_path: Path, which: str) -> None:
    project = tmp_path / "project"
    shutil.copytree(MINIMAL_PROJECT, project)
    args = {
        "plan": ["check", str(inputs / "pulumi-preview.json")],
        "catalog": ["check", str(inputs / "pulumi-preview.json"), "--catalog", str(inputs / "catalog.yaml")],
        "policy config": [
            "check",
            str(inputs / "pulumi-preview.json"),
            "--policy-config",
            str(inputs / "policy-config.json"),
        ],
        "waivers": ["check", str(inputs / "pulumi-preview.json"), "--waivers", str(inputs / "waivers.yaml")],
        "project file": ["check", str(project), "--stack", "dev"],
    }[which]
    victim = {
        "plan": inputs / "pulumi-preview.json",
        "catalog": inputs / "catalog.yaml",
        "policy config": inputs / "policy-config.json",
        "waivers": inputs / "waivers.yaml",
        "project file": project / "Pulumi.dev.yaml",
    }[which]
    before = snapshot(inputs), snapshot(project)
    result = _run(*args, "--output", str(victim))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"souverain: error: {victim}: --output: is an input of this check")
    assert len(result.stderr.splitlines()) == 1
    assert (snapshot(inputs), snapshot(project)) == before


def test_output_may_go_into_the_project_folder(tmp_path: Path) -> None:
    """`souverain check . --stack prod -o souverain.sarif` from the project folder is the usual CI call."""
    project = tmp_path / "project"
    shutil.copytree(MINIMAL_PROJECT, project)
    result = _run(
        "check", str(project), "--stack", "dev", "--format", "sarif", "-o", str(project / "r.sarif")
    )
    assert result.exit_code in (0, 1)
    assert (project / "r.sarif").is_file()


def test_write_atomically_reports_a_folder_as_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(InputError, match="cannot write report"):
        write_atomically(str(tmp_path / "taken"), "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
