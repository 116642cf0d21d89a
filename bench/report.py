"""Markdown tables from `bench/out/results.json`, for `docs/benchmarks.md`.

python bench/report.py [bench/out/results.json]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

TARGET_E2E_10K = 1.0
TARGET_VS_CHECKOV = 30.0
TARGET_VS_CROSSGUARD = 10.0
TARGET_MEMORY_RATIO = 10.0
TARGET_HELP = 0.3
TARGET_PREVIEW = 5.0


def _s(stats: Mapping[str, Any] | None, unit: str = "s", digits: int = 2) -> str:
    """`median (min-max)`."""
    if not stats:
        return "—"
    return f"{stats['median']:.{digits}f} {unit} ({stats['min']:.{digits}f}-{stats['max']:.{digits}f})"


def _iqr(stats: Mapping[str, Any] | None, digits: int = 2) -> str:
    if not stats:
        return "—"
    return f"{stats['q1']:.{digits}f}-{stats['q3']:.{digits}f}"


def _mb(value: float) -> str:
    return f"{value / 1e6:.1f} MB"


def _ok(met: bool | None) -> str:
    return "—" if met is None else ("met" if met else "**missed**")


def _sizes(group: Mapping[str, Any]) -> list[str]:
    order = {"10": 0, "1k": 1, "10k": 2, "100k": 3}
    return sorted({key.rsplit("-", 1)[-1] for key in group}, key=lambda s: order.get(s, 9))


def e2e_table(e2e: Mapping[str, Any]) -> str:
    lines = [
        "| input | resources | file | wall time, median (min-max) | IQR | peak RSS, median | RSS / file |",
        "| --- | ---: | ---: | --- | --- | ---: | ---: |",
    ]
    calibrated = all("in_calibration_units" in r for r in e2e.values())
    if calibrated:
        lines[0] += " in calibration units ² |"
        lines[1] += " ---: |"
    for key, result in sorted(e2e.items(), key=lambda kv: (_sizes({kv[0]: 0})[0], kv[0])):
        note = " ¹" if result.get("env") else ""
        lines.append(
            f"| `{key}.json`{note} | {result['resources']:,} | {_mb(result['bytes'])} "
            f"| {_s(result['seconds'])} "
            f"| {_iqr(result['seconds'])} | {result['peak_rss_mb']['median']:.0f} MB "
            f"| {result['memory_over_input']:.1f}x |"
            + (f" {result['in_calibration_units']['median']:.2f} |" if calibrated else "")
        )
    if any(r.get("env") for r in e2e.values()):
        lines.append("")
        lines.append(
            "¹ over the default 512 MiB input cap: run with `SOUVERAIN_MAX_INPUT_BYTES` raised (see below)."
        )
    if calibrated:
        lines.append("")
        lines.append(
            "² each run's seconds divided by the calibration workload's seconds in the same round (median): "
            "comparable across times when the machine's speed was not."
        )
    return "\n".join(lines)


def scaling_table(e2e: Mapping[str, Any]) -> str:
    lines = [
        "| format | µs per resource at 1k | at 10k | at 100k | time 100k ÷ 10k (linear = 10) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for kind in ("plan", "preview", "state"):
        per: dict[str, float] = {}
        for size in ("1k", "10k", "100k"):
            result = e2e.get(f"{kind}-{size}")
            if result:
                per[size] = result["seconds"]["median"]
        cells = [
            f"{1e6 * per[s] / e2e[f'{kind}-{s}']['resources']:.0f}" if s in per else "—"
            for s in ("1k", "10k", "100k")
        ]
        ratio = f"{per['100k'] / per['10k']:.1f}" if "100k" in per and "10k" in per else "—"
        lines.append(f"| {kind} | {' | '.join(cells)} | {ratio} |")
    return "\n".join(lines)


def split_table(split: Mapping[str, Any]) -> str:
    phases = ["import", "catalog", "parse", "normalize", "evaluate", "report_json", "report_sarif"]
    lines = [
        "| input | " + " | ".join(phases) + " | total |",
        "| --- | " + " | ".join("---:" for _ in phases) + " | ---: |",
    ]
    for key, result in sorted(split.items(), key=lambda kv: (_sizes({kv[0]: 0})[0], kv[0])):
        cells = [f"{result['seconds'][p]['median']:.3f}" for p in phases if p in result["seconds"]]
        total = sum(result["seconds"][p]["median"] for p in phases if p in result["seconds"])
        lines.append(f"| `{key}` | {' | '.join(cells)} | {total:.3f} |")
    lines.append("")
    lines.append("Seconds, median of the runs; each run is a fresh process.")
    return "\n".join(lines)


def calibration_table(calibration: Mapping[str, Any]) -> str:
    lines = [
        "| during | runs | calibration workload, median (min-max) | IQR | slowest ÷ fastest | from-to |",
        "| --- | ---: | --- | --- | ---: | --- |",
    ]
    for group, result in calibration.items():
        samples = result.get("samples", [])
        span = f"{samples[0]['time']}-{samples[-1]['time']}" if samples and "time" in samples[0] else "-"
        lines.append(
            f"| {group} | {result['seconds']['n']} | {_s(result['seconds'], digits=3)} "
            f"| {_iqr(result['seconds'], 3)} | {result['slowest_over_fastest']:.2f} | {span} |"
        )
    lines.append("")
    lines.append(
        "A fixed pure-Python workload (`CALIBRATION_WORKLOAD` in `bench/run.py`) timed in a fresh process "
        "with every round of each group: the machine's speed while that group ran. Figures of groups "
        "measured at different speeds are not comparable as they stand."
    )
    return "\n".join(lines)


def baseline_table(baseline: Mapping[str, Any]) -> str:
    lines = [
        "| input | resources | base, median (min-max) | current, median (min-max) | base ÷ current "
        "| base ÷ current per round, median (min-max) |",
        "| --- | ---: | --- | --- | ---: | --- |",
    ]
    trees: Mapping[str, Any] = {}
    for key, result in sorted(baseline.items(), key=lambda kv: (_sizes({kv[0]: 0})[0], kv[0])):
        trees = result.get("trees", trees)
        per_round = result["base_over_current_per_round"]
        lines.append(
            f"| `{key}.json` | {result['resources']:,} | {_s(result['base']['seconds'])} "
            f"| {_s(result['current']['seconds'])} | {result['base_over_current']:.2f}x "
            f"| {per_round['median']:.2f}x ({per_round['min']:.2f}-{per_round['max']:.2f}) |"
        )
    if trees:
        base, current = trees["base"], trees["current"]
        dirty = " plus uncommitted edits" if current.get("uncommitted_changes") else ""
        lines.append("")
        lines.append(
            f"Base: commit {base['commit']}; current: commit {current['commit']}{dirty}. Both run from an "
            "installed-layout tree of links with `python -c` calling the `souverain` script's entry point, "
            "alternating within every round; a ratio above 1 means the current tree is faster."
        )
    return "\n".join(lines)


def checkov_table(checkov: Mapping[str, Any], e2e: Mapping[str, Any]) -> str:
    lines = [
        "| plan | Checkov wall time, median (min-max) | runs | Checkov peak RSS | souverain "
        "| souverain faster by |",
        "| --- | --- | ---: | ---: | --- | ---: |",
    ]
    for size, result in checkov.items():
        if not isinstance(result, Mapping) or size in ("env", "args"):
            continue
        ours = e2e.get(f"plan-{size}", {}).get("seconds")
        if result.get("crashed"):
            tail = result["samples"][0].get("stderr_tail", "").strip().splitlines()
            why = tail[-1][:80] if tail else "no report"
            counts = result.get("summary", {}).get("summary", {})
            if counts.get("parsing_errors"):
                peak = result["samples"][0].get("peak_rss_mb", 0) / 1024
                why = f"parsing error, 0 resources checked, peak {peak:.1f} GB"
            lines.append(
                f"| `plan-{size}` | failed after {result['samples'][0]['seconds']:.0f} s: `{why}` | 1 | - "
                f"| {_s(ours)} | - |"
            )
            continue
        if result.get("timed_out_after"):
            lines.append(
                f"| `plan-{size}` | timed out after {result['timed_out_after']:.0f} s | 1 | — | {_s(ours)} "
                f"| > {result['timed_out_after'] / ours['median']:.0f}x |"
                if ours
                else f"| `plan-{size}` | timed out after {result['timed_out_after']:.0f} s | 1 | — | — | — |"
            )
            continue
        ratio = f"{result['seconds']['median'] / ours['median']:.0f}x" if ours else "—"
        ours_cpu = e2e.get(f"plan-{size}", {}).get("cpu_seconds")
        cpu_ratio = (
            f"{result['cpu_seconds']['median'] / ours_cpu['median']:.0f}x"
            if ours_cpu and result.get("cpu_seconds")
            else "-"
        )
        lines.append(
            f"| `plan-{size}` | {_s(result['seconds'])} | {result['runs']} "
            f"| {result['peak_rss_mb']['median']:.0f} MB | {_s(ours)} | {ratio} (CPU: {cpu_ratio}) |"
        )
    return "\n".join(lines)


def crossguard_table(crossguard: Mapping[str, Any], e2e: Mapping[str, Any]) -> str:
    lines = [
        "| preview | Analyze calls | pack total (start + RPCs), median (min-max) | of which start "
        "| per call | pack peak RSS | souverain check | souverain faster by |",
        "| --- | ---: | --- | --- | ---: | ---: | --- | ---: |",
    ]
    for size, result in crossguard.items():
        ours = e2e.get(f"preview-{size}", {}).get("seconds")
        ratio = f"{result['seconds']['median'] / ours['median']:.0f}x" if ours else "—"
        ours_cpu = e2e.get(f"preview-{size}", {}).get("cpu_seconds")
        if ours_cpu and result.get("pack_cpu_seconds"):
            ratio += f" (pack CPU: {result['pack_cpu_seconds']['median'] / ours_cpu['median']:.0f}x)"
        lines.append(
            f"| `preview-{size}` | {result['analyze_calls']:,} | {_s(result['seconds'])} "
            f"| {_s(result['start_seconds'])} | {result['per_call_ms']:.2f} ms "
            f"| {result['peak_rss_mb']['median']:.0f} MB | {_s(ours)} | {ratio} |"
        )
    return "\n".join(lines)


def coldstart_table(coldstart: Mapping[str, Any]) -> str:
    lines = ["| command | wall time, median (min-max) | IQR | peak RSS |", "| --- | --- | --- | ---: |"]
    for name, result in coldstart.items():
        if name.endswith("_imports"):
            continue
        lines.append(
            f"| `{name}` | {_s(result['seconds'], digits=3)} | {_iqr(result['seconds'], 3)} "
            f"| {result['peak_rss_mb']['median']:.0f} MB |"
        )
    imports = coldstart.get("help_imports")
    if imports:
        heavy = ", ".join(imports["heavy_packages_imported"]) or "none"
        lines.append("")
        lines.append(
            f"`souverain --help` imports {imports['modules']} modules; "
            f"of pulumi, pydantic, rich, yaml, grpc: {heavy}."
        )
    return "\n".join(lines)


def preview_table(preview: Mapping[str, Any]) -> str:
    lines = [
        "| prod config | research projects | resources | wall time, median (min-max) | IQR | CPU "
        "| peak RSS |",
        "| --- | ---: | ---: | --- | --- | ---: | ---: |",
    ]
    for spaces, result in preview.items():
        if spaces == "config_key":
            continue
        label = "as shipped" if spaces == "shipped" else f"{spaces} research projects"
        cpu = result.get("cpu_seconds", {}).get("median")
        lines.append(
            f"| {label} | {result.get('research_projects', '-')} | {result.get('resources') or '-'} "
            f"| {_s(result['seconds'])} | {_iqr(result['seconds'])} "
            f"| {f'{cpu:.2f} s' if cpu is not None else '-'} | {result['peak_rss_mb']['median']:.0f} MB |"
        )
    return "\n".join(lines)


def targets_table(results: Mapping[str, Any]) -> str:
    e2e = results.get("e2e", {})
    rows: list[tuple[str, str, bool | None]] = []
    for kind in ("plan", "preview", "state"):
        r = e2e.get(f"{kind}-10k")
        if r:
            value = r["seconds"]["median"]
            rows.append(
                (f"10k-resource {kind} end to end < {TARGET_E2E_10K:g} s", f"{value:.2f} s", value < 1.0)
            )
    checkov = results.get("checkov", {})
    for size in ("1k", "10k"):
        c, ours = checkov.get(size), e2e.get(f"plan-{size}")
        if isinstance(c, Mapping) and c.get("seconds") and ours:
            ratio = c["seconds"]["median"] / ours["seconds"]["median"]
            rows.append(
                (f"≥ {TARGET_VS_CHECKOV:g}x faster than Checkov ({size} plan)", f"{ratio:.0f}x", ratio >= 30)
            )
    crossguard = results.get("crossguard", {})
    for size in ("1k", "10k"):
        c, ours = crossguard.get(size), e2e.get(f"preview-{size}")
        if c and ours:
            ratio = c["seconds"]["median"] / ours["seconds"]["median"]
            rows.append(
                (
                    f"≥ {TARGET_VS_CROSSGUARD:g}x faster than CrossGuard over gRPC ({size})",
                    f"{ratio:.0f}x",
                    ratio >= 10,
                )
            )
    for kind in ("plan", "preview", "state"):
        small, big = e2e.get(f"{kind}-10k"), e2e.get(f"{kind}-100k")
        if small and big:
            ratio = big["seconds"]["median"] / small["seconds"]["median"]
            rows.append((f"linear to 100k ({kind}: time 100k ÷ 10k ≈ 10)", f"{ratio:.1f}", ratio <= 12))
            rows.append(
                (
                    f"peak memory < {TARGET_MEMORY_RATIO:g}x the input ({kind}, 100k)",
                    f"{big['memory_over_input']:.1f}x",
                    big["memory_over_input"] < TARGET_MEMORY_RATIO,
                )
            )
    help_ = results.get("coldstart", {}).get("souverain --help")
    if help_:
        value = help_["seconds"]["median"]
        rows.append((f"`souverain --help` < {TARGET_HELP:g} s", f"{value:.3f} s", value < TARGET_HELP))
    shipped = results.get("preview", {}).get("shipped")
    if shipped:
        value = shipped["seconds"]["median"]
        rows.append(
            (
                f"offline prod preview < {TARGET_PREVIEW:g} s (prod as shipped)",
                f"{value:.2f} s",
                value < TARGET_PREVIEW,
            )
        )
    lines = ["| target | measured (median) | |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {value} | {_ok(met)} |" for name, value, met in rows]
    return "\n".join(lines)


def render_markdown(results: Mapping[str, Any]) -> str:
    parts = ["## Targets", targets_table(results)]
    if "e2e" in results:
        parts += ["## souverain check end to end", e2e_table(results["e2e"]), scaling_table(results["e2e"])]
    if "baseline" in results:
        parts += ["## Against the base commit (interleaved)", baseline_table(results["baseline"])]
    if "split" in results:
        parts += ["## Time split", split_table(results["split"])]
    if "checkov" in results:
        parts += ["## Checkov", checkov_table(results["checkov"], results.get("e2e", {}))]
    if "crossguard" in results:
        parts += ["## CrossGuard over gRPC", crossguard_table(results["crossguard"], results.get("e2e", {}))]
    if "preview" in results:
        parts += ["## Offline preview (bench)", preview_table(results["preview"])]
    if "coldstart" in results:
        parts += ["## Cold start", coldstart_table(results["coldstart"])]
    if "calibration" in results:
        parts += ["## Machine speed (calibration)", calibration_table(results["calibration"])]
    return "\n\n".join(parts) + "\n"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "out" / "results.json"
    print(render_markdown(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
