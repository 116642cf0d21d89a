"""Write the data fixtures of tests/fixtures/providers/<provider>/: `tofu show -json` plans and previews.

Terraform shapes: the plans are written here from attribute values, with the attribute and block names of
each provider's published schema (Terraform registry pages; Cloud-Temple's generated docs/resources/*.md),
in the layout `tofu show -json` writes (format 1.2: planned_values, resource_changes with before/after,
after_unknown and after_sensitive, configuration with provider_config and the resources' expressions).
Pulumi shapes: the `*-data-pulumi.py` programs run with the real SDKs under the mock runtime
(tools/record_preview.py). Regenerate with

    pip install pulumiverse-scaleway pulumi-gcp pulumi-ovh   # not souverain dependencies
    python tools/provider_data_fixtures.py

Each resource's name says the verdict the tests expect (`bad-...`, `good-...`); the tests write those
verdicts by hand, they do not read them from the names.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import record_preview

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "providers"
LATER = "(known after apply)"
"""Marks a value unknown until apply in the specs below (set in the configuration from another resource)."""
COMPUTED = "(computed by the provider)"
"""Marks a value unknown until apply that the configuration does not set (an optional-computed `region`)."""


def _split(values: Any) -> tuple[Any, Any]:
    """(after, after_unknown) of a spec value: LATER becomes unknown and leaves `after`."""
    if isinstance(values, dict):
        after, unknown = {}, {}
        for key, value in values.items():
            if value in (LATER, COMPUTED):
                unknown[key] = True
                continue
            inner, inner_unknown = _split(value)
            after[key] = inner
            if inner_unknown not in ({}, [], False):
                unknown[key] = inner_unknown
        return after, unknown
    if isinstance(values, list):
        pairs = [_split(item) for item in values]
        unknowns = [pair[1] for pair in pairs]
        return [pair[0] for pair in pairs], unknowns if any(u not in ({}, False) for u in unknowns) else []
    return values, False


def _sensitive(values: Any, sensitive: set[str]) -> dict[str, Any]:
    """`after_sensitive` of `values`: `name` marks an attribute, `block.name` a nested one."""
    marks: dict[str, Any] = {}
    for name in sorted(sensitive):
        outer, _, inner = name.partition(".")
        if outer in values:
            marks[outer] = {inner: True} if inner else True
    return marks


def _expressions(values: Mapping[str, Any]) -> dict[str, Any]:
    """Configuration expressions: constants as `constant_value`, unknowns as a reference; values the
    provider computes are not in the configuration."""
    expressions: dict[str, Any] = {}
    for key, value in values.items():
        if value == COMPUTED:
            continue
        if value == LATER:
            expressions[key] = {"references": [f"{key}.id"]}
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            expressions[key] = [_expressions(item) for item in value]
        else:
            expressions[key] = {"constant_value": value}
    return expressions


def plan(
    provider: str,
    source: str,
    provider_expressions: Mapping[str, Any],
    resources: list[dict[str, Any]],
    variables: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A `tofu show -json` plan. Each resource: type, name, values, and optionally `actions` (default
    create), `before` (for update, replace, delete), `sensitive` (attribute names) and `expressions`
    (configuration expressions that replace the constants, `{"password": {"references": [...]}}`).
    `variables`: name -> {"value": ..., "sensitive": bool, "default": ...}, as the plan and its
    configuration record them."""
    full_name = f"registry.opentofu.org/{source}"
    planned, changes, configured = [], [], []
    for spec in resources:
        address = f"{spec['type']}.{spec['name']}"
        actions = spec.get("actions", ["create"])
        sensitive = set(spec.get("sensitive", ()))
        after, after_unknown = _split(spec["values"])
        before = spec.get("before")
        deleting = actions == ["delete"]
        if not deleting:
            planned.append(
                {
                    "address": address,
                    "mode": "managed",
                    "type": spec["type"],
                    "name": spec["name"],
                    "provider_name": full_name,
                    "schema_version": 0,
                    "values": after,
                    "sensitive_values": _sensitive(after, sensitive),
                }
            )
        change: dict[str, Any] = {
            "actions": actions,
            "before": before,
            "after": None if deleting else after,
            "after_unknown": {} if deleting else (after_unknown or {}),
            "before_sensitive": False if before is None else _sensitive(before, sensitive),
            "after_sensitive": False if deleting else _sensitive(after, sensitive),
        }
        entry: dict[str, Any] = {
            "address": address,
            "mode": "managed",
            "type": spec["type"],
            "name": spec["name"],
            "provider_name": full_name,
            "change": change,
        }
        if len(actions) == 2:
            entry["action_reason"] = "replace_because_cannot_update"
            change["replace_paths"] = [[spec.get("replace_path", next(iter(after)))]]
        changes.append(entry)
        configured.append(
            {
                "address": address,
                "mode": "managed",
                "type": spec["type"],
                "name": spec["name"],
                "provider_config_key": provider,
                "expressions": {**_expressions(spec["values"]), **spec.get("expressions", {})},
                "schema_version": 0,
            }
        )
    document: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": "1.8.5",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                provider: {
                    "name": provider,
                    "full_name": full_name,
                    "expressions": {
                        key: {"constant_value": value} for key, value in provider_expressions.items()
                    },
                }
            },
            "root_module": {"resources": configured},
        },
        "timestamp": "2026-12-04T10:00:00Z",
        "errored": False,
    }
    if variables:
        document["variables"] = {name: {"value": spec["value"]} for name, spec in variables.items()}
        declared = {name: {k: v for k, v in spec.items() if k != "value"} for name, spec in variables.items()}
        document["configuration"]["root_module"]["variables"] = declared
    return document


