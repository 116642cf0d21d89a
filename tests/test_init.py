"""`souverain init DIR`: a new agency project that `souverain check DIR --stack dev` passes at once; and the
whole path an agency takes: scaffold, install as documented, check, break, read the findings in SARIF."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from souverain.cli.main import main

from souverain.scaffold import init_project, requirements_text

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "stacks" / "agency-template"
TEST_CATALOG = ROOT / "tests" / "fixtures" / "catalogs" / "small.yaml"


def test_init_writes_a_project_named_after_its_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "ministere-x")])
    assert result.exit_code == 0, result.output
    project = tmp_path / "ministere-x"
    names = sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())
    assert names == [
        ".github/workflows/souverain.yml",
        ".gitignore",
        ".gitlab-ci.yml",
        "Pulumi.dev.yaml",
        "Pulumi.yaml",
        "README.md",
        "__main__.py",
        "agency_config.py",
        "catalog-overlay.yaml",
        "policy-config.json",
        "requirements.txt",
        "waivers.yaml",
    ]
    assert yaml.safe_load((project / "Pulumi.yaml").read_text(encoding="utf-8"))["name"] == "ministere-x"
    stack = yaml.safe_load((project / "Pulumi.dev.yaml").read_text(encoding="utf-8"))["config"]
    assert stack["ministere-x:owner"] == "platform-team"
    assert not [key for key in stack if key.startswith("__PROJECT__")]
    assert yaml.safe_load((project / "waivers.yaml").read_text(encoding="utf-8")) == {
        "schema_version": 1,
        "waivers": [],
    }


def test_example_values_are_plainly_marked(tmp_path: Path) -> None:
    project = init_project(tmp_path / "agency", "agency").directory
    overlay = (project / "catalog-overlay.yaml").read_text(encoding="utf-8")
    assert overlay.startswith("# EXAMPLE VALUES, to be replaced with your contract's")
    data = yaml.safe_load(overlay)
    (offer,) = data["offers"]
    assert "EXAMPLE" in offer["name"]
    assert "EXAMPLE" in offer["status"]
    assert all("EXAMPLE" in region["source"]["url"] for region in offer["regions"])
    assert "EXAMPLE" in (project / "Pulumi.dev.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert "EXAMPLE" in (project / "Pulumi.yaml").read_text(encoding="utf-8")


def test_the_program_is_the_agency_templates(tmp_path: Path) -> None:
    """One program to maintain: the scaffold's files are the template's, byte for byte."""
    project = init_project(tmp_path / "agency").directory
    for name in ("__main__.py", "agency_config.py", "policy-config.json"):
        assert (project / name).read_bytes() == (TEMPLATE / name).read_bytes(), name


@pytest.mark.parametrize("name", ["my agency", "ministère", "a/b", "", "x" * 101, "name!"])
def test_a_name_pulumi_refuses_is_refused(tmp_path: Path, name: str) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "p"), "--name", name])
    assert result.exit_code == 2
    assert "is not a Pulumi project name" in result.stderr
    assert not (tmp_path / "p").exists()


def test_names_pulumi_accepts_are_accepted(tmp_path: Path) -> None:
    for name in ("a", "Ministere_X.infra-2", "x" * 100):
        assert init_project(tmp_path / name[:20], name).directory.is_dir()


def test_a_non_empty_folder_is_refused_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not empty" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    afile = tmp_path / "notes.txt"
    assert CliRunner().invoke(main, ["init", str(afile)]).exit_code == 2


def test_requirements_pin_souverain_by_hash_and_every_dependency(tmp_path: Path) -> None:
    line = (
        "souverain @ https://example.test/souverain-0.1.0-py3-none-any.whl \\\n    --hash=sha256:" + "a" * 64
    )
    text = requirements_text(line, None)
    assert line in text
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, flags=re.MULTILINE)
    names = {name.lower() for name, _ in pins}
    assert {"pulumi", "pulumi-openstack", "pydantic", "click", "pyyaml", "rich", "msgspec"} <= names
    assert not {"pytest", "mypy", "ruff", "hypothesis"} & names  # development tools stay out
    # Every requirement carries at least one hash, as `pip install --require-hashes` demands.
    blocks = re.split(r"\n(?=[A-Za-z])", text[text.index("\nsouverain @") + 1 :])
    assert all("--hash=sha256:" in block for block in blocks)


def test_without_a_pinnable_install_requirements_say_so_and_pin_nothing_by_name() -> None:
    text = requirements_text(None, "souverain 0.1.0 was installed from file:///src, not from a release wheel")
    assert "\nsouverain" not in text.replace("\nsouverain's", "")  # no bare, unpinned `souverain` line
    assert "# souverain @ https://<release wheel URL> --hash=sha256:<its sha256>" in text


def test_runtime_requirements_are_up_to_date_with_the_lock() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "runtime_requirements.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_ci_files_use_the_action_and_the_component(tmp_path: Path) -> None:
    project = init_project(tmp_path / "agency").directory
    workflow = yaml.safe_load((project / ".github/workflows/souverain.yml").read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    (step,) = [s for s in job["steps"] if s.get("uses", "").startswith("health-data-hub/souverain@")]
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert set(step["with"]) <= set(action["inputs"])
    assert step["with"]["requirements"] == "requirements.txt"
    assert job["strategy"]["matrix"]["stack"] == ["dev"]
    assert step["with"]["stack"] == "${{ matrix.stack }}"
    gitlab = yaml.safe_load((project / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    (include,) = gitlab["include"]
    assert include["component"].startswith("$CI_SERVER_FQDN/health-data-hub/souverain/souverain@")
    spec = next(yaml.safe_load_all((ROOT / "templates" / "souverain.yml").read_text(encoding="utf-8")))
    assert set(include["inputs"]) <= set(spec["spec"]["inputs"])


@pytest.mark.slow
def test_the_new_project_passes_at_once(tmp_path: Path) -> None:
    project = tmp_path / "ministere-x"
    assert CliRunner().invoke(main, ["init", str(project)]).exit_code == 0
    waivers = str(project / "waivers.yaml")
    result = CliRunner().invoke(main, ["check", str(project), "--stack", "dev", "--waivers", waivers])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "PASS: no mandatory finding"


# --- the whole path ---------------------------------------------------------------------------------------


def _venv(path: Path) -> Path:
    """A fresh virtualenv without pip or setuptools of its own, seeing this test environment's packages (the
    dependencies, installed from the same lock) behind its own site-packages, where souverain goes. pip is
    this environment's, pointed at it (`--python`): no index is reached (`--no-index`)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return python


