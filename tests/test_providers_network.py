"""The policies judge the network and compute resources of every provider, not only OpenStack's.

For Scaleway, S3NS (Google's providers), Outscale, OVHcloud and Cloud Temple, a bad stack and its compliant
twin, in the shapes the real tools write (`tofu show -json`; `pulumi preview --json` recorded from the
providers' own Pulumi packages, see tests/fixtures/providers/README.md). Every expected finding below is
written by hand from what each fixture resource was built to do wrong; the catalog is the invented
tests/fixtures/catalogs/providers.yaml, the admin range 198.51.100.0/24.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from souverain.cli.main import main
from souverain.policies import ALL_POLICIES

from souverain._data import package_data_text
from souverain.catalog import Catalog, load_catalog
from souverain.engine import Finding, evaluate
from souverain.policy import Settings
from souverain.readers import parse_plan
from souverain.readers._json import load_json_file

FIXTURES = Path(__file__).parent / "fixtures"
PROVIDERS = FIXTURES / "providers"
SETTINGS = Settings(admin_ranges=(ipaddress.ip_network("198.51.100.0/24"),))
HYGIENE = {"no-public-ingress", "no-plaintext-secret", "no-us-controlled-service"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([FIXTURES / "catalogs" / "providers.yaml"], replace=True)


def _findings(path: Path, catalog: Catalog) -> list[Finding]:
    plan = parse_plan(load_json_file(path, str(path)), str(path))
    return evaluate(plan.resources, catalog, ALL_POLICIES, settings=SETTINGS).findings


def _short(address: str) -> str:
    """`urn:...::scaleway:instance/server:Server::app-us` -> `app-us`; Terraform addresses unchanged."""
    return address.rsplit("::", 1)[-1]


def _hygiene(findings: list[Finding]) -> set[tuple[str, str, str | None]]:
    return {(f.policy, _short(f.resource), f.path) for f in findings if f.policy in HYGIENE}


# (policy, resource, path) of every finding of the three hygiene policies, by hand.
EXPECTED_BAD: dict[str, set[tuple[str, str, str | None]]] = {
    "scaleway/tofu-plan-bad.json": {
        # inbound_default_policy left to its default, which the plan shows: accept
        ("no-public-ingress", "scaleway_instance_security_group.open_default", "inbound_default_policy"),
        ("no-public-ingress", "scaleway_instance_security_group.ssh_world", "inbound_rule[0].ip_range"),
        # the admin range to ports 22-5432: more than SSH
        ("no-public-ingress", "scaleway_instance_security_group_rules.external", "inbound_rule[0].ip_range"),
        # no ip nor ip_range: every address
        ("no-public-ingress", "scaleway_instance_security_group_rules.external", "inbound_rule[1].ip_range"),
        ("no-plaintext-secret", "scaleway_instance_server.app_secret", "user_data.cloud-init"),
        ("no-us-controlled-service", "scaleway_instance_server.app_us", "user_data.cloud-init"),
    },
    "scaleway/pulumi-preview-bad.json": {
        # inbound_default_policy not sent at all: the provider's default, accept
        ("no-public-ingress", "sg-open-default", "inbound_default_policy"),
        ("no-public-ingress", "sg-ssh-world", "inbound_rules[0].ip_range"),
        ("no-public-ingress", "sg-external-rules", "inbound_rules[0].ip_range"),
        ("no-public-ingress", "sg-external-rules", "inbound_rules[1].ip_range"),
        ("no-plaintext-secret", "app-secret", "user_data.cloud-init"),
        ("no-us-controlled-service", "app-us", "user_data.cloud-init"),
    },
    "s3ns/tofu-plan-bad.json": {
        ("no-public-ingress", "google_compute_firewall.fw_ssh_world", "source_ranges[0]"),
        # no source at all: the API's default source 0.0.0.0/0
        ("no-public-ingress", "google_compute_firewall.fw_no_source", "source_ranges"),
        ("no-public-ingress", "google_compute_firewall.fw_admin_wide", "source_ranges[0]"),
        ("no-public-ingress", "google_compute_firewall.fw_all_protocols", "source_ranges[0]"),
        # a firewall-policy rule admitting whole countries
        (
            "no-public-ingress",
            "google_compute_network_firewall_policy_rule.https_from_countries",
            "match[0].src_region_codes[0]",
        ),
        ("no-plaintext-secret", "google_compute_instance.app_secret", "metadata_startup_script"),
        ("no-us-controlled-service", "google_compute_instance.app_us", "metadata.user-data"),
    },
    "s3ns/pulumi-preview-bad.json": {
        ("no-public-ingress", "fw-ssh-world", "source_ranges[0]"),
        ("no-public-ingress", "fw-no-source", "source_ranges"),
        ("no-public-ingress", "fw-admin-wide", "source_ranges[0]"),
        ("no-public-ingress", "https-from-countries", "match.src_region_codes[0]"),
        ("no-plaintext-secret", "app-secret", "metadata_startup_script"),
        ("no-us-controlled-service", "app-us", "metadata.user-data"),
    },
    "outscale/tofu-plan-bad.json": {
        ("no-public-ingress", "outscale_security_group_rule.ssh_world", "ip_range"),
        ("no-public-ingress", "outscale_security_group_rule.all_from_partner", "ip_range"),
        ("no-public-ingress", "outscale_security_group_rule.blocks_admin_wide", "rules[0].ip_ranges[0]"),
        # user_data is base64, as Outscale requires: both policies read the decoded text
        ("no-plaintext-secret", "outscale_vm.app_secret", "user_data"),
        ("no-us-controlled-service", "outscale_vm.app_us", "user_data"),
    },
    "ovh/tofu-plan-bad.json": {
        ("no-public-ingress", "ovh_cloud_security_group.web", "rule[0].remote_ip_prefix"),
        # no remote_ip_prefix nor remote_group_id: Neutron admits every address
        ("no-public-ingress", "ovh_cloud_security_group.web", "rule[1].remote_ip_prefix"),
        # a floating IP created for the load balancer, and a listener without allowed_cidrs
        ("no-public-ingress", "ovh_cloud_project_loadbalancer.web", "listeners[0].allowed_cidrs"),
        ("no-plaintext-secret", "ovh_cloud_project_instance.app_secret", "user_data"),
        ("no-us-controlled-service", "ovh_cloud_project_instance.app_us", "user_data"),
    },
    "ovh/pulumi-preview-bad.json": {
        ("no-public-ingress", "sg-web", "rules[0].remote_ip_prefix"),
        ("no-public-ingress", "sg-web", "rules[1].remote_ip_prefix"),
        ("no-public-ingress", "lb-web", "listeners[0].allowed_cidrs"),
        ("no-plaintext-secret", "app-secret", "user_data"),
        ("no-us-controlled-service", "app-us", "user_data"),
        # app-sealed (ovh:index/cloudInstance) holds the same password, but the package makes user_data a
        # Pulumi secret: the preview masks it and the state encrypts it, so nothing of it is in clear.
    },
    "cloudtemple/tofu-plan-bad.json": {
        # `filebase64` user-data, as Cloud Temple's docs write it: decoded before the scan
        ("no-plaintext-secret", "cloudtemple_compute_virtual_machine.app_secret", "cloud_init.user-data"),
        (
            "no-us-controlled-service",
            "cloudtemple_compute_iaas_opensource_virtual_machine.app_us",
            "cloud_init.cloud_config",
        ),
    },
}

BAD_REGION = {
    "scaleway": "nl-ams",
    "s3ns": "u-france-west9",
    "outscale": "eu-west-2",
    "ovh": "GRA11",
}
"""The region each bad fixture is in: not qualified in the test catalog. The compliant twins are in the
qualified one."""


@pytest.mark.parametrize("name", sorted(EXPECTED_BAD))
def test_each_bad_resource_gets_the_finding_it_was_built_for(name: str, catalog: Catalog) -> None:
    findings = _findings(PROVIDERS / name, catalog)
    assert _hygiene(findings) == EXPECTED_BAD[name]
    # Each is a definite verdict: nothing in these resources is unknown until apply (a Google firewall's
    # unset `direction` shows unknown in a plan only because the provider computes its default, INGRESS).
    assert [f for f in findings if f.policy in HYGIENE and f.unknown] == []


@pytest.mark.parametrize("name", sorted(EXPECTED_BAD))
def test_the_compliant_twin_passes_every_policy(name: str, catalog: Catalog) -> None:
    twin = PROVIDERS / name.replace("-bad.json", "-compliant.json")
    findings = _findings(twin, catalog)
    # Cloud Temple's resources and provider state no region: the test catalog records that the provider
    # reaches the offer's one region, FR1 (`implied_region`), so they are judged there and pass.
    assert [(f.policy, f.resource, f.message) for f in findings] == []


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED_BAD if not n.startswith("cloudtemple/")))
def test_the_bad_region_is_reported_on_every_cloud_resource(name: str, catalog: Catalog) -> None:
    plan = parse_plan(load_json_file(PROVIDERS / name, name), name)
    cloud = {r.address for r in plan.resources if r.is_cloud_resource}
    findings = [f for f in _findings(PROVIDERS / name, catalog) if f.policy == "qualified-region"]
    region = BAD_REGION[name.split("/")[0]]
    assert {f.resource for f in findings} == cloud
    assert all(f"{region!r} is not SecNumCloud-qualified" in f.message for f in findings)
    assert len(cloud) >= 3


def test_every_fixture_is_read_with_the_provider_kinds(catalog: Catalog) -> None:
    """The fixtures' types are mapped: a resource of an unmapped type would pass the kind-based policies
    unseen."""
    for path in sorted([*PROVIDERS.glob("*/tofu-plan-*.json"), *PROVIDERS.glob("*/pulumi-preview-*.json")]):
        plan = parse_plan(load_json_file(path, str(path)), str(path))
        unmapped = [r.type for r in plan.resources if r.is_cloud_resource and r.kind is None]
        assert unmapped == [], path


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key written twice in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        twice = sorted({str(key) for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"keys written twice at line {node.start_mark.line + 1}: {', '.join(twice)}")
        return super().construct_mapping(node, deep=deep)


@pytest.mark.parametrize("name", ["kinds.yaml", "facets.yaml", "catalog.yaml"])
def test_shipped_data_writes_no_key_twice(name: str) -> None:
    """Blocks of kinds and shapes are added by several hands: a second `provider_kinds:` (or a second block
    of the same name) would silently drop the first one's types, and those resources would pass unseen."""
    yaml.load(package_data_text(name), Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def test_a_key_written_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="provider_kinds"):
        yaml.load("provider_kinds: {a: 1}\nprovider_kinds: {b: 2}\n", Loader=_StrictLoader)  # noqa: S506


@pytest.mark.parametrize("provider", ["scaleway", "s3ns", "outscale", "ovh"])
def test_souverain_check_fails_the_bad_stack_and_passes_its_twin(provider: str, tmp_path: Path) -> None:
    """What a pipeline sees: exit 1 with the findings in the JSON report, exit 0 for the twin."""
    config = tmp_path / "policy-config.json"
    config.write_text('{"no-public-ingress": {"adminRanges": ["198.51.100.0/24"]}}', encoding="utf-8")
    catalog = FIXTURES / "catalogs" / "providers.yaml"
    for variant, code in (("bad", 1), ("compliant", 0)):
        for path in sorted((PROVIDERS / provider).glob(f"*-{variant}.json")):
            args = ["check", str(path), "--catalog", str(catalog), "--replace-catalog"]
            result = CliRunner().invoke(main, [*args, "--policy-config", str(config), "--format", "json"])
            assert result.exit_code == code, (path.name, result.output[-500:])
            policies = {finding["policy"] for finding in json.loads(result.output)["findings"]}
            assert policies == (
                {"no-public-ingress", "no-plaintext-secret", "no-us-controlled-service", "qualified-region"}
                if variant == "bad"
                else set()
            ), path.name
