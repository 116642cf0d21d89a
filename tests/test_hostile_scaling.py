"""Nothing quadratic: a check's work grows linearly with the size of its input.

No timings (those are in bench/ and docs/benchmarks.md): the work of a whole `souverain check` (read,
evaluate with a policy config and waivers, render every report format) is counted as the Python lines
it executes, which is deterministic. Doubling every dimension that grows with a real estate (resources,
their secrets, provider configurations, waivers) must no more than double it. A loop over all resources
(or waivers, or providers) for each resource would show as a ratio well above two. A test also pins the
indexes that keep the lookups flat.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import yaml
from hostile_support import DOCUMENTS, SMALL_CATALOG, secret_envelope

from souverain.checker import CheckOptions, check
from souverain.reports import FORMATS as REPORT_FORMATS
from souverain.reports import render
from souverain.waivers import parse_waivers


def _password(seed: str) -> str:
    """A generated password: distinct, random-looking, as a real plan's are."""
    return hashlib.sha256(seed.encode()).hexdigest()[:20]


def _preview(copies: int) -> dict[str, Any]:
    """The preview fixture with every resource step repeated `copies` times, each copy with its own URN
    and its own secret; the stack and provider steps once."""
    document = DOCUMENTS["pulumi-preview"]
    steps = []
    for step in document["steps"]:
        if "pulumi:pulumi:Stack" in step["urn"] or "pulumi:providers:" in step["urn"]:
            steps.append(step)
    for copy in range(copies):
        for step in document["steps"]:
            if step in steps:
                continue
            urn = f"{step['urn']}-c{copy}"
            new = dict(step, urn=urn)
            for key in ("newState", "oldState"):
                if isinstance(step.get(key), dict):
                    state = dict(step[key], urn=urn)
                    inputs = dict(state.get("inputs") or {})
                    inputs["dbPassword"] = secret_envelope(_password(f"preview-{copy}-{len(steps)}"))
                    state["inputs"] = inputs
                    new[key] = state
            steps.append(new)
    return dict(document, steps=steps)


def _state(copies: int) -> dict[str, Any]:
    document = DOCUMENTS["pulumi-state"]
    deployment = document["deployment"]
    fixed = [r for r in deployment["resources"] if r["urn"].split("::")[2].startswith("pulumi:")]
    copied = [r for r in deployment["resources"] if r not in fixed]
    resources = list(fixed)
    for copy in range(copies):
        names = {r["urn"]: f"{r['urn']}-c{copy}" for r in copied}
        for resource in copied:
            new = dict(resource, urn=names[resource["urn"]])
            if resource.get("parent") in names:
                new["parent"] = names[resource["parent"]]
            new["dependencies"] = [names.get(d, d) for d in resource.get("dependencies", [])]
            new["inputs"] = dict(
                resource.get("inputs") or {},
                token=secret_envelope(_password(f"state-{copy}-{len(resources)}")),
            )
            resources.append(new)
    return dict(document, deployment=dict(deployment, resources=resources))


def _terraform(copies: int) -> dict[str, Any]:
    """The plan fixture with every resource change repeated: half as new instance keys of the same
    configuration, half renamed (whose configuration the plan does not hold, so that providers are
    resolved by the fallback path), each with a sensitive value; and one provider alias per copy."""
    document = DOCUMENTS["terraform-plan"]
    changes: list[dict[str, Any]] = []
    for copy in range(copies):
        for change in document["resource_changes"]:
            if change["mode"] != "managed":
                continue
            base = (
                change["address"].rsplit("[", 1)[0] if change.get("index") is not None else change["address"]
            )
            new = dict(change)
            if copy % 2:
                key = f"c{copy}-{change.get('index')}"
                new.update(address=f"{base}[{json.dumps(key)}]", index=key)
            else:
                name = f"{change['name']}_c{copy}"
                base = base[: -len(change["name"])] + name
                new.update(
                    name=name, address=base if change.get("index") is None else f"{base}[{change['index']}]"
                )
            body = dict(change["change"])
            if isinstance(body.get("after"), dict):
                body["after"] = dict(body["after"], db_password=_password(f"tf-{copy}-{len(changes)}"))
                sensitive = body.get("after_sensitive")
                body["after_sensitive"] = dict(
                    sensitive if isinstance(sensitive, dict) else {}, db_password=True
                )
            new["change"] = body
            changes.append(new)
    configuration = dict(document["configuration"])
    providers = dict(configuration["provider_config"])
    for copy in range(copies):
        providers[f"openstack.alias{copy}"] = dict(providers["openstack"], alias=f"alias{copy}")
    configuration["provider_config"] = providers
    return dict(document, resource_changes=changes, configuration=configuration)


