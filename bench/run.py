"""Benchmarks, run by hand: souverain against Checkov and the CrossGuard pack, and against its targets.

Every measurement is repeated (`--runs`, at least 5 for published figures) in fresh processes; the results
keep every sample and report the median with min/max and the interquartile range. Nothing here is a test:
no timing is asserted anywhere. Inputs come from `bench/generate.py` (run it first); results go to
`bench/out/results.json` (merged per measurement, so groups can be re-run one at a time) and a Markdown
summary is printed for `docs/benchmarks.md`.

    python bench/generate.py
    python bench/run.py                          # everything
    python bench/run.py e2e split coldstart      # some groups
    python bench/run.py baseline --sizes 1k 10k  # this tree against --base (default 4cd273a), interleaved
    python bench/run.py checkov --sizes 1k 10k   # Checkov needs its own venv, see requirements-checkov.txt

The machine's speed drifts (on the shared VM, the same pure-Python loop took 0.65 s at one time and
0.95 s at another), so seconds measured at different times are not comparable. Hence:
- every round of every group also times a fixed pure-Python workload in a fresh process (`calibration`,
  stored per group under `calibration` in results.json, raw samples kept): read each figure against it;
- a speed-up is measured only as `baseline` does it, old and new code interleaved in the same rounds.

Every benchmarked subprocess runs with PYTHONDONTWRITEBYTECODE removed from its environment (some
sandboxes set it; with it every fresh process recompiles the whole package), after one untimed run that
writes the bytecode cache: users and CI run with .pyc files.

Groups:
- `e2e`: `souverain check FILE --catalog bench/catalog.yaml --format json` as a subprocess, wall time and
  peak RSS (from `wait4`), for each size and format; peak memory over input size;
- `split`: `bench/split.py` per size and format: parse / normalize / evaluate / report;
- `checkov`: `checkov -f plan.json --framework terraform_plan` on the same OpenTofu plan, network off;
- `crossguard`: the CrossGuard pack over gRPC (`souverain.crossguard_harness`), one Analyze per resource
  and AnalyzeStack, on the same resources (the preview);
- `preview`: `souverain preview` of the HDH prod stack with 1, 10 and 100 research project spaces;
- `coldstart`: `souverain --help`, and `souverain check` of a 10-resource plan;
- `baseline`: the e2e check of this checkout (or `--current REV`) and of `--base REV`, each run from its
  own installed-layout tree of links (`PYTHONPATH=<tree> python -c 'import souverain.cli.main ...'`), the
  two alternating in every round on the same inputs; medians, spreads, base ÷ current (of the medians and
  per round). The base runs from a temporary `git worktree`, removed at the end;
- `html`: `souverain check FILE --format html` against `--format json` on the same OpenTofu plan,
  interleaved in every round; html / json per round and of the medians (docs/benchmarks.md);
- `calibration`: the calibration workload alone, `--runs` times (the machine's speed right now).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
RESULTS = OUT / "results.json"
BENCH_CATALOG = HERE / "catalog.yaml"
PYTHON = sys.executable
SOUVERAIN = str(Path(PYTHON).with_name("souverain"))
CHECKOV = os.environ.get("BENCH_CHECKOV", "/tmp/bench-checkov/bin/checkov")  # noqa: S108 - a venv path
FORMATS = {"plan": "terraform-plan", "preview": "pulumi-preview", "state": "pulumi-state"}

NO_BYTECODE = "PYTHONDONTWRITEBYTECODE"
"""Removed from every benchmarked process: users and CI write .pyc files, so the runs must too."""
DEFAULT_BASE = "4cd273a"
"""The state at the start of the performance work of 2026-11-23: what `baseline` compares against."""

CHECKOV_ENV = {
    # No platform download (guidelines, mappings, run config) and no PyPI version check: Checkov then makes
    # no network call at all (checked with `strace -f -e trace=connect`).
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    # Checkov skips files over 50 MB by default; the 100k plan is larger and must be scanned, not skipped.
    "CHECKOV_MAX_IAC_FILE_SIZE": str(2**31),
    "LOG_LEVEL": "WARNING",
}
CHECKOV_ARGS = ["--framework", "terraform_plan", "--skip-download", "--compact", "--quiet", "-o", "json"]


# --- measuring ----------------------------------------------------------------------------------------


class RunError(RuntimeError):
    pass


def run_once(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    ok: Sequence[int] = (0, 1),
    stdout: Path | None = None,
    memory_limit_gb: float | None = None,
) -> dict[str, Any]:
    """One run: wall seconds, peak RSS of the process (MB), exit code; a time-out kills its process group."""
    with tempfile.TemporaryFile() as err, open(stdout or os.devnull, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            env=child_environ(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
            preexec_fn=_limit_memory(memory_limit_gb) if memory_limit_gb else None,
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime  # the process's own CPU: less sensitive to a busy machine
        if timed_out.is_set():
            return {"seconds": wall, "timed_out": True, "rc": None, "peak_rss_mb": usage.ru_maxrss / 1024}
        if proc.returncode not in ok:
            err.seek(0)
            tail = err.read()[-2000:].decode(errors="replace")
            raise RunError(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
        err.seek(0)
        return {
            "seconds": wall,
            "cpu_seconds": cpu,
            "rc": proc.returncode,
            "stderr_tail": err.read()[-600:].decode(errors="replace"),
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "load_average": os.getloadavg()[0],
        }


def child_environ(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without PYTHONDONTWRITEBYTECODE, plus `extra`."""
    return {**{k: v for k, v in os.environ.items() if k != NO_BYTECODE}, **(extra or {})}


