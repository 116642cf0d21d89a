"""Findings located where the user can act (issue 14 items 5, 6, 7): a Pulumi project run offline.

The project is written here, line by line, so each expected line number below is read off the text by
hand; it sits in a folder with `.git`, the repository root that report paths are relative to.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from component_support import CATALOG_PATH
from souverain.cli.main import main
from test_reports import _sarif_validator

from souverain.project import run_project

PROGRAM = f"""\
import pulumi
import pulumi_openstack as openstack
from souverain.catalog import load_catalog
from souverain.components import Bastion, IsolatedNetwork

CATALOG = load_catalog([r"{CATALOG_PATH}"], replace=True)
config = pulumi.Config()
placement = {{"labels": {{"owner": "web-team", "data_classification": "internal", "project": "site"}}, "region": "NUA-PAR-1"}}
network = IsolatedNetwork("net", {{**placement, "tiers": {{"mgmt": {{"cidr": "10.40.0.0/24", "edge": True}}, "web": {{"cidr": "10.40.1.0/24"}}}}, "dns_nameservers": ["10.40.0.53"], "external_network": "ext-net"}}, catalog=CATALOG)
openstack.networking.SecGroupRule("open-ssh", direction="ingress", ethertype="IPv4", protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="0.0.0.0/0", security_group_id=network.security_groups["web"].id, region="NUA-PAR-1")
Bastion("jump", {{**placement, "tier": "mgmt", "flavor_name": "b2-7", "image_name": "debian-12", "key_pair": "admins", "admin_ranges": config.require_object("adminRanges"), "external_network": "ext-net"}}, network=network, catalog=CATALOG)
"""  # noqa: E501 - one statement a line, so each line number below is read off the text
NETWORK_LINE = 9
OPEN_SSH_LINE = 10
BASTION_LINE = 11

STACK = """\
config:
  openstack:region: NUA-PAR-1
  site:owner: web-team
  site:adminRanges:
    - 192.0.2.0/28
    - {second}
