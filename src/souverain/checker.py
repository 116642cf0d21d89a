"""`souverain check` as a library call: load inputs, evaluate, and hand back the evaluation."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .catalog import Catalog, load_catalog
from .engine import (
    INPUT_FINDING_IDS,
    Evaluation,
    PolicyConfig,
    UnknownMode,
    evaluate,
    load_policy_config,
    settings_from_config,
)
from .errors import InputError
from .model import Plan
from .policy import Policy
from .readers import read_plan
from .waivers import PSEUDO_POLICY_IDS, WAIVER_REVIEW_IDS


@dataclass(frozen=True, slots=True)
class CheckOptions:
    catalogs: Sequence[str] = ()
    replace_catalog: bool = False
    policy_config: str | None = None
    input_format: str | None = None
    stack: str | None = None
    unknowns: UnknownMode = "fail"
    waivers: str | None = None
    output: str | None = None
    """Where the report will be written: refused before anything is read if it is one of the inputs."""
    reports: Sequence[str] = ()
    """Further report files (`--report FORMAT=PATH`), refused like `output` if one is an input."""
    fail_on: str | None = None
    """`--fail-on SEVERITY`: only mandatory findings at this severity or above fail the run."""
    source_dir: str | None = None
    """The sources beside a plan file (Terraform configuration, Pulumi project), to locate findings."""


def all_policies() -> tuple[Policy, ...]:
    from souverain.policies import ALL_POLICIES

    return ALL_POLICIES


def load_inputs(options: CheckOptions) -> tuple[Catalog, PolicyConfig]:
    catalog = load_catalog(options.catalogs, replace=options.replace_catalog)
    policies = all_policies()
    config = (
        load_policy_config(
            options.policy_config,
            (*(p.id for p in policies), *PSEUDO_POLICY_IDS, *WAIVER_REVIEW_IDS, *INPUT_FINDING_IDS),
        )
        if options.policy_config
        else PolicyConfig()
    )
    return catalog, config


def load_target(target: str, options: CheckOptions, catalog: Catalog) -> Plan:
    """A plan file, or a Pulumi project folder run offline under the mock runtime."""
    path = Path(target)
    if path.is_dir():
        if not (path / "Pulumi.yaml").is_file() and not (path / "Pulumi.yml").is_file():
            raise InputError(target, "is a folder without Pulumi.yaml: give a plan file or a Pulumi project")
        if not options.stack:
            raise InputError(target, "checking a Pulumi project needs --stack NAME", field="--stack")
        from .project import run_project_offline

        return run_project_offline(path, options.stack, catalog)
    if not path.exists():
        raise InputError(target, "no such file")
    return read_plan(path, options.input_format)


def with_project_settings(target: str, options: CheckOptions) -> CheckOptions:
    """What a Pulumi project declares for its own check: catalog overlays (`souverain:catalogOverlays`),
    loaded before any --catalog, and a policy config (`souverain:policyConfig`), unless --policy-config."""
    path = Path(target)
    is_project = path.is_dir() and any((path / name).is_file() for name in ("Pulumi.yaml", "Pulumi.yml"))
    if not (options.stack and is_project):
        return options
    from .project import declared_catalog_overlays, declared_policy_config

    declared = tuple(str(overlay) for overlay in declared_catalog_overlays(path, options.stack))
    policy_config = options.policy_config
    if policy_config is None:
        found = declared_policy_config(path, options.stack)
        policy_config = str(found) if found is not None else None
    return replace(options, catalogs=(*declared, *options.catalogs), policy_config=policy_config)


def refuse_overwriting_inputs(output: str, target: str, options: CheckOptions) -> None:
    """`--output` must not name one of the check's own inputs: a check never modifies what it reads."""
    inputs: list[str | Path | None] = [target, *options.catalogs, options.policy_config, options.waivers]
    project = Path(target)
    if project.is_dir():
        names = ["Pulumi.yaml", "Pulumi.yml", "__main__.py"]
        if options.stack:
            names += [f"Pulumi.{options.stack}.yaml", f"Pulumi.{options.stack}.yml"]
        inputs += [project / name for name in names]
    report = Path(output)
    for item in inputs:
        if item is None or not report.exists() or not Path(item).exists():
            continue
        if os.path.samefile(report, item):
            raise InputError(
                output, f"is an input of this check ({item}): write the report elsewhere", field="--output"
            )


