"""Write this example's tofu-plan.json and pulumi-preview.json.

pulumi-preview.json: pulumi/__main__.py run with pulumiverse-scaleway under the mock runtime
(tools/record_preview.py), as `pulumi preview --json` writes it. tofu-plan.json: the values of main.tf
(and cloud-init.yaml) in the layout `tofu show -json` writes, built by tools/provider_data_fixtures.py;
fetching the scaleway provider to run `tofu plan` needs the network, which this repository's checks do
not use. Regenerate with `pip install pulumiverse-scaleway` then `python examples/scaleway-hdh/generate.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "tools"))

import provider_data_fixtures as fixtures  # noqa: E402 - the tool beside the repository's others
import record_preview  # noqa: E402

LATER, COMPUTED = fixtures.LATER, fixtures.COMPUTED
CLOUD_INIT = (HERE / "cloud-init.yaml").read_text(encoding="utf-8")
ADMIN_RANGES = ["203.0.113.0/24"]
EXAMPLE_PASSWORD = "example-only-Xq7-not-a-real-password"  # noqa: S105 - stands for the -var given at plan time
PASSWORD_REFERENCE = {"references": ["var.db_admin_password"]}

RESOURCES = [
    {
        "type": "scaleway_vpc",
        "name": "hdh",
        "values": {"name": "hdh", "tags": ["hdh", "classification=health-data"], "region": COMPUTED},
    },
    {
        "type": "scaleway_vpc_private_network",
        "name": "hdh",
        "values": {
            "name": "hdh-core",
            "vpc_id": LATER,
            "region": COMPUTED,
            "ipv4_subnet": [{"subnet": "10.20.0.0/22"}],
        },
    },
    {
        "type": "scaleway_vpc_public_gateway_ip",
        "name": "gateway",
        "values": {"zone": COMPUTED, "address": COMPUTED},
    },
    {
        "type": "scaleway_vpc_public_gateway",
        "name": "gateway",
        "values": {
            "name": "hdh-gateway",
            "type": "VPC-GW-S",
            "ip_id": LATER,
            "bastion_enabled": True,
            "bastion_port": 61000,
            "allowed_ip_ranges": ADMIN_RANGES,
            "zone": COMPUTED,
        },
        "expressions": {"allowed_ip_ranges": {"references": ["var.admin_ranges"]}},
    },
    {
        "type": "scaleway_vpc_gateway_network",
        "name": "hdh",
        "values": {
            "gateway_id": LATER,
            "private_network_id": LATER,
            "enable_masquerade": True,
            "ipam_config": [{"push_default_route": True}],
            "zone": COMPUTED,
        },
    },
    {
        "type": "scaleway_instance_security_group",
        "name": "workspace",
        "values": {
            "name": "hdh-workspace",
            "inbound_default_policy": "drop",
            "outbound_default_policy": "accept",
            "stateful": True,
            "zone": COMPUTED,
            "inbound_rule": [{"action": "accept", "protocol": "TCP", "port": 22, "ip_range": "10.20.0.0/22"}],
        },
    },
    {
        "type": "scaleway_instance_server",
        "name": "workspace",
        "values": {
            "name": "hdh-workspace-0042",
            "type": "PRO2-S",
            "image": "ubuntu_noble",
            "security_group_id": LATER,
            "tags": ["hdh", "project=0042"],
            "zone": COMPUTED,
            "root_volume": [{"volume_type": "sbs_volume", "size_in_gb": 40}],
            "private_network": [{"pn_id": LATER}],
            "user_data": {"cloud-init": CLOUD_INIT},
        },
        "expressions": {"user_data": {"references": ["path.module"]}},
    },
    {
        "type": "scaleway_rdb_instance",
        "name": "snds",
        "values": {
            "name": "hdh-snds",
            "engine": "PostgreSQL-16",
            "node_type": "DB-PRO2-XS",
            "is_ha_cluster": True,
            "disable_backup": False,
            "backup_schedule_frequency": 24,
            "backup_schedule_retention": 14,
            "encryption_at_rest": True,
            "user_name": "hdh_admin",
            "password": EXAMPLE_PASSWORD,
            "region": COMPUTED,
            "private_network": [{"pn_id": LATER, "enable_ipam": True}],
        },
        "sensitive": ["password"],
        "expressions": {"password": PASSWORD_REFERENCE},
    },
    {
        "type": "scaleway_rdb_database",
        "name": "snds",
        "values": {"instance_id": LATER, "name": "snds", "region": COMPUTED},
    },
    {
        "type": "scaleway_object_bucket",
        "name": "extracts",
        "values": {"name": "hdh-snds-extracts", "region": COMPUTED, "versioning": [{"enabled": True}]},
    },
    {
        "type": "scaleway_object_bucket_acl",
        "name": "extracts",
        "values": {"bucket": LATER, "acl": "private", "region": COMPUTED},
    },
    {
        "type": "scaleway_secret",
        "name": "db_admin_password",
        "values": {"name": "snds-admin-password", "region": COMPUTED},
    },
    {
        "type": "scaleway_secret_version",
        "name": "db_admin_password",
        "values": {"secret_id": LATER, "data": EXAMPLE_PASSWORD, "region": COMPUTED},
        "sensitive": ["data"],
        "expressions": {"data": PASSWORD_REFERENCE},
    },
]


def main() -> int:
    document = fixtures.plan(
        "scaleway",
        "scaleway/scaleway",
        {"region": "fr-par", "zone": "fr-par-1"},
        RESOURCES,
        variables={
            "db_admin_password": {"value": EXAMPLE_PASSWORD, "sensitive": True},
            "admin_ranges": {
                "value": ADMIN_RANGES,
                "default": ADMIN_RANGES,
                "description": "The agency's administration ranges, the only sources of SSH to the bastion.",
            },
        },
    )
    (HERE / "tofu-plan.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return record_preview.main(
        [
            str(HERE / "pulumi" / "__main__.py"),
            str(HERE / "pulumi-preview.json"),
            "--project",
            "hdh-scaleway",
            "--stack",
            "prod",
            "--config",
            "scaleway:region=fr-par",
            "--config",
            "scaleway:zone=fr-par-1",
            "--config",
            f"hdh-scaleway:adminRanges={json.dumps(ADMIN_RANGES)}",
            "--secret-config",
            f"hdh-scaleway:dbAdminPassword={EXAMPLE_PASSWORD}",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
