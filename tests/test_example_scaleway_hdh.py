"""examples/scaleway-hdh: what `souverain check` says of the Health Data Hub's core on Scaleway.

Verdicts written by hand, against an invented catalog with the facts the example's README relies on
(catalogs/scaleway-hdh.yaml: fr-par HDS-certified, not SecNumCloud-qualified; object storage not encrypted
by default). The host's findings (qualified-region on every resource) are told apart from the stack's own.
Network ingress is judged by no-public-ingress, whose Scaleway coverage comes with the network resources:
it is left out of these exact sets.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from souverain.policies import ALL_POLICIES

from souverain.catalog import Catalog, load_catalog
from souverain.engine import evaluate
from souverain.model import Plan
from souverain.policy import Settings
from souverain.readers import parse_plan
from souverain.readers._json import load_json_file
from souverain.reports import FORMATS, render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "scaleway-hdh"
CATALOG = Path(__file__).parent / "fixtures" / "catalogs" / "scaleway-hdh.yaml"
JUDGED = [policy for policy in ALL_POLICIES if policy.id != "no-public-ingress"]

TOFU_CLOUD = {
    "scaleway_vpc.hdh",
    "scaleway_vpc_private_network.hdh",
    "scaleway_vpc_public_gateway_ip.gateway",
    "scaleway_vpc_public_gateway.gateway",
    "scaleway_vpc_gateway_network.hdh",
    "scaleway_instance_security_group.workspace",
    "scaleway_instance_server.workspace",
    "scaleway_rdb_instance.snds",
    "scaleway_rdb_database.snds",
    "scaleway_object_bucket.extracts",
    "scaleway_object_bucket_acl.extracts",
    "scaleway_secret.db_admin_password",
    "scaleway_secret_version.db_admin_password",
}
PULUMI_CLOUD = {
    "scaleway:network/vpc:Vpc::hdh",
    "scaleway:network/privateNetwork:PrivateNetwork::hdh",
    "scaleway:network/publicGatewayIp:PublicGatewayIp::gateway",
    "scaleway:network/publicGateway:PublicGateway::gateway",
    "scaleway:network/gatewayNetwork:GatewayNetwork::hdh",
    "scaleway:instance/securityGroup:SecurityGroup::workspace",
    "scaleway:instance/server:Server::workspace",
    "scaleway:databases/instance:Instance::snds",
    "scaleway:databases/database:Database::snds",
    "scaleway:object/bucket:Bucket::extracts",
    "scaleway:object/bucketAcl:BucketAcl::extracts",
    "scaleway:secrets/secret:Secret::db-admin-password",
    "scaleway:secrets/version:Version::db-admin-password",
}
TOFU_DATA_STORES = {
    "scaleway_rdb_instance.snds",
    "scaleway_rdb_database.snds",
    "scaleway_object_bucket.extracts",
    "scaleway_secret.db_admin_password",
    "scaleway_secret_version.db_admin_password",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([CATALOG], replace=True)


def _plan(name: str) -> Plan:
    path = EXAMPLE / name
    return parse_plan(load_json_file(path, str(path)), str(path))


def _findings(plan: Plan, catalog: Catalog, settings: Settings) -> dict[str, set[str]]:
    by_policy: dict[str, set[str]] = defaultdict(set)
    for finding in evaluate(plan.resources, catalog, JUDGED, settings=settings).findings:
        short = (
            finding.resource.split("::", 2)[-1] if finding.resource.startswith("urn:") else finding.resource
        )
        by_policy[finding.policy].add(short)
    return dict(by_policy)


def test_the_opentofu_plan(catalog: Catalog) -> None:
    assert _findings(_plan("tofu-plan.json"), catalog, Settings(health_data=True)) == {
        # The host's: fr-par is not SecNumCloud-qualified, whatever the stack does.
        "qualified-region": TOFU_CLOUD,
        # The stack's own: Scaleway does not encrypt buckets by default and this one asks for nothing.
        "encrypted-storage": {"scaleway_object_bucket.extracts"},
    }


def test_the_opentofu_plan_in_production(catalog: Catalog) -> None:
    """A Terraform plan shows no `protect`, and Scaleway's resources no deletion protection: in production
    every data store is a finding of the stack's own."""
    found = _findings(_plan("tofu-plan.json"), catalog, Settings(health_data=True, production=True))
    assert found["protected-data-store"] == TOFU_DATA_STORES
    assert set(found) == {"qualified-region", "encrypted-storage", "protected-data-store"}


def test_the_pulumi_preview(catalog: Catalog) -> None:
    """Stack `prod`, so production: the program protects its data stores, so only the bucket's encryption
    is the stack's own finding."""
    found = _findings(_plan("pulumi-preview.json"), catalog, Settings(health_data=True, production=True))
    assert found == {
        "qualified-region": {f"scaleway-hdh::{urn}".split("::", 1)[1] for urn in PULUMI_CLOUD},
        "encrypted-storage": {"scaleway:object/bucket:Bucket::extracts"},
    }


def test_the_database_password_is_never_printed(catalog: Catalog) -> None:
    """The plan carries the sensitive variable's value, as `tofu show -json` does; no report shows it."""
    plan = _plan("tofu-plan.json")
    assert "example-only-Xq7" in (EXAMPLE / "tofu-plan.json").read_text(encoding="utf-8")
    evaluation = evaluate(plan.resources, catalog, JUDGED, settings=Settings(production=True), plan=plan)
    for report_format in FORMATS:
        assert "example-only-Xq7" not in render(evaluation, report_format)
