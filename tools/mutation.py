"""Mutation testing of the core, run by hand like the benchmarks: would the tests notice a small bug?

    .venv/bin/pip install cosmic-ray==8.7.0          # once; not a project dependency
    .venv/bin/python tools/mutation.py                # every target, then the data-store list
    .venv/bin/python tools/mutation.py --only no_public_ingress --only data_stores
    .venv/bin/python tools/mutation.py --list         # the targets and their tests

Each target is one module (or one function of one) that cosmic-ray mutates, one mutant at a time, in place,
running the target's fast test selection after each change; a mutant the tests do not fail on "survives".
`kinds.yaml`'s data-store list is mutated here directly: each entry is removed in turn. docs/mutation.md
records the last score and explains the survivors that are equivalent. Needs a clean checkout of the files
it mutates (it refuses otherwise, and checks they are restored after each target).

Not run in CI: a full run takes minutes on one core (cosmic-ray's `local` distributor, one worker).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

POLICY_TESTS = (
    "tests/test_qualified_region.py",
    "tests/test_qualified_endpoint.py",
    "tests/test_no_us_controlled.py",
    "tests/test_no_public_ingress.py",
    "tests/test_no_plaintext_secret.py",
    "tests/test_encrypted_storage.py",
    "tests/test_no_data_destruction.py",
    "tests/test_protected_data_store.py",
    "tests/test_sovereign_state.py",
    "tests/test_hosts_hidden.py",
    "tests/test_provider_data.py",
    "tests/test_provider_data_rules.py",
    "tests/test_fail_closed.py",
)
"""The fast selection: each policy's own tests and the fail-closed ones (under a second each, no
hypothesis, no subprocess). The `tests/test_mutation_kills_*.py` files are added to every target."""


@dataclass(frozen=True)
class Target:
    name: str
    module: str
    tests: tuple[str, ...]
    function: str | None = None
    """Only this function of the module is mutated (its body and nested code)."""


def _policy(name: str, *extra: str) -> Target:
    """A policy module and its tests: `tests/test_<name>.py` when there is one, the fail-closed ones, and
    `extra` (the tests of policies written with a feature, like `test_hosts_hidden.py`)."""
    own = f"tests/test_{name}.py"
    tests = (own,) if (ROOT / own).exists() else ()
    return Target(name, f"policies/{name}.py", (*tests, "tests/test_fail_closed.py", *extra))


PLACEMENT_TESTS = (
    "tests/test_placement_and_endpoints.py",
    "tests/test_catalog_placement.py",
    "tests/test_reached_offers.py",
    "tests/test_aws_compatible.py",
    "tests/test_provider_services.py",
)
"""Where a resource runs (its placements, zones, endpoint settings) and the offers that reach it."""

STRING_WALK_TESTS = (
    "tests/test_string_leaves.py",
    "tests/test_policy_fast_paths.py",
    "tests/test_secrets_hidden.py",
)
"""The shared string walk (`gather_string_leaves`) against the scans that read it: hand cases and
properties (hypothesis, run without its pytest plugin)."""

TARGETS: tuple[Target, ...] = (
    _policy("qualified_region", *PLACEMENT_TESTS),
    _policy("qualified_endpoint"),
    _policy("no_us_controlled", "tests/test_aws_compatible.py", "tests/test_provider_services.py"),
    _policy("no_public_ingress", "tests/test_provider_ingress_shapes.py"),
    _policy("no_plaintext_secret", "tests/test_secrets_hidden.py"),
    # the provider data stores (databases, node pools, provider KMS, requests) and the offers a resource
    # reaches at its endpoint are tested there, with verdicts written by hand; under a second together
    _policy(
        "encrypted_storage",
        "tests/test_provider_data.py",
        "tests/test_provider_data_rules.py",
        "tests/test_reached_offers.py",
        "tests/test_aws_object_storage.py",
    ),
    _policy("no_data_destruction"),
    _policy("protected_data_store"),
    _policy("sovereign_state"),
    _policy("known_external_host", "tests/test_hosts_hidden.py"),
    _policy(
        "no_public_data",
        "tests/test_provider_data.py",
        "tests/test_provider_data_rules.py",
        "tests/test_public_bucket_policies.py",
    ),
    Target("_support", "policies/_support.py", (*POLICY_TESTS, *PLACEMENT_TESTS, *STRING_WALK_TESTS)),
    Target("_hosts", "policies/_hosts.py", POLICY_TESTS),
    Target(
        "_decode",
        "policies/_decode.py",
        (*POLICY_TESTS, "tests/test_decode.py", "tests/test_secrets_hidden.py"),
    ),
    Target(
        "effective_region",
        "src/souverain/model.py",
        (*POLICY_TESTS, *PLACEMENT_TESTS),
        function="effective_region",
    ),
    Target("placements", "src/souverain/model.py", (*POLICY_TESTS, *PLACEMENT_TESTS), function="placements"),
)

DATA_STORES = "data_stores"
KINDS_FILE = ROOT / "src" / "souverain" / "data" / "kinds.yaml"
DATA_STORE_TESTS = (
    "tests/test_no_data_destruction.py",
    "tests/test_protected_data_store.py",
    "tests/test_encrypted_storage.py",
)

EXCLUDED_OPERATORS = (
    # Of the binary operators, only + and - and the set/flag operators | and & are swapped with their
    # counterparts: the other 50-odd replacements (`+` by `>>`, `|` by `**`...) only raise TypeError.
    r"core/ReplaceBinaryOperator_(?!(Add_Sub|Sub_Add|BitOr_BitAnd|BitAnd_BitOr)$)",
    # Of the comparisons, the negation and the off-by-one ones; `==` by `<` and the like only add noise.
    r"core/ReplaceComparisonOperator_(?!(Eq_NotEq|NotEq_Eq|Lt_LtE|LtE_Lt|Gt_GtE|GtE_Gt|Is_IsNot|IsNot_Is"
    r"|In_NotIn|NotIn_In)$)",
    # Decorators here are @dataclass, @lru_cache, @cache, @cached_property: caches and data shapes.
    r"core/RemoveDecorator",
)

TIMEOUT_SECONDS = 60.0


def _excluded(operator: str) -> bool:
    return re.match("|".join(f"(?:{pattern})" for pattern in EXCLUDED_OPERATORS), operator) is not None


def test_command(tests: Iterable[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:hypothesispytest",  # 0.9 s of imports per run; @given tests run without the plugin
        *tests,
        *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_mutation_kills_*.py")),
    ]


def annotation_lines(tree: ast.Module) -> set[tuple[int, int, int, int]]:
    """The spans of annotations: with `from __future__ import annotations` they are never evaluated, so a
    mutant there (`str | None` to `str & None`) is equivalent by construction."""
    spans = set()
    for node in ast.walk(tree):
        annotations: list[ast.expr | None] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            annotations += [arg.annotation for arg in every if arg is not None]
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for annotation in annotations:
            if annotation is not None and annotation.end_lineno is not None:
                end_col = annotation.end_col_offset if annotation.end_col_offset is not None else 0
                spans.add((annotation.lineno, annotation.col_offset, annotation.end_lineno, end_col))
    return spans


def function_lines(tree: ast.Module, name: str) -> tuple[int, int]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name and node.end_lineno is not None:
            return node.lineno, node.end_lineno
    raise SystemExit(f"tools/mutation.py: no function {name!r} at the top of the module")


def _inside(position: tuple[int, int], span: tuple[int, int, int, int]) -> bool:
    line, col = position
    start_line, start_col, end_line, end_col = span
    return (start_line, start_col) <= (line, col) < (end_line, end_col)


@dataclass
class Outcome:
    name: str
    killed: int = 0
    survived: list[str] = field(default_factory=list)
    incompetent: int = 0
    skipped: int = 0
    carried: int = 0
    """Killed in the `--survivors-of` run, not run again."""
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.killed + len(self.survived)


def _run(command: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, text=True, capture_output=True, check=False, **kwargs)


def _clean(paths: Iterable[str]) -> None:
    result = _run(["git", "status", "--porcelain", "--", *paths])
    if result.returncode != 0 or result.stdout.strip():
        raise SystemExit(
            f"tools/mutation.py: commit or stash the changes to {' '.join(paths)} first: mutants are written "
            f"in place\n{result.stdout}{result.stderr}"
        )


def _baseline(tests: Sequence[str]) -> None:
    result = _run(test_command(tests))
    if result.returncode != 0:
        raise SystemExit(f"tools/mutation.py: the tests fail unmutated:\n{result.stdout[-3000:]}")


def _survivor_keys(session: Path) -> set[tuple[str, str, int]]:
    """(operator, position, occurrence) of every mutant that survived in an earlier session."""
    from cosmic_ray.work_db import WorkDB, use_db  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from cosmic_ray.work_item import TestOutcome  # type: ignore[import-untyped,import-not-found,unused-ignore]

    keys = set()
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, work in db.completed_work_items:
            if work.test_outcome == TestOutcome.SURVIVED:
                mutation = item.mutations[0]
                keys.add((mutation.operator_name, repr(tuple(mutation.start_pos)), int(mutation.occurrence)))
    return keys


def run_target(target: Target, workdir: Path, previous: Path | None = None) -> Outcome:
    """cosmic-ray on one target: init, filters (operators, annotations, the function), exec, results.

    With `previous` (an earlier `--keep` folder), only the mutants that survived there are run again; the
    others count as killed, which holds while the mutated module is unchanged (tests are only added).
    """
    from cosmic_ray.work_db import WorkDB, use_db  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from cosmic_ray.work_item import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        TestOutcome,
        WorkerOutcome,
        WorkResult,
    )

    started = time.perf_counter()
    _clean([target.module])
    _baseline(target.tests)
    original = (ROOT / target.module).read_bytes()
    config = workdir / f"{target.name}.toml"
    session = workdir / f"{target.name}.sqlite"
    session.unlink(missing_ok=True)
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(target.module)}\n"
        f"timeout = {TIMEOUT_SECONDS}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(' '.join(test_command(target.tests)))}\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
        "[cosmic-ray.filters.operators-filter]\n"
        f"exclude-operators = {json.dumps(list(EXCLUDED_OPERATORS))}\n",
        encoding="utf-8",
    )
    for step in (
        [str(BIN / "cosmic-ray"), "init", str(config), str(session)],
        [str(BIN / "cr-filter-operators"), str(session), str(config)],
    ):
        result = _run(step)
        if result.returncode != 0:
            raise SystemExit(f"tools/mutation.py: {' '.join(step)} failed:\n{result.stderr[-3000:]}")
    tree = ast.parse(original)
    annotations = annotation_lines(tree)
    lines = function_lines(tree, target.function) if target.function else None
    survivors = _survivor_keys(previous / f"{target.name}.sqlite") if previous is not None else None
    carried = 0
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items):
            mutation = item.mutations[0]
            outside = lines is not None and not lines[0] <= mutation.start_pos[0] <= lines[1]
            in_annotation = any(_inside(mutation.start_pos, span) for span in annotations)
            if outside or in_annotation:
                reason = "outside the target function" if outside else "in an annotation (never evaluated)"
                db.set_result(item.job_id, WorkResult(output=reason, worker_outcome=WorkerOutcome.SKIPPED))
            elif survivors is not None and not _excluded(mutation.operator_name):
                key = (mutation.operator_name, repr(tuple(mutation.start_pos)), int(mutation.occurrence))
                if key not in survivors:
                    carried += 1
                    db.set_result(
                        item.job_id,
                        WorkResult(
                            output="killed in the previous run",
                            worker_outcome=WorkerOutcome.NORMAL,
                            test_outcome=TestOutcome.KILLED,
                        ),
                    )
    print(f"{target.name}: mutating {target.module} ...", flush=True)
    result = _run([str(BIN / "cosmic-ray"), "exec", str(config), str(session)])
    if (ROOT / target.module).read_bytes() != original:
        (ROOT / target.module).write_bytes(original)
        raise SystemExit(f"tools/mutation.py: {target.module} was left mutated; restored it")
    if result.returncode != 0:
        raise SystemExit(f"tools/mutation.py: cosmic-ray exec failed:\n{result.stderr[-3000:]}")
    outcome = Outcome(target.name, carried=carried)
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, work in db.completed_work_items:
            mutation = item.mutations[0]
            if work.worker_outcome == WorkerOutcome.SKIPPED:
                outcome.skipped += 1
            elif work.test_outcome == TestOutcome.SURVIVED:
                where = f"{mutation.module_path}:{mutation.start_pos[0]}"
                outcome.survived.append(
                    f"{where} {mutation.operator_name} #{mutation.occurrence}\n{work.diff}"
                )
            elif work.test_outcome == TestOutcome.INCOMPETENT:
                outcome.incompetent += 1
            else:
                outcome.killed += 1
    outcome.seconds = time.perf_counter() - started
    return outcome


_DATA_STORES_LINE = re.compile(r"^data_stores: \[(?P<items>[^\]]*)\]$", re.MULTILINE)


def run_data_stores() -> Outcome:
    """Remove each entry of kinds.yaml's data-store list in turn; the tests must notice each one."""
    started = time.perf_counter()
    relative = str(KINDS_FILE.relative_to(ROOT))
    _clean([relative])
    _baseline(DATA_STORE_TESTS)
    original = KINDS_FILE.read_text(encoding="utf-8")
    match = _DATA_STORES_LINE.search(original)
    if match is None:
        raise SystemExit(f"tools/mutation.py: no `data_stores: [...]` list in {relative}")
    entries = [entry.strip() for entry in match["items"].split(",") if entry.strip()]
    outcome = Outcome(DATA_STORES)
    try:
        for entry in entries:
            kept = ", ".join(other for other in entries if other != entry)
            mutated = original[: match.start()] + f"data_stores: [{kept}]" + original[match.end() :]
            KINDS_FILE.write_text(mutated, encoding="utf-8")
            print(f"{DATA_STORES}: without {entry} ...", flush=True)
            if _run(test_command(DATA_STORE_TESTS), timeout=TIMEOUT_SECONDS * 5).returncode == 0:
                outcome.survived.append(f"{relative}: data_stores without {entry!r}")
            else:
                outcome.killed += 1
    finally:
        KINDS_FILE.write_text(original, encoding="utf-8")
    outcome.seconds = time.perf_counter() - started
    return outcome


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    names = [target.name for target in TARGETS] + [DATA_STORES]
    parser.add_argument("--only", action="append", choices=names, help="run these targets only")
    parser.add_argument("--list", action="store_true", help="list the targets and their tests")
    parser.add_argument("--keep", type=Path, help="keep cosmic-ray's configs and sessions in this folder")
    parser.add_argument("--json", type=Path, help="also write the outcome as JSON to this file")
    parser.add_argument(
        "--survivors-of",
        type=Path,
        help="an earlier --keep folder: run again only the mutants that survived there (modules unchanged)",
    )
    args = parser.parse_args(argv)
    if args.list:
        for target in TARGETS:
            scope = f"{target.module}:{target.function}" if target.function else target.module
            print(f"{target.name}: {scope} <- {' '.join(target.tests)}")
        print(f"{DATA_STORES}: {KINDS_FILE.relative_to(ROOT)} <- {' '.join(DATA_STORE_TESTS)}")
        return 0
    try:
        import cosmic_ray  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        print("tools/mutation.py: install cosmic-ray first: pip install cosmic-ray==8.7.0", file=sys.stderr)
        return 2
    selected = set(args.only or names)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="souverain-mutation-") as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        for target in TARGETS:
            if target.name in selected:
                outcomes.append(run_target(target, workdir, args.survivors_of))
                print(_line(outcomes[-1]), flush=True)
        if DATA_STORES in selected:
            outcomes.append(run_data_stores())
            print(_line(outcomes[-1]), flush=True)
    print()
    for outcome in outcomes:
        for survivor in outcome.survived:
            print(f"SURVIVED {survivor}")
    killed = sum(outcome.killed for outcome in outcomes)
    total = sum(outcome.total for outcome in outcomes)
    print(f"\nkilled {killed} of {total} mutants, {total - killed} survived")
    if args.json:
        args.json.write_text(json.dumps([vars(outcome) for outcome in outcomes], indent=1), encoding="utf-8")
    return 0 if killed == total else 1


def _line(outcome: Outcome) -> str:
    return (
        f"{outcome.name}: killed {outcome.killed}/{outcome.total}, survived {len(outcome.survived)}, "
        f"incompetent {outcome.incompetent}, skipped {outcome.skipped}"
        + (f", {outcome.carried} killed in the earlier run" if outcome.carried else "")
        + f", {outcome.seconds:.0f}s"
    )


if __name__ == "__main__":
    sys.exit(main())
