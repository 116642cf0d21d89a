"""Every file of the real corpus (`tests/fixtures/real/`, see its README.md) through `souverain check`.

The files were written by the real tools (Terraform, OpenTofu, Pulumi) and gathered from public
repositories; `MANIFEST.json` records where each comes from and what `souverain check` must do with it.
For each file: the exit code is one the manifest allows, nothing crashes, and the report's inventory
holds exactly the resources the document describes. Those are worked out here from the raw JSON by a
counter that shares nothing with the readers, following the rule docs/inputs.md states:

- Terraform/OpenTofu plan: every `resource_changes` entry that is not a data source (a deposed object is
  its own entry), plus one resource per `configuration.provider_config` entry;
- Terraform/OpenTofu state: every resource of `values.root_module` and its `child_modules`, recursively,
  that is not a data source;
- Pulumi export or checkpoint: every entry of the deployment's `resources` (stack, providers and
  components included);
- Pulumi preview: every distinct URN among the `steps` (a replacement shown as several steps is one).

The verdict itself (0 or 1) is not pinned: it depends on the catalog and the policies, which have their
own tests; a document that describes nothing must pass (exit 0).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from click.testing import CliRunner
from souverain.cli.main import main

CORPUS = Path(__file__).parent / "fixtures" / "real"
MANIFEST: list[dict[str, Any]] = json.loads((CORPUS / "MANIFEST.json").read_text(encoding="utf-8"))
SMALL_CATALOG = Path(__file__).parent / "fixtures" / "catalogs" / "small.yaml"

MAX_FILE_BYTES = 2_000_000
MAX_CORPUS_BYTES = 30_000_000


# -- the independent reading of the raw documents ------------------------------------------------------


def decode(raw: bytes) -> Any:
    """The JSON document as the tool wrote it: UTF-8 (a BOM allowed), or UTF-16 with its BOM."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return json.loads(raw.decode("utf-16"))
    return json.loads(raw.decode("utf-8-sig"))


def _package(provider_name: str) -> str:
    """`registry.terraform.io/hashicorp/aws` -> `hashicorp/aws`. Terraform 0.12 wrote the provider
    configuration's address instead (`aws`, `null.aliased`): its type, in the `hashicorp` namespace, as
    Terraform itself assumed then."""
    parts = provider_name.split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else f"hashicorp/{provider_name.split('.')[0]}"


def _state_resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources") or ()
    for child in module.get("child_modules") or ():
        yield from _state_resources(child)


def expected_inventory(document: dict[str, Any]) -> Counter[tuple[str, str | None]]:
    """(address, package) of every resource the document describes; the package only for Terraform,
    where it is the provider's `namespace/name` (None for Pulumi, not compared)."""
    if "format_version" in document:
        return _terraform_inventory(document)
    if "deployment" in document:
        return Counter((r["urn"], None) for r in document["deployment"].get("resources") or ())
    if "checkpoint" in document:
        latest = document["checkpoint"].get("latest") or {}
        return Counter((r["urn"], None) for r in latest.get("resources") or ())
    if "steps" in document:
        return Counter({(urn, None): 1 for urn in dict.fromkeys(s["urn"] for s in document["steps"])})
    raise AssertionError("not a document of the corpus' formats")


def _terraform_inventory(document: dict[str, Any]) -> Counter[tuple[str, str | None]]:
    inventory: Counter[tuple[str, str | None]] = Counter()
    changes = document.get("resource_changes")
    if changes is None and "values" in document:  # `show -json` of a state
        for resource in _state_resources((document["values"] or {}).get("root_module") or {}):
            if resource.get("mode") != "data":
                inventory[(resource["address"], _package(resource["provider_name"]))] += 1
        return inventory
    used: dict[str, set[str]] = {}  # provider type -> the packages the plan's resources name for it
    for change in changes or ():
        package = _package(change["provider_name"])
        used.setdefault(package.rsplit("/", 1)[-1], set()).add(package)
        if change.get("mode") == "data":
            continue
        deposed = f" (deposed object {change['deposed']})" if change.get("deposed") else ""
        inventory[(change["address"] + deposed, package)] += 1
    for key, config in ((document.get("configuration") or {}).get("provider_config") or {}).items():
        if config.get("full_name"):
            package = _package(config["full_name"])
        else:  # format 0.1/0.2: the resources' `provider_name` says which provider `name` is
            named = used.get(config["name"], set())
            package = next(iter(named)) if len(named) == 1 else f"hashicorp/{config['name']}"
        inventory[(key, package)] += 1
    return inventory