# --- calibration: the machine's speed at the moment of a measurement ------------------------------------

CALIBRATION_WORKLOAD = """
import time
started = time.perf_counter()
regions = {f"REG-{i}": i % 3 != 0 for i in range(40)}
seen = {}
total = 0
for i in range(120_000):
    name = f"project-{i % 997}-net"
    props = {"name": name, "region": f"REG-{i % 40}", "tags": {"env": "prod", "owner": name}}
    if regions[props["region"]] and name.endswith("-net"):
        total += len(props["tags"])
    key = (props["region"], name.partition("-")[0])
    seen[key] = seen.get(key, 0) + 1
    total += len(name.upper().split("-"))
assert total == 516_000 and len(seen) == 40, (total, len(seen))
print(time.perf_counter() - started)
"""
"""Fixed pure-Python work like the checker's (dicts, f-strings, str methods, lookups), ~0.4 s on the VM.

Never change it between measurements that are to be compared: its seconds are the unit of the others."""

CALIBRATIONS: dict[str, list[dict[str, Any]]] = {}
"""Calibration samples taken while each group ran, by group; stored under `calibration` in results.json."""


def calibrate(group: str) -> float:
    """Time the workload in a fresh process; keep the sample under `group`; return its seconds."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        subprocess.run([PYTHON, "-c", CALIBRATION_WORKLOAD], env=child_environ(), stdout=out, check=True)
        wall = time.perf_counter() - started
        out.seek(0)
        seconds = float(out.read())
    sample = {
        "seconds": seconds,
        "wall_seconds": wall,
        "load_average": os.getloadavg()[0],
        "time": time.strftime("%H:%M:%S"),
    }
    CALIBRATIONS.setdefault(group, []).append(sample)
    return seconds


def calibration_summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [s["seconds"] for s in samples]
    return {
        "samples": samples,
        "seconds": summarize(seconds),
        "slowest_over_fastest": max(seconds) / min(seconds),
    }


def bench_calibration(args: argparse.Namespace) -> dict[str, Any]:
    """The workload alone, `--runs` times: how fast, and how steady, the machine is right now."""
    calibrate("calibration")  # warm-up: page cache for the interpreter
    CALIBRATIONS["calibration"].clear()
    for round_ in range(args.runs):
        print(f"calibration run {round_ + 1} ...", flush=True)
        calibrate("calibration")
    return {}


def _limit_memory(gigabytes: float) -> Callable[[], None]:
    """An address-space cap for the child, so a tool that blows up fails alone instead of the machine."""

    def apply() -> None:
        import resource

        limit = int(gigabytes * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def summarize(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    quartiles = (
        statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) > 1 else [ordered[0]] * 3
    )
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "q1": quartiles[0],
        "q3": quartiles[2],
        "n": len(ordered),
    }


def repeat(
    measure: Callable[[], dict[str, Any]], runs: int, warmup: int = 1, *, group: str
) -> dict[str, Any]:
    """`warmup` unrecorded runs (page cache, .pyc), then `runs` recorded ones between two calibrations."""
    for _ in range(warmup):
        measure()
    before = calibrate(group)
    samples = [measure() for _ in range(runs)]
    after = calibrate(group)
    result = _summarize_samples(samples)
    result["calibration_seconds"] = [before, after]
    return result


def input_file(kind: str, size: str) -> Path:
    path = OUT / f"{kind}-{size}.json"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python bench/generate.py --sizes {size}` first")
    return path


def resources_in(size: str) -> int:
    manifest = json.loads((OUT / f"manifest-{size}.json").read_text())
    return int(manifest["counts"]["resources"])


def souverain_env(path: Path) -> dict[str, str]:
    """Inputs above the default size cap need it raised; the docs say which runs did."""
    cap = 512 * 1024 * 1024
    return {"SOUVERAIN_MAX_INPUT_BYTES": str(2**33)} if path.stat().st_size > cap else {}


# --- groups -------------------------------------------------------------------------------------------


def _inputs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    return [(f"{kind}-{size}", input_file(kind, size)) for size in args.sizes for kind in FORMATS]


def bench_e2e(args: argparse.Namespace) -> dict[str, Any]:
    """Runs are interleaved (round r runs every input once) so a slow spell of the machine hits all alike."""
    inputs = _inputs(args)
    commands = {
        key: [SOUVERAIN, "check", str(path), "--catalog", str(BENCH_CATALOG), "--format", "json"]
        for key, path in inputs
    }
    samples: dict[str, list[dict[str, Any]]] = {key: [] for key, _ in inputs}
    for round_ in range(args.runs + 1):
        print(f"e2e round {round_ or 'warm-up'} ...", flush=True)
        unit = calibrate("e2e") if round_ else None
        for key, path in inputs:
            sample = run_once(commands[key], env=souverain_env(path))
            if unit:  # round 0 warms the page cache and .pyc files
                sample["calibration_seconds"] = unit
                samples[key].append(sample)
    results: dict[str, Any] = {}
    for key, path in inputs:
        result = _summarize_samples(samples[key])
        result["bytes"] = path.stat().st_size
        result["resources"] = resources_in(key.rsplit("-", 1)[1])
        result["command"] = " ".join(["souverain", *commands[key][1:]]).replace(str(ROOT) + "/", "")
        result["env"] = souverain_env(path)
        result["memory_over_input"] = result["peak_rss_mb"]["median"] * 1024 * 1024 / result["bytes"]
        results[key] = result
    return results


def _summarize_samples(samples: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {"samples": samples}
    for key in ("seconds", "cpu_seconds", "peak_rss_mb", "load_average"):
        values = [s[key] for s in samples if key in s and not s.get("timed_out")]
        if values:
            result[key] = summarize(values)
    calibrated = [s for s in samples if s.get("calibration_seconds") and not s.get("timed_out")]
    if calibrated:  # each run's seconds in units of the calibration workload timed in its round
        result["in_calibration_units"] = summarize(
            [s["seconds"] / s["calibration_seconds"] for s in calibrated]
        )
    return result


def bench_split(args: argparse.Namespace) -> dict[str, Any]:
    inputs = _inputs(args)
    samples: dict[str, list[dict[str, Any]]] = {key: [] for key, _ in inputs}
    for round_ in range(args.runs + 1):
        print(f"split round {round_ or 'warm-up'} ...", flush=True)
        if round_:
            calibrate("split")
        for key, path in inputs:
            out = subprocess.run(
                [PYTHON, str(HERE / "split.py"), str(path)],
                env=child_environ(souverain_env(path)),
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            if round_:
                samples[key].append(json.loads(out))
    results: dict[str, Any] = {}
    for key, _ in inputs:
        runs = samples[key]
        phases = list(runs[0]["seconds"])
        results[key] = {
            "samples": runs,
            "seconds": {phase: summarize([s["seconds"][phase] for s in runs]) for phase in phases},
            "resources": runs[0]["resources"],
            "findings": runs[0]["findings"],
            "bytes": runs[0]["bytes"],
        }
    return results


def bench_checkov(args: argparse.Namespace) -> dict[str, Any]:
    if not Path(CHECKOV).exists():
        raise SystemExit(f"{CHECKOV} not found: see bench/requirements-checkov.txt (or set BENCH_CHECKOV)")
    version = subprocess.run(
        [CHECKOV, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    results: dict[str, Any] = {"version": version, "env": CHECKOV_ENV, "args": CHECKOV_ARGS}
    for size in args.sizes:
        path = input_file("plan", size)
        runs = args.runs if resources_in(size) <= args.checkov_full_runs_upto else 1
        print(f"checkov plan-{size} x{runs} (time-out {args.checkov_timeout:.0f} s) ...", flush=True)
        report = OUT / f"checkov-{size}.json"
        cmd = [CHECKOV, "-f", str(path), *CHECKOV_ARGS]
        limit = args.checkov_memory_gb
        first = run_once(
            cmd,
            env=CHECKOV_ENV,
            timeout=args.checkov_timeout,
            stdout=report,
            memory_limit_gb=limit,
            ok=(0, 1, 2),
        )
        if first.get("timed_out"):
            results[size] = {"timed_out_after": args.checkov_timeout, "samples": [first], "runs": 1}
            print(f"  timed out after {args.checkov_timeout:.0f} s", flush=True)
            continue
        try:
            summary = _checkov_summary(report)
        except (ValueError, KeyError, IndexError):
            results[size] = {"crashed": True, "samples": [first], "runs": 1}
            print(f"  no report: {first.get('stderr_tail', '')[-300:]}", flush=True)
            continue
        if not summary["summary"].get("resource_count"):
            # Checkov reports a file it could not load (out of memory included) as a parsing error and
            # exits 0 having checked nothing: that is a failure, not a time.
            results[size] = {"crashed": True, "samples": [first], "runs": 1, "summary": summary}
            print(f"  checked nothing: {summary['summary']}", flush=True)
            continue
        samples = [first]  # Checkov's first run is as cold as any: it has no cache between runs here
        samples += [run_once(cmd, env=CHECKOV_ENV, timeout=args.checkov_timeout) for _ in range(runs - 1)]
        result = _summarize_samples(samples)
        result["runs"] = len(samples)
        result["summary"] = summary
        result["command"] = f"checkov -f bench/out/plan-{size}.json {' '.join(CHECKOV_ARGS)}"
        results[size] = result
    return results


def _checkov_summary(report: Path) -> dict[str, Any]:
    data = json.loads(report.read_text())
    data = data[0] if isinstance(data, list) else data
    if "summary" not in data:
        raise KeyError("summary")
    failed: dict[str, int] = {}
    for check in data.get("results", {}).get("failed_checks", []):
        failed[check["check_id"]] = failed.get(check["check_id"], 0) + 1
    return {"summary": data.get("summary", {}), "failed_by_check": failed}


def bench_crossguard(args: argparse.Namespace) -> dict[str, Any]:
    """The pack as `pulumi preview --policy-pack` drives it: start, configure, Analyze each, AnalyzeStack."""
    from souverain import crossguard_harness as harness

    results: dict[str, Any] = {}
    for size in args.sizes:
        path = input_file("preview", size)
        document = json.loads(path.read_bytes())
        wire = harness.wire_resources(document)
        del document
        runs = args.runs if len(wire) <= args.crossguard_full_runs_upto else 1
        print(f"crossguard preview-{size}: {len(wire)} Analyze calls x{runs} ...", flush=True)
        with harness.PackProcess(env=_pack_env(), stack="prod", project="hdh") as pack:
            pack.handshake()  # warm-up: the first start compiles the pack's .pyc files
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            with harness.PackProcess(env=_pack_env(), stack="prod", project="hdh", call_timeout=600) as pack:
                ready = time.perf_counter()
                diagnostics = pack.run(wire)
                finished = time.perf_counter()
                pid = pack.process.pid if pack.process else None
                peak, cpu = _peak_rss_mb(pid), _cpu_seconds(pid)
            samples.append(
                {
                    "seconds": finished - started,
                    "start_seconds": ready - started,
                    "rpc_seconds": finished - ready,
                    "peak_rss_mb": peak,
                    "pack_cpu_seconds": cpu,
                    "load_average": os.getloadavg()[0],
                    "diagnostics": len(diagnostics),
                }
            )
        results[size] = {
            "samples": samples,
            "analyze_calls": len(wire),
            "seconds": summarize([s["seconds"] for s in samples]),
            "start_seconds": summarize([s["start_seconds"] for s in samples]),
            "rpc_seconds": summarize([s["rpc_seconds"] for s in samples]),
            "peak_rss_mb": summarize([s["peak_rss_mb"] for s in samples]),
            "pack_cpu_seconds": summarize([s["pack_cpu_seconds"] for s in samples]),
            "load_average": summarize([s["load_average"] for s in samples]),
            "per_call_ms": 1000 * statistics.median(s["rpc_seconds"] for s in samples) / (len(wire) + 1),
        }
    return results


def _pack_env() -> dict[str, str]:
    """The pack runs with the benchmark catalog overlay, as `souverain check --catalog` does."""
    return {"SOUVERAIN_CATALOG": str(BENCH_CATALOG)}


def _peak_rss_mb(pid: int | None) -> float:
    """VmHWM of a live process (the pack is still running when this is read)."""
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a live process so far, from /proc/PID/stat."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


SHIPPED = "shipped"
"""The prod stack's own configuration, unchanged: what the < 5 s target is about."""