def _write(path: Path, document: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(path.relative_to(ROOT))


# --------------------------------------------------------------------------------------------------------
# Terraform specs, one list per provider
# --------------------------------------------------------------------------------------------------------

S3NS = [
    {
        "type": "google_kms_crypto_key",
        "name": "good-key",
        "values": {"name": "hdh-data", "key_ring": LATER, "purpose": "ENCRYPT_DECRYPT"},
    },
    {
        "type": "google_compute_disk",
        "name": "bad-disk",
        "values": {"name": "extract", "zone": "u-france-east1-a", "size": 100, "type": "pd-balanced"},
    },
    {
        "type": "google_compute_disk",
        "name": "good-disk",
        "values": {
            "name": "extract-cmek",
            "zone": "u-france-east1-a",
            "size": 100,
            "type": "pd-balanced",
            "disk_encryption_key": [{"kms_key_self_link": LATER}],
        },
    },
    {
        "type": "google_storage_bucket",
        "name": "bad-bucket",
        "values": {"name": "hdh-exports", "location": "U-FRANCE-EAST1", "force_destroy": False},
    },
    {
        "type": "google_storage_bucket",
        "name": "good-bucket",
        "values": {
            "name": "hdh-extracts",
            "location": "U-FRANCE-EAST1",
            "force_destroy": False,
            "uniform_bucket_level_access": True,
            "public_access_prevention": "enforced",
            "encryption": [{"default_kms_key_name": LATER}],
        },
    },
    {
        "type": "google_storage_bucket_iam_member",
        "name": "bad-public-reader",
        "values": {"bucket": "hdh-extracts", "role": "roles/storage.objectViewer", "member": "allUsers"},
    },
    {
        "type": "google_storage_bucket_iam_member",
        "name": "good-reader",
        "values": {
            "bucket": "hdh-extracts",
            "role": "roles/storage.objectViewer",
            "member": "group:researchers@hdh.example",
        },
    },
    {
        "type": "google_storage_bucket_acl",
        "name": "bad-acl",
        "values": {"bucket": "hdh-exports", "role_entity": ["OWNER:project-owners-123", "READER:allUsers"]},
    },
    {
        "type": "google_storage_bucket_acl",
        "name": "good-acl",
        "values": {"bucket": "hdh-extracts", "role_entity": ["OWNER:project-owners-123"]},
    },
    {
        "type": "google_sql_database_instance",
        "name": "bad-sql",
        "values": {
            "name": "hdh-pg-plain",
            "region": "u-france-east1",
            "database_version": "POSTGRES_16",
            "deletion_protection": False,
            "settings": [{"tier": "db-custom-2-7680"}],
        },
    },
    {
        "type": "google_sql_database_instance",
        "name": "good-sql",
        "values": {
            "name": "hdh-pg",
            "region": "u-france-east1",
            "database_version": "POSTGRES_16",
            "deletion_protection": True,
            "encryption_key_name": LATER,
            "settings": [{"tier": "db-custom-2-7680"}],
        },
    },
    {
        "type": "google_secret_manager_secret",
        "name": "good-secret",
        "values": {"secret_id": "pg-password", "replication": [{"auto": [{}]}]},
    },
    {
        "type": "google_secret_manager_secret_version",
        "name": "good-secret-version",
        "values": {"secret": LATER, "secret_data": "correct-horse-battery"},
        "sensitive": ["secret_data"],
    },
    {
        "type": "google_container_node_pool",
        "name": "bad-pool",
        "values": {
            "name": "workers",
            "location": "u-france-east1",
            "cluster": LATER,
            "node_config": [{"machine_type": "n2-standard-4", "disk_type": "pd-balanced"}],
        },
    },
    {
        "type": "google_container_node_pool",
        "name": "good-pool",
        "values": {
            "name": "workers-cmek",
            "location": "u-france-east1",
            "cluster": LATER,
            "node_config": [
                {"machine_type": "n2-standard-4", "disk_type": "pd-balanced", "boot_disk_kms_key": LATER}
            ],
        },
    },
    {
        "type": "google_compute_disk",
        "name": "bad-deleted-disk",
        "actions": ["delete"],
        "before": {"name": "old-extract", "zone": "u-france-east1-a", "size": 50},
        "values": {},
    },
    {
        "type": "google_sql_database_instance",
        "name": "bad-replaced-sql",
        "actions": ["delete", "create"],
        "replace_path": "database_version",
        "before": {
            "name": "hdh-pg-old",
            "region": "u-france-east1",
            "database_version": "POSTGRES_15",
            "deletion_protection": False,
            "encryption_key_name": "projects/hdh/keys/k",
        },
        "values": {
            "name": "hdh-pg-old",
            "region": "u-france-east1",
            "database_version": "POSTGRES_16",
            "deletion_protection": False,
            "encryption_key_name": "projects/hdh/keys/k",
        },
    },
    {
        "type": "google_compute_disk",
        "name": "good-resized-disk",
        "actions": ["update"],
        "before": {
            "name": "scratch",
            "zone": "u-france-east1-a",
            "size": 50,
            "disk_encryption_key": [{"kms_key_self_link": "projects/hdh/keys/k"}],
        },
        "values": {
            "name": "scratch",
            "zone": "u-france-east1-a",
            "size": 100,
            "disk_encryption_key": [{"kms_key_self_link": "projects/hdh/keys/k"}],
        },
    },
]

SCALEWAY = [
    {
        "type": "scaleway_block_volume",
        "name": "bad-volume",
        "values": {"name": "extract", "zone": "fr-par-1", "iops": 5000, "size_in_gb": 100},
    },
    {
        "type": "scaleway_instance_volume",
        "name": "bad-local-volume",
        "values": {"name": "scratch", "zone": "fr-par-1", "type": "l_ssd", "size_in_gb": 20},
    },
    {
        "type": "scaleway_object_bucket",
        "name": "bad-bucket",
        "values": {"name": "hdh-extracts", "region": "fr-par", "force_destroy": False},
    },
    {
        "type": "scaleway_object_bucket_acl",
        "name": "bad-bucket-acl",
        "values": {"bucket": "hdh-extracts", "region": "fr-par", "acl": "public-read"},
    },
    {
        "type": "scaleway_object_bucket_acl",
        "name": "good-bucket-acl",
        "values": {"bucket": "hdh-extracts", "region": "fr-par", "acl": "private"},
    },
    {
        "type": "scaleway_object",
        "name": "bad-object",
        "values": {
            "bucket": "hdh-extracts",
            "region": "fr-par",
            "key": "codebook.csv",
            "visibility": "public-read",
        },
    },
    {
        "type": "scaleway_object",
        "name": "good-object",
        "values": {
            "bucket": "hdh-extracts",
            "region": "fr-par",
            "key": "readme.txt",
            "visibility": "private",
        },
    },
    {
        "type": "scaleway_rdb_instance",
        "name": "bad-rdb",
        "values": {
            "name": "hdh-pg-plain",
            "region": "fr-par",
            "engine": "PostgreSQL-16",
            "node_type": "DB-PRO2-XS",
            "is_ha_cluster": True,
            "disable_backup": False,
            "encryption_at_rest": False,
            "user_name": "hdh",
            "password": "Sup3r-s3cret-pw",
        },
        "sensitive": ["password"],
    },
    {
        "type": "scaleway_rdb_instance",
        "name": "good-rdb",
        "values": {
            "name": "hdh-pg",
            "region": "fr-par",
            "engine": "PostgreSQL-16",
            "node_type": "DB-PRO2-XS",
            "is_ha_cluster": True,
            "disable_backup": False,
            "encryption_at_rest": True,
            "user_name": "hdh",
            "password": "Sup3r-s3cret-pw",
        },
        "sensitive": ["password"],
    },
    {
        "type": "scaleway_key_manager_key",
        "name": "good-key",
        "values": {
            "name": "hdh-data",
            "region": "fr-par",
            "usage": "symmetric_encryption",
            "algorithm": "aes_256_gcm",
            "unprotected": False,
        },
    },
    {"type": "scaleway_secret", "name": "good-secret", "values": {"name": "pg-password", "region": "fr-par"}},
    {
        "type": "scaleway_secret_version",
        "name": "good-secret-version",
        "values": {"secret_id": LATER, "region": "fr-par", "data": "correct-horse-battery"},
        "sensitive": ["data"],
    },
    {
        "type": "scaleway_k8s_pool",
        "name": "bad-pool",
        "values": {
            "name": "workers",
            "region": "fr-par",
            "zone": "fr-par-1",
            "cluster_id": LATER,
            "node_type": "PRO2-S",
            "size": 3,
            "root_volume_type": "sbs_5k",
        },
    },
    {
        "type": "scaleway_rdb_instance",
        "name": "bad-deleted-rdb",
        "actions": ["delete"],
        "before": {
            "name": "hdh-pg-2024",
            "region": "fr-par",
            "engine": "PostgreSQL-14",
            "encryption_at_rest": True,
        },
        "values": {},
    },
    {
        "type": "scaleway_block_volume",
        "name": "bad-replaced-volume",
        "actions": ["delete", "create"],
        "replace_path": "zone",
        "before": {"name": "archive", "zone": "fr-par-1", "iops": 5000, "size_in_gb": 100},
        "values": {"name": "archive", "zone": "fr-par-2", "iops": 5000, "size_in_gb": 100},
    },
]

OVH = [
    {
        "type": "ovh_cloud_storage_block_volume",
        "name": "bad-volume",
        "values": {
            "service_name": "hdh-project",
            "region": "GRA11",
            "name": "extract",
            "size": 100,
            "volume_type": "classic",
        },
    },
    {
        "type": "ovh_cloud_storage_block_volume",
        "name": "good-volume",
        "values": {
            "service_name": "hdh-project",
            "region": "GRA11",
            "name": "extract-luks",
            "size": 100,
            "volume_type": "classic",
            "encryption": {"enabled": True},
        },
    },
    {
        "type": "ovh_cloud_storage_block_volume",
        "name": "good-luks-volume",
        "values": {
            "service_name": "hdh-project",
            "region": "GRA11",
            "name": "scratch",
            "size": 20,
            "volume_type": "classic-luks",
        },
    },
    {
        "type": "ovh_cloud_storage_object_bucket",
        "name": "bad-bucket",
        "values": {
            "service_name": "hdh-project",
            "region": "GRA",
            "name": "hdh-exports",
            "encryption": {"algorithm": "PLAINTEXT"},
        },
    },
    {
        "type": "ovh_cloud_storage_object_bucket",
        "name": "good-bucket",
        "values": {
            "service_name": "hdh-project",
            "region": "GRA",
            "name": "hdh-extracts",
            "encryption": {"algorithm": "AES256"},
        },
    },
    {
        "type": "ovh_okms_service_key",
        "name": "good-key",
        "values": {
            "okms_id": LATER,
            "name": "hdh-data",
            "type": "oct",
            "size": 256,
            "operations": ["encrypt", "decrypt"],
        },
    },
    {
        "type": "ovh_okms_secret",
        "name": "good-secret",
        "values": {"okms_id": LATER, "path": "app/pg", "version": {"data": '{"password":"correct-horse"}'}},
        "sensitive": ["version.data"],
    },
    {
        "type": "ovh_cloud_project_database",
        "name": "bad-database",
        "values": {
            "service_name": "hdh-project",
            "engine": "postgresql",
            "version": "16",
            "plan": "business",
            "flavor": "b3-8",
            "deletion_protection": False,
            "nodes": [{"region": "GRA"}, {"region": "GRA"}],
        },
    },
    {
        "type": "ovh_cloud_project_database",
        "name": "good-database",
        "values": {
            "service_name": "hdh-project",
            "engine": "postgresql",
            "version": "16",
            "plan": "business",
            "flavor": "b3-8",
            "deletion_protection": True,
            "nodes": [{"region": "GRA"}, {"region": "GRA"}],
        },
    },
    {
        "type": "ovh_cloud_storage_block_volume",
        "name": "bad-deleted-volume",
        "actions": ["delete"],
        "before": {
            "service_name": "hdh-project",
            "region": "GRA11",
            "name": "old",
            "size": 10,
            "volume_type": "classic-luks",
        },
        "values": {},
    },
]

OUTSCALE = [
    {
        "type": "outscale_volume",
        "name": "bad-volume",
        "values": {"subregion_name": "cloudgouv-eu-west-1a", "size": 100, "volume_type": "gp2"},
    },
    {
        "type": "outscale_volume",
        "name": "bad-io1-volume",
        "values": {"subregion_name": "cloudgouv-eu-west-1a", "size": 100, "volume_type": "io1", "iops": 3000},
    },
    {
        "type": "outscale_volume",
        "name": "bad-replaced-volume",
        "actions": ["delete", "create"],
        "replace_path": "subregion_name",
        "before": {"subregion_name": "cloudgouv-eu-west-1a", "size": 50, "volume_type": "gp2"},
        "values": {"subregion_name": "cloudgouv-eu-west-1b", "size": 50, "volume_type": "gp2"},
    },
    {
        "type": "outscale_volume",
        "name": "good-resized-volume",
        "actions": ["update"],
        "before": {"subregion_name": "cloudgouv-eu-west-1a", "size": 50, "volume_type": "gp2"},
        "values": {"subregion_name": "cloudgouv-eu-west-1a", "size": 80, "volume_type": "gp2"},
    },
]

CLOUDTEMPLE = [
    {
        "type": "cloudtemple_object_storage_bucket",
        "name": "bad-public-bucket",
        "values": {"name": "hdh-exports", "access_type": "public"},
    },
    {
        "type": "cloudtemple_object_storage_bucket",
        "name": "bad-open-whitelist-bucket",
        "values": {"name": "hdh-shared", "access_type": "custom", "whitelist": ["10.0.0.0/8", "0.0.0.0/0"]},
    },
    {
        "type": "cloudtemple_object_storage_bucket",
        "name": "good-private-bucket",
        "values": {"name": "hdh-extracts", "access_type": "private", "versioning": "Enabled"},
    },
    {
        "type": "cloudtemple_object_storage_bucket",
        "name": "good-whitelist-bucket",
        "values": {"name": "hdh-lab", "access_type": "custom", "whitelist": ["10.0.0.0/8", "192.168.1.0/24"]},
    },
    {
        "type": "cloudtemple_object_storage_acl_entry",
        "name": "good-acl-entry",
        "values": {"bucket": "hdh-extracts", "role": "READ", "storage_account": "research-team"},
    },
    {
        "type": "cloudtemple_compute_virtual_disk",
        "name": "bad-disk",
        "values": {
            "virtual_machine_id": LATER,
            "capacity": 107374182400,
            "disk_mode": "persistent",
            "provisioning_type": "dynamic",
        },
    },
    {
        "type": "cloudtemple_public_cloud_vm_disk",
        "name": "bad-deleted-disk",
        "actions": ["delete"],
        "before": {
            "virtual_machine_id": "0b8e2d9a-1111-2222-3333-444455556666",
            "size": 20,
            "name": "logs-01",
        },
        "values": {},
    },
]


def main() -> int:
    _write(
        FIXTURES / "s3ns" / "s3ns-data-tofu-plan.json",
        plan(
            "google",
            "hashicorp/google",
            {"project": "hdh-prod", "region": "u-france-east1", "universe_domain": "s3nsapis.fr"},
            S3NS,
        ),
    )
    _write(
        FIXTURES / "scaleway" / "scaleway-data-tofu-plan.json",
        plan("scaleway", "scaleway/scaleway", {"region": "fr-par", "zone": "fr-par-1"}, SCALEWAY),
    )
    _write(FIXTURES / "ovh" / "ovh-data-tofu-plan.json", plan("ovh", "ovh/ovh", {"endpoint": "ovh-eu"}, OVH))
    _write(
        FIXTURES / "outscale" / "outscale-data-tofu-plan.json",
        plan("outscale", "outscale/outscale", {"region": "cloudgouv-eu-west-1"}, OUTSCALE),
    )
    _write(
        FIXTURES / "cloudtemple" / "cloudtemple-data-tofu-plan.json",
        plan("cloudtemple", "cloud-temple/cloudtemple", {}, CLOUDTEMPLE),
    )
    previews = {
        "s3ns": (
            ["gcp:project=hdh-prod", "gcp:region=u-france-east1", "gcp:universeDomain=s3nsapis.fr"],
            ["bad-deleted-disk=delete", "bad-replaced-sql=replace"],
        ),
        "scaleway": (
            ["scaleway:region=fr-par", "scaleway:zone=fr-par-1"],
            ["bad-deleted-rdb=delete", "bad-replaced-volume=replace"],
        ),
        "ovh": (["ovh:endpoint=ovh-eu"], ["bad-deleted-volume=delete"]),
    }
    for provider, (config, ops) in previews.items():
        program = FIXTURES / provider / f"{provider}-data-pulumi.py"
        args = [
            str(program),
            str(FIXTURES / provider / f"{provider}-data-pulumi-preview.json"),
            "--project",
            "hdh-data",
            "--stack",
            "prod",
        ]
        for item in config:
            args += ["--config", item]
        for item in ops:
            args += ["--op", item]
        record_preview.main(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
