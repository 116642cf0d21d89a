"""`--source-dir`: findings on a Terraform plan located on the `resource` block that declares them, through
local modules; Pulumi export positions read from the project folder (issue 14 item 7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from conftest import FIXTURES
from souverain.cli.main import main

from souverain.sources import TerraformSources

PLAN = FIXTURES / "plans" / "tofu-plan-modules.json"

ROOT_TF = """\
terraform {
  required_providers {
    openstack = { source = "terraform-provider-openstack/openstack" }
  }
}

module "network" {
  source = "./modules/network"
}

module "backup" {
  count  = 1
  source = "./modules/backup"
}

resource "openstack_blockstorage_volume_v3" "patient_data" {
  size = 100
}

resource "openstack_compute_instance_v2" "web" {
  count = 2
}
"""
NETWORK_TF = """\
module "rules" {
  # the rules sit in a nested module
  source = "./rules"
}

resource "openstack_networking_secgroup_rule_v2" "https" {
  direction = "ingress"
}
"""
RULES_TF = """\
variable "group" {}

resource  "openstack_networking_secgroup_rule_v2"   "ssh"  {
  direction = "ingress"
}
"""


def write_sources(root: Path) -> None:
    (root / ".git").mkdir()
    (root / "modules" / "network" / "rules").mkdir(parents=True)
    (root / "modules" / "backup").mkdir(parents=True)
    (root / "main.tf").write_text(ROOT_TF, encoding="utf-8")
    (root / "modules" / "network" / "main.tf").write_text(NETWORK_TF, encoding="utf-8")
    (root / "modules" / "network" / "rules" / "rules.tf").write_text(RULES_TF, encoding="utf-8")
    (root / "modules" / "backup" / "main.tf").write_text('resource "x" "y" {}\n', encoding="utf-8")


def findings(target: Path, *extra: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["check", str(target), "--format", "json", *extra])
    assert result.exit_code == 1, result.output
    found: list[dict[str, Any]] = json.loads(result.output)["findings"]
    return found


def test_terraform_findings_point_at_their_resource_blocks(tmp_path: Path) -> None:
    write_sources(tmp_path)
    plan = tmp_path / "plan.json"
    plan.write_bytes(PLAN.read_bytes())
    located = {
        (f["policy"], f["resource"]): (f["file"], f["line"])
        for f in findings(plan, "--source-dir", str(tmp_path))
    }
    assert located[("no-public-ingress", "module.network.openstack_networking_secgroup_rule_v2.https")] == (
        "modules/network/main.tf",
        6,
    )
    # through two module calls, in a file not named main.tf, with irregular spacing
    ssh = "module.network.module.rules.openstack_networking_secgroup_rule_v2.ssh"
    assert located[("no-public-ingress", ssh)] == ("modules/network/rules/rules.tf", 3)
    assert located[("encrypted-storage", "openstack_blockstorage_volume_v3.patient_data")] == ("main.tf", 16)
    # every instance of a counted resource is its one block
    assert located[("no-plaintext-secret", "openstack_compute_instance_v2.web[1]")] == ("main.tf", 20)
    # a resource whose block is not in the sources has no location (not a wrong one)
    replica = "module.backup[0].openstack_blockstorage_volume_v3.replica"
    assert located[("encrypted-storage", replica)] == (None, None)


def test_without_source_dir_findings_have_no_file(tmp_path: Path) -> None:
    assert {(f["file"], f["line"]) for f in findings(PLAN)} == {(None, None)}


def test_a_module_from_a_registry_is_located_on_its_call(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "db" {\n  source  = "terraform-openstack-modules/db/openstack"\n  version = "1.0"\n}\n',
        encoding="utf-8",
    )
    sources = TerraformSources(tmp_path)
    location = sources.locate('module.db["eu"].openstack_db_instance_v1.main')
    assert location is not None
    assert (Path(location.path).name, location.line) == ("main.tf", 1)
    assert sources.locate("module.missing.openstack_db_instance_v1.main") is None
    assert sources.locate("not an address") is None


def export(tmp_path: Path) -> Path:
    """A stack export in the shape `pulumi stack export` writes (deployment v3, as the pulumi-tls test data
    of tests/fixtures/real shows it): each resource's `sourcePosition` and `stackTrace`."""
    stack = "urn:pulumi:dev::site::pulumi:pulumi:Stack::site-dev"
    provider = "urn:pulumi:dev::site::pulumi:providers:openstack::default"
    rule = {
        "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
        "portRangeMin": 22, "portRangeMax": 22,
        "remoteIpPrefix": "0.0.0.0/0", "securityGroupId": "sg-1", "region": "SNC-PAR-1",
    }  # fmt: skip
    resources = [
        {"urn": stack, "custom": False, "type": "pulumi:pulumi:Stack",
         "sourcePosition": "project:///node_modules/@pulumi/runtime/stack.ts#37,19"},
        {"urn": provider, "custom": True, "id": "p-1", "type": "pulumi:providers:openstack",
         "inputs": {"region": "SNC-PAR-1"}},
        # declared by the program itself
        {"urn": "urn:pulumi:dev::site::openstack:networking/secGroupRule:SecGroupRule::ssh", "custom": True,
         "id": "r-1", "type": "openstack:networking/secGroupRule:SecGroupRule", "parent": stack,
         "provider": f"{provider}::p-1", "inputs": rule,
         "sourcePosition": "project:///index.ts#12,5",
         "stackTrace": [{"sourcePosition": "project:///index.ts#12,5"}, {}]},
        # created inside an installed component: the user's line is further down the stack trace
        {"urn": "urn:pulumi:dev::site::openstack:networking/secGroupRule:SecGroupRule::web", "custom": True,
         "id": "r-2", "type": "openstack:networking/secGroupRule:SecGroupRule", "parent": stack,
         "provider": f"{provider}::p-1", "inputs": {**rule, "portRangeMin": 80, "portRangeMax": 80},
         "sourcePosition": "project:///node_modules/@acme/web/index.ts#40,9",
         "stackTrace": [{"sourcePosition": "project:///node_modules/@acme/web/index.ts#40,9"}, {},
                        {"sourcePosition": "project:///infra/web.ts#7,1"}]},
        # a runtime's own code, outside the project (Pulumi YAML's positions, as in the real corpus)
        {"urn": "urn:pulumi:dev::site::openstack:networking/secGroupRule:SecGroupRule::yaml", "custom": True,
         "id": "r-3", "type": "openstack:networking/secGroupRule:SecGroupRule", "parent": stack,
         "provider": f"{provider}::p-1", "inputs": {**rule, "portRangeMin": 443, "portRangeMax": 443},
         "sourcePosition": "project:///../../../../home/runner/work/pulumi-yaml/pkg/pulumiyaml/run.go#998,6"},
    ]  # fmt: skip
    document = {"version": 3, "deployment": {"manifest": {"time": "2026-12-04T00:00:00Z", "magic": "",
                "version": "v3.223.0"}, "resources": resources}}  # fmt: skip
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_pulumi_export_positions_are_read_from_the_project_folder(tmp_path: Path) -> None:
    path = export(tmp_path)
    catalog = ["--catalog", str(FIXTURES / "catalogs" / "small.yaml"), "--replace-catalog"]
    without = {
        f["resource"].rsplit("::", 1)[-1]: (f["file"], f["line"])
        for f in findings(path, *catalog)
        if f["policy"] == "no-public-ingress"
    }
    assert without == {"ssh": ("index.ts", 12), "web": ("infra/web.ts", 7), "yaml": (None, None)}
    (tmp_path / ".git").mkdir()
    project = tmp_path / "infra-repo" / "site"
    project.mkdir(parents=True)
    located = {
        f["resource"].rsplit("::", 1)[-1]: (f["file"], f["line"])
        for f in findings(path, *catalog, "--source-dir", str(project))
        if f["policy"] == "no-public-ingress"
    }
    assert located == {
        "ssh": ("infra-repo/site/index.ts", 12),
        "web": ("infra-repo/site/infra/web.ts", 7),
        "yaml": (None, None),
    }