def parse_report_requests(
    requests: Sequence[str], output: tuple[str, str] | None, formats: Sequence[str]
) -> list[tuple[str, str]]:
    """`--report FORMAT=PATH` values (and `--output PATH` with its `--format`) as (format, path) pairs.

    Refused: an unknown format, an empty path, and two reports to one file (one would silently win).
    """
    pairs: list[tuple[str, str]] = []
    if output is not None:
        pairs.append((output[1], output[0]))
    for request in requests:
        report_format, sep, path = request.partition("=")
        report_format = report_format.strip()
        if not sep or not path:
            raise InputError(request, "expected FORMAT=PATH, e.g. sarif=souverain.sarif", field="--report")
        if report_format not in formats:
            raise InputError(
                request, f"unknown report format {report_format!r}; one of {', '.join(formats)}", "--report"
            )
        pairs.append((report_format, path))
    seen: set[str] = set()
    for _, path in pairs:
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            raise InputError(path, "is named by two reports of this run", field="--report")
        seen.add(key)
    return pairs


def check(target: str, options: CheckOptions) -> Evaluation:
    options = with_project_settings(target, options)
    for output in (options.output, *options.reports):
        if output:
            refuse_overwriting_inputs(output, target, options)
    catalog, config = load_inputs(options)
    plan = load_target(target, options, catalog)
    if options.source_dir:
        source_dir = Path(options.source_dir)
        if not source_dir.is_dir():
            raise InputError(options.source_dir, "is not a folder", field="--source-dir")
        from .sources import locate_sources

        locate_sources(plan, source_dir)
    settings = settings_from_config(config, plan, options.policy_config or "policy config")
    waivers = None
    if options.waivers:
        from .waivers import load_waivers

        waivers = load_waivers(options.waivers, (p.id for p in all_policies()), settings.today)
    evaluation = evaluate(
        plan.resources,
        catalog,
        all_policies(),
        config,
        settings,
        unknowns=options.unknowns,
        waivers=waivers,
        plan=plan,
        stack_name=plan.stack or target,
    )
    evaluation.fail_on = options.fail_on
    evaluation.input_files = input_files(target, options)
    if waivers is not None:
        evaluation.waivers_in_force = tuple(w.as_mapping(waivers.source) for w in waivers.waivers if w.valid)
    return evaluation


_PROJECT_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".txt", ".toml", ".cfg")


def input_files(target: str, options: CheckOptions) -> tuple[tuple[str, str], ...]:
    """Every file this check read, with its role, in a stable order: what an auditor hashes to replay it.

    A Pulumi project is its own files (program, Pulumi.yaml, the stack's settings, requirements): those
    directly in the folder, not the virtual environment or caches below it.
    """
    found: list[tuple[str, str]] = []
    path = Path(target)
    if path.is_dir():
        for item in sorted(path.iterdir()):
            if item.is_file() and not item.name.startswith(".") and item.suffix in _PROJECT_SUFFIXES:
                found.append(("project file", str(item)))
    else:
        found.append(("plan", target))
    found += [("catalog overlay", str(overlay)) for overlay in options.catalogs]
    if options.policy_config:
        found.append(("policy config", options.policy_config))
    if options.waivers:
        found.append(("waivers", options.waivers))
    return tuple(found)


def write_atomically(path: str, text: str) -> None:
    """Write a report so that readers see the old file or the whole new one, never half of it.

    The text goes to a temporary file in the same folder, is flushed to disk, then renamed over the
    target; on any failure the temporary file is removed and the old report is left as it was. The new
    file keeps the old one's permissions, or gets the usual ones (0666 less the umask), not mkstemp's 0600.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    data = text.encode("utf-8", "backslashreplace")
    mode = _report_mode(target)
    import tempfile  # here: it pulls in shutil, lzma, bz2 and random, which nothing else on `check` needs

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(path, f"cannot write report: {exc.strerror or exc}", field="--output") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(path, f"cannot write report: {exc.strerror or exc}", field="--output") from None
        raise


def _report_mode(target: Path) -> int:
    try:
        existing = target.stat()
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
    return stat.S_IMODE(existing.st_mode)