BUILDERS: dict[str, Callable[[int], dict[str, Any]]] = {
    "pulumi-preview": _preview,
    "pulumi-state": _state,
    "terraform-plan": _terraform,
}


def _waivers(document: dict[str, Any]) -> dict[str, Any]:
    """One exact waiver per resource and one glob per ten, for policies that find something there."""
    addresses = [s["urn"] for s in document.get("steps", [])]
    addresses += [r["urn"] for r in document.get("deployment", {}).get("resources", [])]
    addresses += [r["address"] for r in document.get("resource_changes", [])]
    entry = {"justification": "reviewed", "owner": "ops@example.test", "expires": date(2099, 1, 1)}
    waivers = [dict(entry, policy="no-data-destruction", resource=address) for address in addresses]
    waivers += [
        dict(entry, policy="qualified-region", resource=f"{a[:20]}*-c{i}*")
        for i, a in enumerate(addresses[::10])
    ]
    return {"schema_version": 1, "waivers": waivers}


def executed_lines(run: Callable[[], object]) -> int:
    """How many Python lines (and calls and returns) `run` executes."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(previous)
    return count


def _work(tmp_path: Path, fmt: str, copies: int) -> int:
    folder = tmp_path / f"{fmt}-{copies}"
    folder.mkdir()
    document = BUILDERS[fmt](copies)
    plan = folder / "plan.json"
    plan.write_text(json.dumps(document), encoding="utf-8")
    waivers = folder / "waivers.yaml"
    waivers.write_text(yaml.safe_dump(_waivers(document)), encoding="utf-8")
    config = folder / "policy-config.json"
    config.write_text(
        json.dumps({"no-public-ingress": {"adminRanges": ["198.51.100.0/24"]}}), encoding="utf-8"
    )
    options = CheckOptions(
        catalogs=(str(SMALL_CATALOG),),
        replace_catalog=True,
        policy_config=str(config),
        waivers=str(waivers),
    )

    def run() -> None:
        evaluation = check(str(plan), options)
        assert evaluation.findings
        for report_format in REPORT_FORMATS:
            render(evaluation, report_format)

    run()  # warm: module-level caches and lazy imports are not what is measured
    return executed_lines(run)


@pytest.mark.parametrize("fmt", sorted(BUILDERS))
def test_a_check_does_no_more_than_twice_the_work_on_twice_the_input(tmp_path: Path, fmt: str) -> None:
    small = _work(tmp_path, fmt, 12)
    large = _work(tmp_path, fmt, 24)
    assert large / small < 2.1, f"{fmt}: {small} lines for 12 copies, {large} for 24"


def test_the_scaled_inputs_really_grow() -> None:
    """The builders above multiply what they claim to (else the ratio test proves nothing)."""
    assert len(_preview(24)["steps"]) - len(_preview(12)["steps"]) == 12 * 7
    assert len(_state(24)["deployment"]["resources"]) - len(_state(12)["deployment"]["resources"]) == 12 * 6
    large, small = _terraform(24), _terraform(12)
    assert len(large["resource_changes"]) - len(small["resource_changes"]) == 12 * 13
    assert (
        len(large["configuration"]["provider_config"]) - len(small["configuration"]["provider_config"]) == 12
    )


# -- the indexes that keep lookups flat --------------------------------------------------------------------


def test_waivers_are_looked_up_by_policy_and_address_not_scanned() -> None:
    """A finding's waiver is found without trying the waivers of other policies or other addresses."""
    entry = {"justification": "j", "owner": "o", "expires": date(2099, 1, 1)}
    many = [dict(entry, policy="qualified-region", resource=f"urn:x::r{i}") for i in range(5000)]
    many += [dict(entry, policy="no-public-ingress", resource=f"urn:x::r{i}*") for i in range(5000)]
    waivers = parse_waivers(
        {"schema_version": 1, "waivers": many}, "w.yaml", ["qualified-region"], date(2026, 1, 1)
    )
    lines = executed_lines(
        lambda: [waivers.match("qualified-region", f"urn:x::r{i}") for i in range(0, 5000, 50)]
    )
    assert lines < 100 * 20  # a handful of lines per lookup, not one per waiver
    matched = waivers.match("qualified-region", "urn:x::r4999")
    assert matched is not None
    assert matched["index"] == 4999


