"""The five report formats on one known run (tests/report_scenario.py): shape, counts, order, waivers.

SARIF is validated against the official OASIS SARIF 2.1.0 schema, kept verbatim as
tests/fixtures/sarif-schema-2.1.0.json (oasis-tcs/sarif-spec, Schemata/sarif-schema-2.1.0.json, errata01 OS).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import FIXTURES
from report_scenario import (
    ADVISORY_POLICY,
    PLAN_PATH,
    POLICIES,
    WAIVER,
    address,
    scenario,
)

from souverain.catalog import Catalog
from souverain.engine import Evaluation, Finding, PolicyConfig, evaluate
from souverain.model import Plan
from souverain.policy import Enforcement
from souverain.reports import FORMATS, render

SCHEMA_PATH = FIXTURES / "sarif-schema-2.1.0.json"


def parse_xml(text: str) -> ET.Element:
    """Our own JUnit output, parsed to check its structure (trusted input)."""
    return ET.fromstring(text)  # noqa: S314


@cache
def _sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def sarif(evaluation: Evaluation) -> dict[str, Any]:
    """The SARIF report, after checking it against the official schema."""
    log: dict[str, Any] = json.loads(render(evaluation, "sarif"))
    errors = sorted(_sarif_validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return log


@pytest.fixture
def run(small_catalog: Catalog) -> Evaluation:
    return scenario(small_catalog)


# --- the fixture schema is the real one ---------------------------------------------------------------------


def test_schema_fixture_is_the_official_sarif_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    assert (
        schema["id"]
        == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert {"result", "reportingDescriptor", "suppression", "logicalLocation"} <= set(schema["definitions"])
    # It rejects what SARIF forbids, so validating our output means something.
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"level": "fatal"}]}]}
    assert not _sarif_validator().is_valid(bad)


# --- JSON ---------------------------------------------------------------------------------------------------


def test_json_has_the_documented_keys(run: Evaluation) -> None:
    report = json.loads(render(run, "json"))
    assert set(report) == {"version", "tool", "input", "summary", "findings", "resources", "policies"}
    assert report["version"] == "1.0"
    assert report["tool"]["name"] == "souverain"
    assert report["tool"]["version"]
    assert report["input"] == {
        "path": PLAN_PATH,
        "format": "pulumi-preview",
        "stack": "prod",
        "project": "hdh",
        "catalogs": list(run.catalog_sources),
    }
    for finding in report["findings"]:
        assert {"policy", "enforcement", "severity", "resource", "type", "message"} <= set(finding)
        assert {"unknown", "path", "waived"} <= set(finding)
    for resource in report["resources"]:
        assert {"resource", "type", "region", "kind", "region_source", "operation", "provider"} <= set(
            resource
        )


def test_json_summary_counts_unwaived_findings_only(run: Evaluation) -> None:
    summary = json.loads(render(run, "json"))["summary"]
    assert summary == {
        "resources": 6,
        "cloud_resources": 5,
        "policies": 3,
        "findings": 5,
        "mandatory": 3,
        "advisory": 1,
        "waived": 1,
        "unknown": 1,
        "passed": False,
    }


def test_json_waived_finding_stays_listed_with_its_waiver(run: Evaluation) -> None:
    findings = json.loads(render(run, "json"))["findings"]
    waived = [f for f in findings if f["waived"]]
    assert len(waived) == 1
    (finding,) = waived
    assert finding["resource"] == address("pub")
    assert finding["enforcement"] == "mandatory"  # as evaluated; the waiver is what keeps it from counting
    assert finding["waiver"] == {**WAIVER, "expires": "2099-01-31"}
    assert all("waiver" not in f for f in findings if not f["waived"])


def test_json_regions_are_strings_or_null(run: Evaluation) -> None:
    resources = {r["resource"]: r for r in json.loads(render(run, "json"))["resources"]}
    assert resources[address("ok")]["region"] == "SNC-PAR-1"
    assert resources[address("ok")]["region_source"] == "provider"
    assert resources[address("pub")]["region"] == "PUB-1"
    assert resources[address("pub")]["region_source"] == "resource"
    unknown = resources[address("unk")]
    assert unknown["region"] is None
    assert unknown["region_unknown"] is True
    assert resources[address("ok")]["region_unknown"] is False
    provider = resources["urn:pulumi:dev::proj::pulumi:providers:openstack::default"]
    assert provider["cloud_resource"] is False


def test_json_unknown_finding_is_marked(run: Evaluation) -> None:
    findings = json.loads(render(run, "json"))["findings"]
    unknown = [f for f in findings if f["unknown"]]
    assert [f["resource"] for f in unknown] == [address("unk")]


def test_json_lists_policy_metadata_with_effective_enforcement(small_catalog: Catalog) -> None:
    config = PolicyConfig(enforcement={"test-advisory": Enforcement.MANDATORY})
    policies = {
        p["id"]: p for p in json.loads(render(scenario(small_catalog, config=config), "json"))["policies"]
    }
    assert list(policies) == sorted(p.id for p in POLICIES)
    advisory = policies["test-advisory"]
    assert advisory["enforcement"] == "advisory"
    assert advisory["effective_enforcement"] == "mandatory"
    assert advisory["requirements"] == ["HDS v2 test requirement"]
    assert advisory["help_uri"] == ADVISORY_POLICY.help_uri
    assert policies["test-disabled"]["effective_enforcement"] == "disabled"


def test_every_format_is_deterministic(small_catalog: Catalog) -> None:
    for fmt in FORMATS:
        first = render(scenario(small_catalog), fmt)
        assert render(scenario(small_catalog), fmt) == first, fmt
        assert render(scenario(small_catalog, reverse=True), fmt) == first, fmt


# --- SARIF --------------------------------------------------------------------------------------------------


def test_sarif_is_valid_and_describes_every_policy(run: Evaluation) -> None:
    log = sarif(run)
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (only_run,) = log["runs"]
    driver = only_run["tool"]["driver"]
    assert driver["name"] == "souverain"
    assert driver["version"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert list(rules) == sorted(p.id for p in POLICIES)
    region = rules["qualified-region"]
    policy = next(p for p in POLICIES if p.id == "qualified-region")
    assert region["shortDescription"]["text"] == policy.title
    assert region["fullDescription"]["text"] == policy.rationale
    assert policy.remediation in region["help"]["text"]
    for requirement in policy.requirements:
        assert requirement in region["help"]["text"]
        assert requirement in region["help"]["markdown"]
        assert requirement in region["properties"]["tags"]
    assert region["defaultConfiguration"] == {"level": "error"}
    assert region["properties"]["security-severity"] == "9.5"
    assert "security" in region["properties"]["tags"]
    assert rules["test-advisory"]["helpUri"] == ADVISORY_POLICY.help_uri
    assert rules["test-advisory"]["defaultConfiguration"] == {"level": "warning"}
    assert rules["test-advisory"]["properties"]["security-severity"] == "5.5"
    assert rules["test-stack"]["properties"]["security-severity"] == "8.0"
    assert rules["test-disabled"]["defaultConfiguration"] == {"level": "none", "enabled": False}
    assert rules["test-disabled"]["properties"]["security-severity"] == "3.0"


def test_sarif_results_levels_locations_and_suppressions(run: Evaluation) -> None:
    only_run = sarif(run)["runs"][0]
    rules = only_run["tool"]["driver"]["rules"]
    results = only_run["results"]
    assert len(results) == len(run.findings) == 5
    by_key = {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r for r in results
    }
    assert by_key["qualified-region", address("bad")]["level"] == "error"
    assert by_key["qualified-region", address("unk")]["level"] == "error"
    assert by_key["test-stack", address("bad")]["level"] == "error"
    assert by_key["test-advisory", address("adv-vol")]["level"] == "warning"
    waived = by_key["qualified-region", address("pub")]
    assert waived["level"] == "note"
    (suppression,) = waived["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["status"] == "accepted"
    assert WAIVER["justification"] in suppression["justification"]
    assert WAIVER["owner"] in suppression["justification"]
    assert "2099-01-31" in suppression["justification"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == PLAN_PATH
        assert location["physicalLocation"]["region"]["startLine"] == 1
        assert location["logicalLocations"][0]["kind"] == "resource"
        assert ("suppressions" in result) == (result is waived)


def test_sarif_fingerprints_are_unique_and_ignore_the_message(run: Evaluation) -> None:
    results = sarif(run)["runs"][0]["results"]
    prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert len(set(prints)) == len(prints)
    reworded = Evaluation(
        [Finding(**{**vars_of(f), "message": f.message + " (reworded)"}) for f in run.findings],
        run.resources,
        run.policies,
        run.plan,
        run.catalog_sources,
        run.enforcement,
    )
    again = [
        r["partialFingerprints"]["primaryLocationLineHash"] for r in sarif(reworded)["runs"][0]["results"]
    ]
    assert again == prints


def vars_of(finding: Finding) -> dict[str, Any]:
    return {name: getattr(finding, name) for name in Finding.__dataclass_fields__}


def test_sarif_two_findings_on_one_property_get_distinct_fingerprints(small_catalog: Catalog) -> None:
    from souverain.policy import Settings

    resource = scenario(small_catalog).resources[0]
    resource.region = "US-EAST-1"  # with health data: neither SecNumCloud nor HDS, two findings on `region`
    plan = Plan([resource], source="pulumi-preview", path=PLAN_PATH)
    policies = [p for p in POLICIES if p.id == "qualified-region"]
    evaluation = evaluate([resource], small_catalog, policies, settings=Settings(health_data=True), plan=plan)
    results = sarif(evaluation)["runs"][0]["results"]
    assert [r["properties"]["path"] for r in results] == ["region", "region"]
    assert len({r["partialFingerprints"]["primaryLocationLineHash"] for r in results}) == 2


def test_sarif_records_policy_config_overrides(small_catalog: Catalog) -> None:
    config = PolicyConfig(
        enforcement={"test-advisory": Enforcement.DISABLED, "test-disabled": Enforcement.ADVISORY}
    )
    only_run = sarif(scenario(small_catalog, config=config))["runs"][0]
    rules = only_run["tool"]["driver"]["rules"]
    overrides = {
        rules[o["descriptor"]["index"]]["id"]: o["configuration"]
        for o in only_run["invocations"][0]["ruleConfigurationOverrides"]
    }
    assert overrides == {
        "test-advisory": {"level": "none", "enabled": False},
        "test-disabled": {"level": "warning"},
    }


def test_sarif_with_unknowns_advisory_makes_the_unknown_finding_a_warning(small_catalog: Catalog) -> None:
    results = sarif(scenario(small_catalog, unknowns="advisory"))["runs"][0]["results"]
    unknown = [r for r in results if r["properties"]["unknown"]]
    assert [r["level"] for r in unknown] == ["warning"]


def test_sarif_uri_is_relative_and_encoded(small_catalog: Catalog, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my plans").mkdir()
    plan_file = tmp_path / "my plans" / "prod plan.json"
    plan_file.write_text("{}", encoding="utf-8")
    log = sarif(scenario(small_catalog, path=str(plan_file)))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]
    }
    assert uris == {"my%20plans/prod%20plan.json"}


def test_sarif_without_plan_or_findings_is_valid(small_catalog: Catalog) -> None:
    empty = evaluate([], small_catalog, list(POLICIES))
    log = sarif(empty)
    assert log["runs"][0]["results"] == []
    resources = scenario(small_catalog).resources
    no_plan = evaluate(resources, small_catalog, list(POLICIES))
    for result in sarif(no_plan)["runs"][0]["results"]:
        assert "physicalLocation" not in result["locations"][0]
        assert result["locations"][0]["logicalLocations"]


def test_findings_of_unlisted_policies_get_their_own_rule(small_catalog: Catalog) -> None:
    bad_waiver = Finding(
        policy="waiver-invalid",
        enforcement=Enforcement.MANDATORY,
        severity="high",
        resource="waivers.yaml",
        type="waiver",
        message="waiver 0 waives nothing: it expired on 2020-01-01",
        path="waivers[0]",
    )
    evaluation = scenario(small_catalog, extra_waiver_findings=[bad_waiver])
    only_run = sarif(evaluation)["runs"][0]
    rules = only_run["tool"]["driver"]["rules"]
    (result,) = [r for r in only_run["results"] if r["ruleId"] == "waiver-invalid"]
    assert rules[result["ruleIndex"]]["id"] == "waiver-invalid"
    assert rules[result["ruleIndex"]]["properties"]["security-severity"] == "8.0"
    suites = {s.get("name"): s for s in parse_xml(render(evaluation, "junit")).iter("testsuite")}
    assert suites["waiver-invalid"].get("failures") == "1"
    assert "waiver-invalid" in render(evaluation, "text")


# --- JUnit --------------------------------------------------------------------------------------------------


def test_junit_has_a_testcase_per_policy_and_resource_pair(run: Evaluation) -> None:
    root = parse_xml(render(run, "junit"))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    # The disabled policy did not run, so it is not reported as passing.
    assert set(suites) == {"qualified-region", "test-advisory", "test-stack"}
    cloud = sorted(r.address for r in run.resources if r.is_cloud_resource)
    for name in ("qualified-region", "test-advisory"):
        cases = suites[name].findall("testcase")
        assert sorted(c.get("name") for c in cases) == cloud
        assert {c.get("classname") for c in cases} == {f"souverain.{name}"}
        assert {c.get("file") for c in cases} == {PLAN_PATH}
    assert [c.get("name") for c in suites["test-stack"].findall("testcase")] == [address("bad")]
    counts = {name: (s.get("tests"), s.get("failures"), s.get("skipped")) for name, s in suites.items()}
    assert counts == {
        "qualified-region": ("5", "2", "1"),
        "test-advisory": ("5", "0", "1"),
        "test-stack": ("1", "1", "0"),
    }
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("errors")) == (
        "11",
        "3",
        "2",
        "0",
    )
    for suite in suites.values():
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("skipped")) == len(suite.findall("testcase/skipped"))


def test_junit_outcomes_carry_their_reason(run: Evaluation) -> None:
    root = parse_xml(render(run, "junit"))
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    failed = cases["souverain.qualified-region", address("bad")].find("failure")
    assert failed is not None
    assert failed.get("type") == "mandatory"
    assert "US-EAST-1" in failed.get("message", "")
    assert "fix: " in (failed.text or "")
    waived = cases["souverain.qualified-region", address("pub")].find("skipped")
    assert waived is not None
    assert WAIVER["justification"] in waived.get("message", "")
    assert WAIVER["justification"] in (waived.text or "")  # GitLab shows the text, not the attribute
    advisory = cases["souverain.test-advisory", address("adv-vol")].find("skipped")
    assert advisory is not None
    assert advisory.get("message", "").startswith("advisory: ")
    passed = cases["souverain.qualified-region", address("ok")]
    assert list(passed) == []


def test_junit_stack_policy_without_finding_is_one_passing_case(small_catalog: Catalog) -> None:
    config = PolicyConfig(enforcement={"test-advisory": Enforcement.DISABLED})
    resources = [r for r in scenario(small_catalog).resources if r.name != "bad"]
    plan = Plan(resources, source="pulumi-preview", path=PLAN_PATH, stack="prod")
    evaluation = evaluate(resources, small_catalog, list(POLICIES), config, plan=plan)
    suites = {s.get("name"): s for s in parse_xml(render(evaluation, "junit")).iter("testsuite")}
    assert "test-advisory" not in suites
    (case,) = suites["test-stack"].findall("testcase")
    assert case.get("name") == "prod"
    assert list(case) == []


def test_junit_escapes_markup_and_drops_characters_xml_cannot_hold(small_catalog: Catalog) -> None:
    from conftest import pulumi_resource
    from report_scenario import VOLUME

    nasty = 'a<b>&"c\x07'
    resource = pulumi_resource(VOLUME, {"size": 1}, name=nasty, provider_region="US-EAST-1")
    evaluation = evaluate(
        [resource], small_catalog, [ADVISORY_POLICY, POLICIES[0]], plan=Plan([resource], "x")
    )
    root = parse_xml(render(evaluation, "junit"))  # parses: escaping and cleaning worked
    names = {c.get("name") for c in root.iter("testcase")}
    assert names == {resource.address.replace("\x07", "\ufffd")}


# --- GitLab Code Quality ------------------------------------------------------------------------------------


def test_gitlab_issues_have_the_required_fields(run: Evaluation) -> None:
    issues = json.loads(render(run, "gitlab"))
    assert isinstance(issues, list)
    assert len(issues) == len(run.findings)
    for issue in issues:
        assert isinstance(issue["description"], str)
        assert issue["description"]
        assert issue["check_name"] in {p.id for p in POLICIES}
        assert re.fullmatch(r"[0-9a-f]{64}", issue["fingerprint"])
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"] == {"path": PLAN_PATH, "lines": {"begin": 1}}
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_gitlab_severity_follows_enforcement(run: Evaluation) -> None:
    issues = json.loads(render(run, "gitlab"))
    by_key = {(i["check_name"], i["description"].split(": ", 1)[0]): i["severity"] for i in issues}
    assert by_key["qualified-region", address("bad")] == "blocker"
    assert by_key["test-stack", address("bad")] == "blocker"
    assert by_key["qualified-region", address("pub")] == "info"  # waived
    assert by_key["test-advisory", address("adv-vol")] == "minor"  # advisory, medium severity
    waived = next(i for i in issues if i["description"].startswith(address("pub")))
    assert WAIVER["justification"] in waived["description"]


def test_gitlab_path_is_repository_relative(small_catalog: Catalog, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    issues = json.loads(render(scenario(small_catalog, path="./plans/./prod.json"), "gitlab"))
    assert {i["location"]["path"] for i in issues} == {"plans/prod.json"}
    absolute = tmp_path / "tf" / "plan.json"
    issues = json.loads(render(scenario(small_catalog, path=str(absolute)), "gitlab"))
    assert {i["location"]["path"] for i in issues} == {"tf/plan.json"}


def test_gitlab_fingerprints_match_sarif(run: Evaluation) -> None:
    gitlab = {i["fingerprint"] for i in json.loads(render(run, "gitlab"))}
    results = sarif(run)["runs"][0]["results"]
    assert gitlab == {r["partialFingerprints"]["primaryLocationLineHash"] for r in results}


# --- text ---------------------------------------------------------------------------------------------------


def test_text_groups_by_policy_and_ends_with_the_verdict(run: Evaluation) -> None:
    out = render(run, "text")
    assert "\x1b" not in out
    lines = out.splitlines()
    assert lines[0] == f"souverain check: {PLAN_PATH} (pulumi-preview, stack prod)"
    headers = [line.split(" ")[0] for line in lines if line and not line.startswith(" ") and "[" in line]
    assert headers == ["qualified-region", "test-advisory", "test-stack"]
    assert any(
        line.strip().startswith("WAIVED") and address("pub") in line and "team-platform" in line
        for line in lines
    )
    assert any(line.strip().startswith("ADVISORY") and address("adv-vol") in line for line in lines)
    assert any("unknown at plan time" in line and address("unk") in line for line in lines)
    assert "6 resources checked (5 in a cloud) against 3 policies: 3 mandatory, 1 advisory, 1 waived" in out
    assert lines[-1] == "FAIL: 3 mandatory findings to fix before this change can go in"


def test_text_pass_lines(small_catalog: Catalog) -> None:
    from conftest import pulumi_resource
    from report_scenario import VOLUME

    clean = [pulumi_resource(VOLUME, {"size": 1}, name="ok")]
    assert render(evaluate(clean, small_catalog, list(POLICIES)), "text").splitlines()[-1] == (
        "PASS: no mandatory finding"
    )
    advisory = [pulumi_resource(VOLUME, {"size": 1}, name="adv")]
    last = render(evaluate(advisory, small_catalog, list(POLICIES)), "text").splitlines()[-1]
    assert last == "PASS: no mandatory finding (1 advisory to review)"


def test_only_waived_mandatory_findings_pass_in_every_format(small_catalog: Catalog) -> None:
    from conftest import pulumi_resource
    from report_scenario import VOLUME, Waivers

    resource = pulumi_resource(VOLUME, {"size": 1, "region": "PUB-1"}, name="pub")
    plan = Plan([resource], source="pulumi-preview", path=PLAN_PATH)
    evaluation = evaluate([resource], small_catalog, list(POLICIES), waivers=Waivers(), plan=plan)
    assert evaluation.passed
    assert render(evaluation, "text").splitlines()[-1] == "PASS: no mandatory finding"
    assert json.loads(render(evaluation, "json"))["summary"]["passed"] is True
    assert [r["level"] for r in sarif(evaluation)["runs"][0]["results"]] == ["note"]
    assert parse_xml(render(evaluation, "junit")).get("failures") == "0"
    assert [i["severity"] for i in json.loads(render(evaluation, "gitlab"))] == ["info"]


def test_lone_surrogates_are_replaced_so_every_report_encodes(small_catalog: Catalog) -> None:
    """`"\\ud800"` is valid JSON, so a plan can carry it in a URN; no report may fail to be written."""
    from conftest import pulumi_resource
    from report_scenario import VOLUME

    resource = pulumi_resource(VOLUME, {"size": 1}, name="v\ud800", provider_region="US-EAST-1")
    evaluation = evaluate(
        [resource], small_catalog, list(POLICIES), plan=Plan([resource], "x", path="p.json")
    )
    for fmt in FORMATS:
        out = render(evaluation, fmt)
        assert "\ufffd" in out.encode("utf-8").decode("utf-8"), fmt
    sarif(evaluation)


def test_sarif_names_the_project_home_page_when_the_package_declares_one(
    run: Evaluation, monkeypatch
) -> None:
    from souverain.reports import sarif as sarif_writer

    monkeypatch.setattr(sarif_writer, "information_uri", lambda: "https://example.test/souverain")
    assert sarif(run)["runs"][0]["tool"]["driver"]["informationUri"] == "https://example.test/souverain"
    monkeypatch.setattr(sarif_writer, "information_uri", lambda: None)
    assert "informationUri" not in sarif(run)["runs"][0]["tool"]["driver"]


@pytest.mark.slow
def test_cli_writes_each_format_to_output_and_prints_the_text_verdict(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from souverain.cli.main import main

    plan = FIXTURES / "crossguard" / "preview.json"
    catalog = FIXTURES / "catalogs" / "small.yaml"
    for fmt in FORMATS:
        target = tmp_path / f"report.{fmt}"
        args = ["check", str(plan), "--replace-catalog", "--catalog", str(catalog), "--format", fmt]
        result = CliRunner().invoke(main, [*args, "--output", str(target)])
        assert result.exit_code in (0, 1), result.output
        written = target.read_text(encoding="utf-8")
        # The text report is the file itself; for the others the CLI prints it so the CI log stays readable.
        text = written if fmt == "text" else result.stdout
        assert text.splitlines()[-1].startswith("PASS: " if result.exit_code == 0 else "FAIL: ")
        if fmt == "junit":
            failures = int(parse_xml(written).get("failures", "-1"))
            assert (failures > 0) == (result.exit_code == 1)
        elif fmt == "html":
            verdict = "PASS" if result.exit_code == 0 else "FAIL"
            assert f'id="verdict">{verdict}</span>' in written
        elif fmt == "markdown":
            verdict = "PASS" if result.exit_code == 0 else "FAIL"
            assert "### souverain check: " in written.splitlines()[1]
            assert written.splitlines()[1].endswith(verdict)
        elif fmt != "text":
            data = json.loads(written)
            if fmt == "sarif":
                errors = list(_sarif_validator().iter_errors(data))
                assert not errors
            if fmt == "json":
                assert data["summary"]["passed"] == (result.exit_code == 0)
