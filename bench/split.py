"""Where `souverain check` spends its time: one process, one input, each phase timed on its own.

Phases, as `souverain.checker.check` runs them:
- `import`: the library, the policies and the report writers (what a cold process pays once);
- `catalog`: loading and validating the shipped catalog plus `bench/catalog.yaml`;
- `parse`: reading the file, checking it is UTF-8 and splitting its top-level object into members
  (`readers._json.load_json_file`);
- `normalize`: the reader turning the document into the model (`readers.parse_plan`), decoding each
  member it reads on first use;
- `evaluate`: settings and every policy over every resource (`engine.evaluate`);
- `report_json`, `report_sarif`: rendering the two machine reports (`reports.render`).

Prints one JSON object: seconds per phase, resident memory after each phase, counts. `bench/run.py` runs
this in a fresh process per repetition, so caches are as cold as in CI.

    python bench/split.py bench/out/plan-10k.json
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BENCH_CATALOG = HERE / "catalog.yaml"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def split(path: str) -> dict[str, Any]:
    seconds: dict[str, float] = {}
    peak_mb: dict[str, float] = {}
    clock = time.perf_counter

    def done(phase: str, started: float) -> float:
        now = clock()
        seconds[phase] = now - started
        peak_mb[phase] = _rss_mb()
        return now

    started = clock()
    from souverain.catalog import load_catalog
    from souverain.checker import all_policies
    from souverain.engine import PolicyConfig, evaluate, settings_from_config
    from souverain.readers import _json, parse_plan
    from souverain.reports import render

    policies = all_policies()
    started = done("import", started)

    catalog = load_catalog([str(BENCH_CATALOG)])
    config = PolicyConfig()
    started = done("catalog", started)

    data = _json.load_json_file(Path(path), path)
    started = done("parse", started)

    plan = parse_plan(data, path)
    del data
    started = done("normalize", started)

    settings = settings_from_config(config, plan)
    evaluation = evaluate(
        plan.resources, catalog, policies, config, settings, plan=plan, stack_name=plan.stack or path
    )
    started = done("evaluate", started)

    report_bytes = {}
    for fmt in ("json", "sarif"):
        report = render(evaluation, fmt)
        report_bytes[fmt] = len(report.encode())
        started = done(f"report_{fmt}", started)

    return {
        "file": path,
        "bytes": Path(path).stat().st_size,
        "resources": len(plan.resources),
        "findings": len(evaluation.findings),
        "seconds": seconds,
        "peak_rss_mb": peak_mb,
        "report_bytes": report_bytes,
    }


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python bench/split.py PLAN.json")
    print(json.dumps(split(sys.argv[1])))


if __name__ == "__main__":
    main()