"""
SECOND_RANGE_LINE = 6


def write_project(root: Path, second_range: str = "198.51.100.0/24") -> Path:
    (root / ".git").mkdir()
    project = root / "infra" / "site"
    project.mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: site\nruntime: python\n", encoding="utf-8")
    (project / "Pulumi.dev.yaml").write_text(STACK.format(second=second_range), encoding="utf-8")
    (project / "__main__.py").write_text(PROGRAM, encoding="utf-8")
    (project / "policy-config.json").write_text(
        json.dumps({"no-public-ingress": {"adminRanges": ["192.0.2.0/28", "198.51.100.0/24"]}}),
        encoding="utf-8",
    )
    return project


def check(project: Path, fmt: str) -> tuple[int, str]:
    args = ["check", str(project), "--stack", "dev", "--format", fmt, "--replace-catalog"]
    args += ["--catalog", str(CATALOG_PATH), "--policy-config", str(project / "policy-config.json")]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def test_resources_carry_the_line_of_the_program_that_declared_them(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    run, _, _ = run_project(project, "dev")
    by_name = {r.name: r for r in run.plan.resources}
    main_py = str((project / "__main__.py").resolve())
    # declared directly by the program
    assert by_name["open-ssh"].location is not None
    assert (by_name["open-ssh"].location.path, by_name["open-ssh"].location.line) == (main_py, OPEN_SSH_LINE)
    # created by a component: the user's line is the component's, not the component library's
    for child in ("net-web-net", "net-web-subnet", "net-mgmt-sg", "net-internal", "jump-port", "jump"):
        location = by_name[child].location
        assert location is not None, child
        assert location.path == main_py
    assert by_name["net-web-net"].location.line == NETWORK_LINE  # type: ignore[union-attr]
    assert by_name["jump-port"].location.line == BASTION_LINE  # type: ignore[union-attr]


def sarif_results(text: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = json.loads(text)["runs"][0]["results"]
    return results


def physical(result: dict[str, Any]) -> tuple[str, str, int]:
    location = result["locations"][0]["physicalLocation"]
    return (
        location["artifactLocation"]["uri"],
        location["artifactLocation"]["uriBaseId"],
        location["region"]["startLine"],
    )


def test_a_policy_finding_points_at_the_program_line_in_every_format(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    code, sarif = check(project, "sarif")
    assert code == 1
    errors = list(_sarif_validator().iter_errors(json.loads(sarif)))
    assert errors == [], errors[:1]
    [result] = [r for r in sarif_results(sarif) if r["ruleId"] == "no-public-ingress"]
    assert physical(result) == ("infra/site/__main__.py", "%SRCROOT%", OPEN_SSH_LINE)

    code, gitlab = check(project, "gitlab")
    [issue] = [i for i in json.loads(gitlab) if i["check_name"] == "no-public-ingress"]
    assert issue["location"] == {"path": "infra/site/__main__.py", "lines": {"begin": OPEN_SSH_LINE}}

    code, report = check(project, "json")
    [finding] = [f for f in json.loads(report)["findings"] if f["policy"] == "no-public-ingress"]
    assert (finding["file"], finding["line"]) == ("infra/site/__main__.py", OPEN_SSH_LINE)

    code, junit = check(project, "junit")
    failed = [
        case
        for case in ET.fromstring(junit).iter("testcase")  # noqa: S314 - our own report
        if case.find("failure") is not None and case.get("classname") == "souverain.no-public-ingress"
    ]
    assert [(c.get("file"), c.get("line")) for c in failed] == [
        ("infra/site/__main__.py", str(OPEN_SSH_LINE))
    ]

    code, text = check(project, "text")
    assert f"at infra/site/__main__.py:{OPEN_SSH_LINE}" in text


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "gitlab"])
def test_a_component_refusal_is_a_mandatory_finding_exit_1(tmp_path: Path, fmt: str) -> None:
    project = write_project(tmp_path, second_range="198.51.100.7/24")
    code, output = check(project, fmt)
    assert code == 1, output
    assert "Traceback" not in output
    assert "198.51.100.7/24 has host bits set; did you mean 198.51.100.0/24?" in output
    for internal in ("lax-or-strict", "union[", "type=value_error", "input_value"):
        assert internal not in output
    if fmt == "sarif":
        [refused] = [r for r in sarif_results(output) if r["ruleId"] == "component-refused"]
        assert refused["level"] == "error"
        # the value came from the stack file: the finding is on its line there
        assert physical(refused) == ("infra/site/Pulumi.dev.yaml", "%SRCROOT%", SECOND_RANGE_LINE)
        # what the program declared before the refusal is still checked, at its own line
        [ingress] = [r for r in sarif_results(output) if r["ruleId"] == "no-public-ingress"]
        assert physical(ingress)[2] == OPEN_SSH_LINE
    if fmt == "json":
        [refused] = [f for f in json.loads(output)["findings"] if f["policy"] == "component-refused"]
        assert refused["enforcement"] == "mandatory"
        assert refused["resource"] == "urn:pulumi:dev::site::souverain:bastion:Bastion::jump"
        assert (refused["file"], refused["line"]) == ("infra/site/Pulumi.dev.yaml", SECOND_RANGE_LINE)
        assert refused["message"] == (
            "Bastion 'jump': admin_ranges[1]: 198.51.100.7/24 has host bits set; did you mean "
            "198.51.100.0/24? (the value is set by `site:adminRanges[1]` in Pulumi.dev.yaml line 6); "
            f"declared at __main__.py line {BASTION_LINE}; the program stopped there, so what it declares "
            "after that line is not checked"
        )


def test_a_refusal_of_a_value_written_in_the_program_points_at_the_program(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    main_py = project / "__main__.py"
    main_py.write_text(
        main_py.read_text(encoding="utf-8").replace('"tier": "mgmt"', '"tier": "web"'), encoding="utf-8"
    )
    code, output = check(project, "json")
    assert code == 1
    [refused] = [f for f in json.loads(output)["findings"] if f["policy"] == "component-refused"]
    assert (refused["file"], refused["line"]) == ("infra/site/__main__.py", BASTION_LINE)
    assert refused["message"].startswith(
        "Bastion 'jump': tier: web is not on the edge router of network 'net'"
    )
    assert "the value is set by" not in refused["message"]


def test_another_program_error_is_still_bad_input_exit_2(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    (project / "__main__.py").write_text("raise KeyError('tier')\n", encoding="utf-8")
    code, output = check(project, "sarif")
    assert code == 2
    assert "KeyError" in output


def test_preview_stops_on_a_refusal_instead_of_showing_half_a_tree(tmp_path: Path) -> None:
    project = write_project(tmp_path, second_range="198.51.100.7/24")
    result = CliRunner().invoke(main, ["preview", str(project), "--stack", "dev"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "Bastion 'jump': admin_ranges[1]: 198.51.100.7/24 has host bits set" in result.output
    assert "Pulumi.dev.yaml: " in result.output