def bench_preview(args: argparse.Namespace) -> dict[str, Any]:
    """`souverain preview` of prod, the project copied to a temp folder with N project spaces configured."""
    stack_dir = ROOT / "stacks" / "health-data-hub"
    if not stack_dir.is_dir():
        raise SystemExit(f"{stack_dir} is missing")
    results: dict[str, Any] = {"config_key": args.spaces_key}
    for spaces in [SHIPPED, *args.spaces]:
        with tempfile.TemporaryDirectory(prefix="bench-hdh-") as tmp:
            project = Path(tmp) / "health-data-hub"
            shutil.copytree(stack_dir, project, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            if spaces != SHIPPED:
                _set_project_spaces(project / "Pulumi.prod.yaml", args.spaces_key, spaces)
            cmd = [SOUVERAIN, "preview", str(project), "--stack", "prod", "--format", "json"]
            print(f"preview prod with {spaces} research projects ...", flush=True)
            result = repeat(
                lambda cmd=cmd, cwd=project: run_once(cmd, cwd=cwd, ok=(0,)), args.runs, group="preview"
            )
            out = subprocess.run(
                cmd, cwd=project, env=child_environ(), capture_output=True, text=True, check=True
            ).stdout
            result["resources"] = _count_preview_resources(out)
            result["research_projects"] = _research_projects(project / "Pulumi.prod.yaml", args.spaces_key)
            result["command"] = (
                "souverain preview <copy of stacks/health-data-hub> --stack prod --format json"
            )
            results[str(spaces)] = result
    return results


def _research_projects(stack_file: Path, key: str) -> int:
    import yaml

    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config", {})
    projects = config.get(key)
    return len(projects) if isinstance(projects, list) else 0


def _set_project_spaces(stack_file: Path, key: str, spaces: int) -> None:
    """Write `key` into the stack's config as N research projects shaped like the first one there."""
    import yaml

    data = yaml.safe_load(stack_file.read_text()) or {}
    config = data.setdefault("config", {})
    existing = config.get(key)
    if not (isinstance(existing, list) and existing and isinstance(existing[0], Mapping)):
        raise SystemExit(f"{stack_file}: {key} is not a list of project objects to copy")
    template = dict(existing[0])
    projects = []
    for index in range(1, spaces + 1):
        project = {**template, "name": f"bench-{index:03d}"}
        if "cidr" in template:  # one /24 each, as the stack's own projects have
            project["cidr"] = f"10.{20 + index // 250}.{index % 250}.0/24"
        projects.append(project)
    config[key] = projects
    stack_file.write_text(yaml.safe_dump(data, sort_keys=False))


def _count_preview_resources(text: str) -> int | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    for key in ("resources", "total"):
        value = data.get(key) if isinstance(data, Mapping) else None
        if isinstance(value, list):
            return len(value)
        if isinstance(value, int):
            return value
    return None


def bench_coldstart(args: argparse.Namespace) -> dict[str, Any]:
    tiny = input_file("plan", "10")
    cases = {
        "python -c pass (interpreter floor)": ([PYTHON, "-c", "pass"], (0,)),
        "souverain --help": ([SOUVERAIN, "--help"], (0,)),
        "souverain check plan-10.json": (
            [SOUVERAIN, "check", str(tiny), "--catalog", str(BENCH_CATALOG)],
            (0, 1),
        ),
    }
    installed = os.environ.get("BENCH_INSTALLED_SOUVERAIN")
    if installed:  # a regular (non-editable) install: what users run; see docs/benchmarks.md
        python = str(Path(installed).with_name("python"))
        cases["installed: python -c pass"] = ([python, "-c", "pass"], (0,))
        cases["installed: souverain --help"] = ([installed, "--help"], (0,))
        cases["installed: souverain check plan-10.json"] = (
            [installed, "check", str(tiny), "--catalog", str(BENCH_CATALOG)],
            (0, 1),
        )
    results: dict[str, Any] = {}
    for name, (cmd, ok) in cases.items():
        print(f"coldstart {name} ...", flush=True)
        result = repeat(
            lambda cmd=cmd, ok=ok: run_once(cmd, ok=ok), max(args.runs, 20), warmup=2, group="coldstart"
        )
        shown = ["souverain" if c in (SOUVERAIN, installed) else c for c in cmd]
        result["command"] = " ".join(shown).replace(str(ROOT) + "/", "")
        results[name] = result
    results["help_imports"] = _import_profile([SOUVERAIN, "--help"])
    results["check_imports"] = _import_profile(
        [SOUVERAIN, "check", str(tiny), "--catalog", str(BENCH_CATALOG)]
    )
    return results


def _import_profile(cmd: Sequence[str]) -> dict[str, Any]:
    """What `-X importtime` says the command imports: the heaviest top-level packages, cumulative."""
    proc = subprocess.run(
        [PYTHON, "-X", "importtime", *cmd], env=child_environ(), capture_output=True, text=True, check=False
    )
    heavy: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2]
        if name.startswith(" ") and not name.startswith("  "):  # imported by the program itself
            heavy[name.strip()] = int(parts[1])
    modules = [
        line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")
    ]
    flagged = sorted({m.split(".")[0] for m in modules} & {"pulumi", "pydantic", "rich", "yaml", "grpc"})
    return {
        "top_level_us": dict(sorted(heavy.items(), key=lambda kv: -kv[1])[:12]),
        "modules": len(modules),
        "heavy_packages_imported": flagged,
    }


