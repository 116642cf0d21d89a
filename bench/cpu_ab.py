"""CPU time of `souverain check` for two revisions, interleaved, in fresh processes.

`bench/run.py baseline` compares wall-clock time, which other work on a shared VM inflates by up to 3x.
CPU time (user + system of the child, from `getrusage`) is what contention inflates least, so this script
measures it: each round runs the base tree, then the current tree, on the same input.

    python bench/generate.py                      # the inputs, once
    python bench/cpu_ab.py --base 6f94bc1 --sizes 10k --rounds 5

Each revision is exported with `git archive` into a temporary folder laid out as the package installs
(`souverain/`, with `components/`, `policies/` and `cli/` inside it), and one untimed run per tree writes
its bytecode cache first. Prints, per input, the medians, minimums and current ÷ base.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUN = (
    "import sys; from souverain.cli.main import main; "
    "sys.argv = ['souverain', 'check', sys.argv[1], '--catalog', sys.argv[2], '--format', 'json', "
    "'-o', os.devnull]; main()"
)


def export_tree(revision: str | None, into: Path) -> Path:
    """The package of `revision` (None: the working tree) laid out as it installs, under `into`."""
    package = into / "souverain"
    if revision is None:
        shutil.copytree(ROOT / "src" / "souverain", package)
        for sub in ("components", "policies", "cli"):
            shutil.copytree(ROOT / sub, package / sub)
        return into
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "src/souverain", "components", "policies", "cli"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into / "raw", filter="data")
    shutil.move(str(into / "raw" / "src" / "souverain"), package)
    for sub in ("components", "policies", "cli"):
        shutil.move(str(into / "raw" / sub), package / sub)
    return into


def cpu_seconds(tree: Path, plan: Path, catalog: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-c", "import os; " + RUN, str(plan), str(catalog)],
        env=env,
        capture_output=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="git revision to compare against")
    parser.add_argument("--current", default=None, help="git revision (default: the working tree)")
    parser.add_argument("--sizes", nargs="+", default=["10k"])
    parser.add_argument("--kinds", nargs="+", default=["plan", "preview", "state"])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    catalog = HERE / "catalog.yaml"
    with tempfile.TemporaryDirectory(prefix="souverain-cpu-ab-") as scratch:
        base = export_tree(args.base, Path(scratch) / "base")
        current = export_tree(args.current, Path(scratch) / "current")
        for size in args.sizes:
            for kind in args.kinds:
                plan = HERE / "out" / f"{kind}-{size}.json"
                if not plan.exists():
                    raise SystemExit(f"{plan} is missing: run python bench/generate.py first")
                for tree in (base, current):
                    cpu_seconds(tree, plan, catalog)  # writes the bytecode cache
                samples: dict[str, list[float]] = {"base": [], "current": []}
                for _ in range(args.rounds):
                    samples["base"].append(cpu_seconds(base, plan, catalog))
                    samples["current"].append(cpu_seconds(current, plan, catalog))
                base_median = statistics.median(samples["base"])
                current_median = statistics.median(samples["current"])
                print(
                    f"{plan.name}: base median {base_median:.3f} s (min {min(samples['base']):.3f}), "
                    f"current median {current_median:.3f} s (min {min(samples['current']):.3f}), "
                    f"current / base {current_median / base_median:.2f}"
                )


if __name__ == "__main__":
    main()
