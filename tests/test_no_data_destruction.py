"""no-data-destruction: planned deletes and replaces of data stores, Pulumi and Terraform spellings."""

from __future__ import annotations

import pytest
from conftest import context, pulumi_provider, pulumi_resource, terraform_resource
from souverain.policies.no_data_destruction import POLICY

from souverain.catalog import Catalog
from souverain.model import Operation, Resource

DATA_STORES = [
    ("openstack:blockstorage/volume:Volume", "openstack_blockstorage_volume_v3", {"size": 10}),
    ("openstack:objectstorage/container:Container", "openstack_objectstorage_container_v1", {"name": "x"}),
    ("openstack:sharedfilesystem/share:Share", "openstack_sharedfilesystem_share_v2", {"size": 1}),
    ("openstack:database/instance:Instance", "openstack_db_instance_v1", {"name": "db"}),
]


def _messages(resource: Resource, catalog: Catalog) -> list[str]:
    assert POLICY.check_resource is not None
    return [v.message for v in POLICY.check_resource(resource, context(catalog))]


@pytest.mark.parametrize(("token", "tf_type", "inputs"), DATA_STORES)
def test_delete_and_replace_of_data_stores(
    small_catalog: Catalog, token: str, tf_type: str, inputs: dict[str, object]
) -> None:
    for operation, word in ((Operation.DELETE, "deletes"), (Operation.REPLACE, "replaces")):
        [pulumi] = _messages(pulumi_resource(token, inputs, operation=operation), small_catalog)
        assert f"the plan {word} this" in pulumi
        [terraform] = _messages(terraform_resource(tf_type, inputs, operation=operation), small_catalog)
        assert f"the plan {word} this" in terraform


@pytest.mark.parametrize("operation", [Operation.CREATE, Operation.UPDATE, Operation.SAME, Operation.READ])
def test_other_operations_keep_the_data(small_catalog: Catalog, operation: Operation) -> None:
    for token, tf_type, inputs in DATA_STORES:
        assert _messages(pulumi_resource(token, inputs, operation=operation), small_catalog) == []
        assert _messages(terraform_resource(tf_type, inputs, operation=operation), small_catalog) == []


def test_resources_that_hold_no_data_may_go(small_catalog: Catalog) -> None:
    for resource in (
        pulumi_resource("openstack:compute/instance:Instance", {}, operation=Operation.REPLACE),
        terraform_resource("openstack_networking_secgroup_rule_v2", {}, operation=Operation.DELETE),
    ):
        assert _messages(resource, small_catalog) == []
    provider = pulumi_provider("openstack", {})
    provider.operation = Operation.DELETE
    assert _messages(provider, small_catalog) == []


def test_messages_say_which(small_catalog: Catalog) -> None:
    volume = pulumi_resource("openstack:blockstorage/volume:Volume", {}, operation=Operation.DELETE)
    assert _messages(volume, small_catalog) == ["the plan deletes this volume, and the data it holds with it"]