def test_the_first_waiver_in_the_file_wins_whether_exact_or_glob() -> None:
    """The index keeps the file's order: the earliest valid waiver that covers a finding is the one shown."""
    entry = {"justification": "j", "owner": "o", "expires": date(2099, 1, 1), "policy": "qualified-region"}
    glob, exact = dict(entry, resource="urn:x::*"), dict(entry, resource="urn:x::r1")
    for entries, expected in (([glob, exact], 0), ([exact, glob], 0)):
        waivers = parse_waivers(
            {"schema_version": 1, "waivers": entries}, "w", ["qualified-region"], date(2026, 1, 1)
        )
        matched = waivers.match("qualified-region", "urn:x::r1")
        assert matched is not None
        assert matched["index"] == expected
        assert matched["resource"] == entries[expected]["resource"]
        other = waivers.match("qualified-region", "urn:x::r2")
        assert other is not None
        assert other["resource"] == "urn:x::*"
        assert waivers.match("no-public-ingress", "urn:x::r1") is None


def _calls(target: Any, name: str, run: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> int:
    """How many times `target.name` is called while `run` runs."""
    original = getattr(target, name)
    count = 0

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal count
        count += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, counting)
    try:
        run()
    finally:
        monkeypatch.setattr(target, name, original)
    return count


def test_terraform_providers_are_resolved_through_an_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resources whose configuration the plan lacks fall back to the nearest provider configuration and
    count its alternatives; with a provider alias per copy, scanning every configuration for every
    resource would grow as resources x providers."""
    from souverain.readers import parse_plan, terraform_plan

    def reads(copies: int) -> int:
        document = _terraform(copies)
        return _calls(
            terraform_plan._Configuration,
            "_source_of",
            lambda: parse_plan(document, "plan.json", "terraform-plan"),
            monkeypatch,
        )

    small, large = reads(12), reads(24)
    assert large / small < 2.1, (small, large)


def test_policies_run_once_per_resource_and_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from souverain.policies import ALL_POLICIES

    from souverain.policy import Policy

    calls: dict[str, int] = {}

    def counted(policy: Policy) -> Policy:
        import dataclasses

        def tally(*args: Any) -> Any:
            calls[policy.id] = calls.get(policy.id, 0) + 1
            check = policy.check_resource or policy.check_stack
            assert check is not None
            return check(*args)

        if policy.check_resource is not None:
            return dataclasses.replace(policy, check_resource=tally)
        return dataclasses.replace(policy, check_stack=tally)

    monkeypatch.setattr("souverain.checker.all_policies", lambda: tuple(counted(p) for p in ALL_POLICIES))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_preview(24)), encoding="utf-8")
    evaluation = check(str(plan), CheckOptions(catalogs=(str(SMALL_CATALOG),), replace_catalog=True))
    for policy in ALL_POLICIES:
        applies = policy.applies_to or (lambda kind: True)  # the engine skips the kinds a policy ignores
        judged = sum(1 for resource in evaluation.resources if applies(resource.kind))
        assert calls.get(policy.id, 0) == (judged if policy.scope == "resource" else 1), policy.id


def test_catalog_questions_are_asked_once_per_distinct_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twice the resources in the same regions and hosts ask the catalog nothing new."""
    from souverain.catalog import Catalog

    def questions(copies: int) -> tuple[int, int]:
        plan = tmp_path / f"plan-{copies}.json"
        plan.write_text(json.dumps(_terraform(copies)), encoding="utf-8")
        options = CheckOptions(catalogs=(str(SMALL_CATALOG),), replace_catalog=True)
        regions = _calls(Catalog, "_region_qualified", lambda: check(str(plan), options), monkeypatch)
        hosts = _calls(Catalog, "_match_host", lambda: check(str(plan), options), monkeypatch)
        return regions, hosts

    assert questions(12) == questions(24)


def test_redaction_stays_linear_when_every_secret_shares_a_prefix() -> None:
    """Secrets and resource names are both the plan author's: secrets sharing a long prefix with names
    that every report line carries must not make each line a search for every secret."""
    from souverain.reports._redact import SecretMatcher

    def work(count: int) -> int:
        matcher = SecretMatcher(f"aaaaaaaaaaaaaaaa-secret-{i:06d}" for i in range(count))
        lines = [
            f"urn:pulumi:prod::p::t::aaaaaaaaaaaaaaaa-{i}: region is not qualified" for i in range(count)
        ]
        lines.append("leaked aaaaaaaaaaaaaaaa-secret-000042 here")
        found: list[list[str]] = []
        counted = executed_lines(lambda: found.extend(matcher.find(line) for line in lines))
        assert found[-1] == ["aaaaaaaaaaaaaaaa-secret-000042"]
        return counted

    small, large = work(500), work(1000)
    assert large / small < 2.1, (small, large)