def _pip(python: Path, *args: str) -> None:
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", *args],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


def _souverain(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python.parent / "souverain"), *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def _sarif_locations(path: Path) -> dict[str, list[tuple[str, int]]]:
    """ruleId -> (file, line) of every result, as code scanning reads them."""
    found: dict[str, list[tuple[str, int]]] = {}
    for result in json.loads(path.read_text(encoding="utf-8"))["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        where = (location["artifactLocation"]["uri"], location["region"]["startLine"])
        found.setdefault(result["ruleId"], []).append(where)
    return found


def _line_of(path: Path, text: str) -> int:
    (line,) = [
        n for n, content in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in content
    ]
    return line


BREAKAGES = """
import pulumi_openstack as openstack

on_this_provider = pulumi.ResourceOptions(provider=provider.provider)
open_db = openstack.networking.SecGroupRule(
    "open-db", direction="ingress", ethertype="IPv4", protocol="tcp", port_range_min=5432,
    port_range_max=5432, remote_ip_prefix="0.0.0.0/0", security_group_id=network.security_groups["data"].id,
    opts=on_this_provider,
)
scratch = openstack.blockstorage.Volume("scratch", size=10, opts=on_this_provider)
debian = openstack.images.Image(
    "debian", image_source_url="https://storage.bigcloudapis.test/debian-12.qcow2",
    container_format="bare", disk_format="qcow2", opts=on_this_provider,
)
"""


@pytest.mark.slow
def test_whole_path_init_install_check_break_and_read_sarif(tmp_path: Path) -> None:
    """As another agency: install souverain from its release wheel pinned by sha256, `souverain init` a
    project outside this repository, install the project's requirements.txt as its README says, check it
    (passes), then break it five ways and find each finding in SARIF at the file and line to fix."""
    assert ROOT not in tmp_path.parents
    # The maintainers' release: the wheel, built from this tree.
    dist = tmp_path / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist)]
    subprocess.run(
        [*build, str(ROOT)], check=True, capture_output=True, env={**os.environ, "PIP_NO_INDEX": "1"}
    )
    (wheel,) = dist.glob("souverain-*-py3-none-any.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    release_line = f"souverain @ {wheel.as_uri()} --hash=sha256:{digest}"
    # A platform engineer installs it as docs/security.md says (one pinned line), then scaffolds.
    tools = _venv(tmp_path / "tools")
    (tmp_path / "bootstrap.txt").write_text(release_line + "\n", encoding="utf-8")
    _pip(tools, "--no-deps", "--require-hashes", "-r", str(tmp_path / "bootstrap.txt"))
    work = tmp_path / "work"
    work.mkdir()
    (work / ".git").mkdir()  # the agency's repository: SARIF paths are relative to its root
    created = _souverain(tools, "init", "ministere-x", cwd=work)
    assert created.returncode == 0, created.stderr
    project = work / "ministere-x"
    requirements = (project / "requirements.txt").read_text(encoding="utf-8")
    assert f"souverain @ {wheel.as_uri()} \\\n    --hash=sha256:{digest}" in requirements
    # The project's own environment, installed exactly as its README says.
    env_python = _venv(tmp_path / "venv")
    _pip(env_python, "--require-hashes", "-r", str(project / "requirements.txt"))
    origin = subprocess.run(
        [str(env_python), "-c", "import souverain; print(souverain.__file__)"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert origin.startswith(str(tmp_path / "venv")), origin  # the installed wheel, not this checkout

    def check(*extra: str) -> tuple[int, dict[str, list[tuple[str, int]]], str]:
        sarif = tmp_path / "souverain.sarif"
        sarif.unlink(missing_ok=True)
        args = ["check", "ministere-x", "--stack", "dev", "--waivers", "ministere-x/waivers.yaml", *extra]
        run = _souverain(env_python, *args, "--report", f"sarif={sarif}", cwd=work)
        assert run.returncode in (0, 1), run.stderr
        return run.returncode, _sarif_locations(sarif), run.stdout

    code, found, text = check()
    assert code == 0, text
    assert found == {}

    # A test catalog overlay adds a US hyperscaler (BigCloud) and a non-qualified offer (region PUB-1).
    test_catalog = ("--catalog", str(TEST_CATALOG))
    stack_file = project / "Pulumi.dev.yaml"
    program = project / "__main__.py"
    clean_stack = stack_file.read_text(encoding="utf-8")

    # 1. A non-qualified region: the provider component refuses it, at the stack file's line.
    stack_file.write_text(clean_stack.replace("openstack:region: SNC-AGENCY-1", "openstack:region: PUB-1"))
    code, found, _ = check(*test_catalog)
    assert code == 1
    assert found["component-refused"] == [("ministere-x/Pulumi.dev.yaml", _line_of(stack_file, "PUB-1"))]
    stack_file.write_text(clean_stack, encoding="utf-8")

    # 2. A plaintext secret in the stack file (a provider credential), at its line.
    stack_file.write_text(clean_stack + "  openstack:password: Plain-Passw0rd-xyz\n", encoding="utf-8")
    code, found, text = check(*test_catalog)
    assert code == 1
    assert ("ministere-x/Pulumi.dev.yaml", _line_of(stack_file, "openstack:password")) in found[
        "stack-config-plaintext-secret"
    ]
    assert "Plain-Passw0rd-xyz" not in text
    assert "Plain-Passw0rd-xyz" not in (tmp_path / "souverain.sarif").read_text(encoding="utf-8")
    stack_file.write_text(clean_stack, encoding="utf-8")

    # 3-5. A rule open to the internet, an unencrypted volume, an image from a US-controlled host: each at
    # the line of the program that declares it.
    program.write_text(program.read_text(encoding="utf-8") + BREAKAGES, encoding="utf-8")
    code, found, _ = check(*test_catalog)
    assert code == 1
    program_file = "ministere-x/__main__.py"
    assert found["no-public-ingress"] == [(program_file, _line_of(program, "open_db = "))]
    assert found["encrypted-storage"] == [(program_file, _line_of(program, "scratch = "))]
    assert found["no-us-controlled-service"] == [(program_file, _line_of(program, "debian = "))]