# -- running souverain ---------------------------------------------------------------------------------


class Run(NamedTuple):
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None


@cache
def check(file: str) -> Run:
    """`souverain check FILE --format json` in process, once per file for every test that asks."""
    args = ["check", str(CORPUS / file), "--format", "json"]
    result = CliRunner().invoke(main, [*args, "--catalog", str(SMALL_CATALOG), "--replace-catalog"])
    return Run(result.exit_code, result.stdout, result.stderr, result.exception)


def _params(check_name: str, entries: list[dict[str, Any]]) -> list[Any]:
    """One pytest param per entry; a check the manifest lists as a known reader bug is a strict xfail."""
    params = []
    for entry in entries:
        bug = (entry.get("known_bugs") or {}).get(check_name)
        marks = [pytest.mark.xfail(strict=True, reason=f"reader fix in progress: {bug}")] if bug else []
        params.append(pytest.param(entry, id=entry["file"], marks=marks))
    return params


TERRAFORM = [e for e in MANIFEST if e["format"] in ("terraform-plan", "terraform-state")]


# -- the tests -----------------------------------------------------------------------------------------


def test_the_manifest_lists_every_file_once_and_the_corpus_stays_small() -> None:
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.json")} - {"MANIFEST.json"}
    listed = [e["file"] for e in MANIFEST]
    assert len(listed) == len(set(listed))
    assert set(listed) == on_disk
    sizes = [(CORPUS / f).stat().st_size for f in listed]
    assert max(sizes) <= MAX_FILE_BYTES
    assert sum(sizes) <= MAX_CORPUS_BYTES
    accepted = [e for e in MANIFEST if 2 not in e["exit"]]
    assert len(accepted) >= 100
    for entry in MANIFEST:
        assert entry["repository"].count("/") == 1
        assert len(entry["commit"]) == 40
        assert entry["licence"]
        assert entry["path"]


@pytest.mark.parametrize(
    "entry", [pytest.param(e, id=e["file"]) for e in MANIFEST if e["resources"] is not None]
)
def test_the_manifest_count_is_the_documents(entry: dict[str, Any]) -> None:
    """The manifest's count is what the independent reading finds (guards a file edited or replaced)."""
    document = decode((CORPUS / entry["file"]).read_bytes())
    assert sum(expected_inventory(document).values()) == entry["resources"]


@pytest.mark.parametrize("entry", _params("count", MANIFEST))
def test_souverain_check_reads_the_file_and_counts_every_resource(entry: dict[str, Any]) -> None:
    run = check(entry["file"])
    if run.exception is not None and not isinstance(run.exception, SystemExit):
        raise run.exception
    assert "Traceback" not in run.stdout + run.stderr
    assert run.exit_code in entry["exit"], run.stderr
    if run.exit_code == 2:
        lines = run.stderr.splitlines()
        assert len(lines) == 1, run.stderr
        assert lines[0].startswith("souverain: error: ")
        assert entry["file"] in lines[0]
        assert entry["error"] in lines[0]
        assert run.stdout == ""
        return
    report = json.loads(run.stdout)
    assert report["summary"]["resources"] == entry["resources"]
    document = decode((CORPUS / entry["file"]).read_bytes())
    addresses = Counter(address for address, _package in expected_inventory(document).elements())
    assert Counter(row["resource"] for row in report["resources"]) == addresses


@pytest.mark.parametrize("entry", _params("packages", TERRAFORM))
def test_each_terraform_resource_and_provider_has_its_providers_package(entry: dict[str, Any]) -> None:
    run = check(entry["file"])
    if run.exit_code not in (0, 1):
        pytest.skip(f"not read (exit {run.exit_code}): the count test says whether that is right")
    document = decode((CORPUS / entry["file"]).read_bytes())
    report = json.loads(run.stdout)
    assert Counter((row["resource"], row["package"]) for row in report["resources"]) == expected_inventory(
        document
    )