# --- baseline: this tree against an older commit, interleaved -------------------------------------------

ENTRY = (
    "import sys; import souverain.cli.main as m; sys.argv = ['souverain', *sys.argv[1:]]; "
    "(getattr(m, 'run', None) or m.main)()"
)
"""The `souverain` script, run from whatever `souverain` package PYTHONPATH leads to (older commits have
no `run`, only the click group `main`)."""


def installed_layout(source: Path, tree: Path) -> Path:
    """The package of the checkout `source` as installed, as links, in `tree`: `tools/typecheck.py`'s
    `build_tree`, pointed away from `build/typecheck/`, which every type check anyone runs rebuilds."""
    spec = importlib.util.spec_from_file_location("souverain_typecheck", ROOT / "tools" / "typecheck.py")
    assert spec is not None
    assert spec.loader is not None
    typecheck = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(typecheck)
    built: Path = typecheck.build_tree(source, tree)
    return built


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A detached `git worktree` of `rev` under /tmp, removed (`git worktree remove --force`) at the end."""
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    path = Path(tempfile.gettempdir()) / f"bench-base-{commit[:12]}"
    if path.exists():  # left by an interrupted run of this script
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False)
        shutil.rmtree(path, ignore_errors=True)
        _git("worktree", "prune")
    _git("worktree", "add", "--detach", str(path), commit)
    try:
        yield path
    finally:
        _git("worktree", "remove", "--force", str(path))


def _tree_label(source: Path) -> dict[str, Any]:
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", cwd=source))
    return {"commit": _git("rev-parse", "--short", "HEAD", cwd=source), "uncommitted_changes": dirty}


def bench_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """`souverain check` of each input by the base commit and by this tree, alternating in every round.

    Both run the same way (PYTHONPATH to an installed-layout tree of links, `python -c` the script's entry
    point), from a neutral directory, so they pay the same start-up; the order within a pair alternates
    from round to round. A ratio base ÷ current is taken per round too: drift between rounds cancels out.
    """
    inputs = _inputs(args)
    with contextlib.ExitStack() as stack:
        layouts = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-layouts-")))
        sources = {"base": stack.enter_context(worktree(args.base))}
        sources["current"] = stack.enter_context(worktree(args.current)) if args.current else ROOT
        trees = {side: installed_layout(src, layouts / side) for side, src in sources.items()}
        labels = {side: _tree_label(src) for side, src in sources.items()}
        for side, tree in trees.items():  # the package imported must be the tree's, not the editable one
            where = subprocess.run(
                [PYTHON, "-c", "import souverain.cli.main as m; print(m.__file__)"],
                env=child_environ({"PYTHONPATH": str(tree)}),
                cwd=layouts,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            if not where.startswith(str(tree)):
                raise SystemExit(f"{side}: PYTHONPATH={tree} imports souverain from {where}")
        samples: dict[str, dict[str, list[dict[str, Any]]]] = {
            key: {"base": [], "current": []} for key, _ in inputs
        }
        for round_ in range(args.runs + 1):
            print(f"baseline round {round_ or 'warm-up'} ...", flush=True)
            unit = calibrate("baseline") if round_ else None
            order = ("base", "current") if round_ % 2 else ("current", "base")
            for key, path in inputs:
                for side in order:
                    cmd = [PYTHON, "-c", ENTRY, "check", str(path), "--catalog", str(BENCH_CATALOG)]
                    cmd += ["--format", "json"]
                    env = {"PYTHONPATH": str(trees[side]), **souverain_env(path)}
                    sample = run_once(cmd, env=env, cwd=layouts)
                    if unit:  # round 0 writes both trees' bytecode caches and warms the page cache
                        sample["calibration_seconds"] = unit
                        sample["round"] = round_
                        samples[key][side].append(sample)
    results: dict[str, Any] = {}
    for key, path in inputs:
        base, current = samples[key]["base"], samples[key]["current"]
        result: dict[str, Any] = {
            side: _summarize_samples(samples[key][side]) for side in ("base", "current")
        }
        result["base_over_current"] = (
            result["base"]["seconds"]["median"] / result["current"]["seconds"]["median"]
        )
        result["base_over_current_per_round"] = summarize(
            [b["seconds"] / c["seconds"] for b, c in zip(base, current, strict=True)]
        )
        result["bytes"] = path.stat().st_size
        result["resources"] = resources_in(key.rsplit("-", 1)[1])
        result["exit_codes"] = {side: sorted({s["rc"] for s in samples[key][side]}) for side in samples[key]}
        result["trees"] = labels
        result["command"] = (
            f"PYTHONPATH=<tree> python -c '<souverain script>' check bench/out/{path.name} "
            "--catalog bench/catalog.yaml --format json"
        )
        results[key] = result
    return results


def bench_html(args: argparse.Namespace) -> dict[str, Any]:
    """The HTML evidence report against the JSON report of the same check: both as `souverain check FILE
    --format F`, interleaved in every round (json then html on each input), wall seconds (the HTML's
    Graphviz subprocess included). The figure that matters is html / json, per round and of the medians."""
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {}
    commands: dict[str, dict[str, list[str]]] = {}
    inputs = [(f"plan-{size}", input_file("plan", size)) for size in args.sizes]
    for key, path in inputs:
        commands[key] = {
            fmt: [SOUVERAIN, "check", str(path), "--catalog", str(BENCH_CATALOG), "--format", fmt]
            for fmt in ("json", "html")
        }
        samples[key] = {"json": [], "html": []}
    for round_ in range(args.runs + 1):
        print(f"html round {round_ or 'warm-up'} ...", flush=True)
        unit = calibrate("html") if round_ else None
        for key, path in inputs:
            for fmt in ("json", "html"):
                sample = run_once(commands[key][fmt], env=souverain_env(path))
                if unit:
                    sample["calibration_seconds"] = unit
                    samples[key][fmt].append(sample)
    results: dict[str, Any] = {}
    for key, _path in inputs:
        json_runs, html_runs = samples[key]["json"], samples[key]["html"]
        result: dict[str, Any] = {fmt: _summarize_samples(samples[key][fmt]) for fmt in ("json", "html")}
        result["resources"] = resources_in(key.rsplit("-", 1)[1])
        result["commands"] = {
            fmt: " ".join(["souverain", *cmd[1:]]).replace(str(ROOT) + "/", "")
            for fmt, cmd in commands[key].items()
        }
        result["html_over_json_per_round"] = summarize(
            [h["seconds"] / j["seconds"] for j, h in zip(json_runs, html_runs, strict=True)]
        )
        result["html_over_json_of_medians"] = (
            result["html"]["seconds"]["median"] / result["json"]["seconds"]["median"]
        )
        results[key] = result
        print(
            f"{key}: json {result['json']['seconds']['median']:.2f} s,"
            f" html {result['html']['seconds']['median']:.2f} s,"
            f" html/json {result['html_over_json_of_medians']:.2f}",
            flush=True,
        )
    return results


GROUPS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "e2e": bench_e2e,
    "split": bench_split,
    "checkov": bench_checkov,
    "crossguard": bench_crossguard,
    "preview": bench_preview,
    "coldstart": bench_coldstart,
    "baseline": bench_baseline,
    "html": bench_html,
    "calibration": bench_calibration,
}
DEFAULT_GROUPS = [g for g in GROUPS if g != "baseline"]
"""`baseline` compares against an older commit: asked for by name only."""


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Model name")
        ),
        "?",
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": sys.version.split()[0],
        "souverain_commit": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "date": time.strftime("%Y-%m-%d %H:%M", time.localtime()),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Groups: " + ", ".join(GROUPS) + " (see the module docstring). "
        f"Subprocesses run without {NO_BYTECODE}; every round is calibrated.",
    )
    parser.add_argument("groups", nargs="*", default=DEFAULT_GROUPS, choices=list(GROUPS))
    parser.add_argument("--sizes", nargs="+", default=["1k", "10k", "100k"])
    parser.add_argument("--runs", type=int, default=5, help="recorded runs (5 or more for published figures)")
    parser.add_argument(
        "--base",
        default=DEFAULT_BASE,
        help=f"baseline: the older commit to compare with (default {DEFAULT_BASE})",
    )
    parser.add_argument(
        "--current",
        metavar="REV",
        help="baseline: run this commit (from a worktree) instead of the checkout's working tree, "
        "which includes uncommitted edits",
    )
    parser.add_argument("--checkov-timeout", type=float, default=3600.0)
    parser.add_argument(
        "--checkov-memory-gb", type=float, default=14.0, help="address-space cap for each Checkov run"
    )
    parser.add_argument(
        "--checkov-full-runs-upto", type=int, default=10_000, help="larger plans get a single Checkov run"
    )
    parser.add_argument(
        "--crossguard-full-runs-upto", type=int, default=20_000, help="larger inputs get a single pack run"
    )
    parser.add_argument("--spaces", nargs="+", type=int, default=[1, 10, 100])
    parser.add_argument(
        "--spaces-key", default="health-data-hub:researchProjects", help="stack config key for the spaces"
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.runs < 5:
        print(f"--runs {args.runs}: fewer than 5 runs, not for docs/benchmarks.md", file=sys.stderr)
    os.environ.pop(NO_BYTECODE, None)  # for the processes started by libraries too (the CrossGuard pack)
    stored = json.loads(args.results.read_text()) if args.results.exists() else {}
    for group in args.groups:
        started = time.perf_counter()
        CALIBRATIONS.pop(group, None)
        results = GROUPS[group](args)
        if results:  # `calibration` has only calibration samples, stored below
            stored.setdefault(group, {}).update(results)
        if CALIBRATIONS.get(group):
            stored.setdefault("calibration", {})[group] = calibration_summary(CALIBRATIONS[group])
        stored.setdefault("machine", {})[group] = {**machine(), "runs": args.runs}
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(json.dumps(stored, indent=1) + "\n")
        print(f"{group}: done in {time.perf_counter() - started:.0f} s", flush=True)
    from report import render_markdown  # bench/report.py, beside this file

    print(render_markdown(stored))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
