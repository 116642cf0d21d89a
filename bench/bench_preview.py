"""Time the offline preview of the Health Data Hub prod stack: median of 5 runs, two ways.

- `in-process`: `souverain.preview_view.build_preview` in one warm interpreter (imports already paid):
  what a test suite or a long-lived tool pays per stack run.
- `cli`: `souverain preview stacks/health-data-hub --stack prod` as a fresh process: what a developer or
  a CI job pays, interpreter start and imports (pulumi, pulumi-openstack, pydantic) included.

Usage: python bench/bench_preview.py [--runs 5] [--stack prod]
Prints a Markdown table for docs/benchmarks.md ("Offline preview").
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "stacks" / "health-data-hub"


def time_in_process(stack: str, runs: int) -> tuple[list[float], int]:
    from souverain.preview_view import build_preview

    build_preview(PROJECT, stack)  # warm-up: imports, catalog parsing, pulumi-openstack module loading
    times, count = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        preview = build_preview(PROJECT, stack)
        times.append(time.perf_counter() - start)
        count = len(preview.resources)
    return times, count


def time_cli(stack: str, runs: int) -> list[float]:
    souverain = shutil.which("souverain", path=str(Path(sys.executable).parent)) or "souverain"
    # Without PYTHONDONTWRITEBYTECODE (some sandboxes set it): users and CI run with .pyc files, written
    # by the untimed first run.
    unset = {"PULUMI_BACKEND_URL", "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    times = []
    for round_ in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(
            [souverain, "preview", str(PROJECT), "--stack", stack], check=True, capture_output=True, env=env
        )
        if round_:
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stack", default="prod")
    args = parser.parse_args()
    os.environ.pop("PULUMI_BACKEND_URL", None)

    warm, resources = time_in_process(args.stack, args.runs)
    cold = time_cli(args.stack, args.runs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"stack {args.stack}: {resources} resources; {args.runs} runs each")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {load:.1f} at the end"
    )
    print()
    print("| run | median | min | max | per resource (median) |")
    print("| --- | --- | --- | --- | --- |")
    for label, times in (("in-process (warm)", warm), ("`souverain preview` (fresh process)", cold)):
        median = statistics.median(times)
        print(
            f"| {label} | {median:.2f} s | {min(times):.2f} s | {max(times):.2f} s "
            f"| {median / resources * 1000:.1f} ms |"
        )


if __name__ == "__main__":
    main()
