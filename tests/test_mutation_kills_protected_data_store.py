"""protected-data-store through the engine, with deletion protections and volumes unknown until apply.

Written against mutants of `policies/protected_data_store.py` that survived the policy's own tests (which
call its check directly): the kinds it applies to, the unknown mark of a deletion protection unknown until
apply, the message of an instance whose volumes' fate is unknown. Verdicts written by hand: in production,
an instance whose volumes are deleted with it is judged like a volume; a `deletion_protection` unknown
until apply may turn out off.
"""

from __future__ import annotations

from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.protected_data_store import POLICY

from souverain.catalog import Catalog
from souverain.engine import evaluate
from souverain.policy import Settings

PROD = Settings(production=True)
TF_INSTANCE = "openstack_compute_instance_v2"
INSTANCE = "openstack:compute/instance:Instance"
PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
NOVA_VOLUME = {"source_type": "image", "uuid": "img", "destination_type": "volume", "volume_size": 50}


def test_the_engine_judges_instances_and_data_stores_only(small_catalog: Catalog) -> None:
    instance = terraform_resource(
        TF_INSTANCE,
        {"name": "db", "block_device": [{**NOVA_VOLUME, "delete_on_termination": True}]},
        name="db",
    )
    volume = pulumi_resource("openstack:blockstorage/volume:Volume", {"size": 10}, name="data")
    network = pulumi_resource("openstack:networking/network:Network", {"name": "app"}, name="app")
    found = evaluate([instance, volume, network], small_catalog, [POLICY], settings=PROD).findings
    assert sorted((finding.resource, finding.path) for finding in found) == [
        ("openstack_compute_instance_v2.db", "protect"),
        ("urn:pulumi:dev::proj::openstack:blockstorage/volume:Volume::data", "protect"),
    ]


def test_a_deletion_protection_unknown_until_apply_is_an_unknown_finding(small_catalog: Catalog) -> None:
    for database_type in ("google_sql_database_instance", "ovh_cloud_project_database"):
        database = terraform_resource(
            database_type, {"deletion_protection": None}, after_unknown={"deletion_protection": True}
        )
        assert POLICY.check_resource is not None
        [violation] = POLICY.check_resource(database, context(small_catalog, PROD))
        assert violation.unknown
        assert violation.path == "deletion_protection"
        assert violation.message == (
            "deletion_protection is unknown until apply, and the database is neither protected nor retained "
            "on delete in a production stack"
        )
        protected = terraform_resource(database_type, {"deletion_protection": True})
        assert list(POLICY.check_resource(protected, context(small_catalog, PROD))) == []


def test_the_message_says_when_the_volumes_fate_is_unknown(small_catalog: Catalog) -> None:
    assert POLICY.check_resource is not None
    unknown = [{"sourceType": "image", "destinationType": "volume", "deleteOnTermination": PULUMI_UNKNOWN}]
    [violation] = POLICY.check_resource(
        pulumi_resource(INSTANCE, {"blockDevices": unknown}), context(small_catalog, PROD)
    )
    assert violation.message.startswith(
        "the instance's volumes (block_devices[0]) are deleted with it (delete_on_termination, unknown until "
        "apply), and it is neither"
    )
    known = [{"sourceType": "image", "destinationType": "volume", "deleteOnTermination": True}]
    [violation] = POLICY.check_resource(
        pulumi_resource(INSTANCE, {"blockDevices": known}), context(small_catalog, PROD)
    )
    assert violation.message.startswith(
        "the instance's volumes (block_devices[0]) are deleted with it (delete_on_termination), and it is"
    )
    assert not violation.unknown
