"""Waivers to review: one that covers nothing, or one that expires within 30 days, is reported as an
advisory finding (it does not fail the run unless the policy config names it)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import yaml
from click.testing import CliRunner
from conftest import FIXTURES, SMALL_CATALOG, pulumi_resource

from souverain.catalog import Catalog
from souverain.engine import evaluate, parse_policy_config
from souverain.policy import Settings
from souverain.reports import FORMATS, render
from souverain.waivers import parse_waivers

TODAY = date(2026, 3, 1)
POLICY_IDS = ("qualified-region", "protected-data-store")
LEGACY = "urn:pulumi:dev::proj::openstack:blockstorage/volume:Volume::legacy-*"


def entry(
    resource: str = LEGACY, expires: date = date(2026, 6, 30), policy: str = "qualified-region"
) -> dict:
    return {
        "policy": policy,
        "resource": resource,
        "justification": "Export to the old platform until the migration ends.",
        "owner": "hdh-platform@example.test",
        "expires": expires,
    }


def run(catalog: Catalog, *entries: dict, config: object = None):  # type: ignore[no-untyped-def]
    from souverain.policies import POLICIES_BY_ID

    waivers = parse_waivers({"schema_version": 1, "waivers": list(entries)}, "w.yaml", POLICY_IDS, TODAY)
    volume = pulumi_resource(
        "openstack:blockstorage/volume:Volume", {"size": 20}, name="legacy-export", provider_region="PUB-1"
    )
    known = (*POLICY_IDS, "waiver-invalid", "waived-finding", "waiver-unused", "waiver-expiring")
    policy_config = parse_policy_config(config, "cfg.json", known) if config is not None else None
    return evaluate(
        [volume],
        catalog,
        [POLICIES_BY_ID["qualified-region"]],
        policy_config,
        Settings(today=TODAY),
        waivers=waivers,
    )


def review(evaluation) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [
        (f.policy, f.path or "", f.enforcement.value)
        for f in evaluation.findings
        if f.policy in ("waiver-unused", "waiver-expiring")
    ]


def test_a_waiver_that_covers_a_finding_and_expires_later_is_not_reported(small_catalog: Catalog) -> None:
    result = run(small_catalog, entry())
    assert review(result) == []
    assert result.passed


def test_a_waiver_that_covers_nothing_is_an_advisory_finding(small_catalog: Catalog) -> None:
    misspelt = entry(resource="urn:pulumi:dev::proj::openstack:blockstorage/volume:Volume::legacy-exprot")
    result = run(small_catalog, entry(), misspelt, entry(policy="protected-data-store"))
    assert review(result) == [
        ("waiver-unused", "waivers[1]", "advisory"),
        ("waiver-unused", "waivers[2]", "advisory"),
    ]
    assert result.passed  # advisory: the covered finding is waived, nothing fails
    (message,) = {f.message for f in result.findings if f.path == "waivers[1]"}
    assert "legacy-exprot" in message
    assert "covers no finding" in message


def test_a_waiver_expiring_within_30_days_is_an_advisory_finding(small_catalog: Catalog) -> None:
    for days, reported in ((0, True), (10, True), (30, True), (31, False), (90, False)):
        result = run(small_catalog, entry(expires=TODAY + timedelta(days=days)))
        expected = [("waiver-expiring", "waivers[0]", "advisory")] if reported else []
        assert review(result) == expected, days
        assert result.passed
    found = run(small_catalog, entry(expires=date(2026, 3, 11))).findings
    (finding,) = [f for f in found if f.policy == "waiver-expiring"]
    assert "expires on 2026-03-11, in 10 days" in finding.message


def test_only_naming_a_review_id_in_the_policy_config_makes_it_fail(small_catalog: Catalog) -> None:
    unused = entry(policy="protected-data-store")
    assert run(small_catalog, entry(), unused, config={"all": "mandatory"}).passed
    failing = run(small_catalog, entry(), unused, config={"waiver-unused": "mandatory"})
    assert not failing.passed
    assert [f.policy for f in failing.mandatory] == ["waiver-unused"]
    assert review(run(small_catalog, entry(), unused, config={"waiver-unused": "disabled"})) == []


def test_every_report_format_shows_the_review(small_catalog: Catalog) -> None:
    result = run(small_catalog, entry(), entry(policy="protected-data-store"))
    for fmt in FORMATS:
        assert "waiver-unused" in render(result, fmt), fmt


def test_souverain_check_reports_an_unused_waiver_without_changing_the_verdict(tmp_path: Path) -> None:
    from souverain.cli.main import main

    waivers = tmp_path / "waivers.yaml"
    unused = entry(
        resource="urn:pulumi:dev::hdh::nothing:here:Thing::none", expires=date.today() + timedelta(400)
    )
    waivers.write_text(yaml.safe_dump({"schema_version": 1, "waivers": [unused]}), encoding="utf-8")
    plan = FIXTURES / "crossguard" / "preview.json"
    args = [
        "check",
        str(plan),
        "--replace-catalog",
        "--catalog",
        str(SMALL_CATALOG),
        "--waivers",
        str(waivers),
    ]
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    report = json.loads(result.stdout)
    unused_findings = [f for f in report["findings"] if f["policy"] == "waiver-unused"]
    assert len(unused_findings) == 1
    assert unused_findings[0]["enforcement"] == "advisory"
    assert unused_findings[0]["waived"] is False
    # The run's verdict is the preview's own findings' (it has mandatory ones), not the waiver's.
    without = CliRunner().invoke(main, [*args[:-2], "--format", "json"])
    assert result.exit_code == without.exit_code == 1
