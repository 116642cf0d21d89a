"""Every data store of kinds.yaml's list is guarded, one by one; resources that hold no data are not.

Removing any entry from `data_stores` (tools/mutation.py does, in turn) must fail a test here: the list is
written out by hand below, with type tokens of pulumi-openstack 5.x, terraform-provider-openstack 3.x and
the other providers' data resources, never read from kinds.yaml.
"""

from __future__ import annotations

import pytest
from conftest import pulumi_resource, terraform_resource
from souverain.policies import POLICIES_BY_ID

from souverain.catalog import Catalog
from souverain.engine import evaluate
from souverain.model import Operation, Resource
from souverain.policy import Settings

DATA_STORES = [
    # (kind as the messages name it, Pulumi type token or Terraform resource type)
    ("volume", "openstack:blockstorage/volume:Volume"),
    ("volume", "openstack_blockstorage_volume_v3"),
    ("volume", "openstack_blockstorage_volume_v2"),
    ("object_container", "openstack:objectstorage/container:Container"),
    ("object_container", "openstack_objectstorage_container_v1"),
    ("object", "openstack:objectstorage/containerObject:ContainerObject"),
    ("object", "openstack_objectstorage_object_v1"),
    ("share", "openstack:sharedfilesystem/share:Share"),
    ("share", "openstack_sharedfilesystem_share_v2"),
    ("database", "openstack:database/instance:Instance"),
    ("database", "openstack_db_instance_v1"),
    ("database", "gcp:sql/databaseInstance:DatabaseInstance"),
    # A logical database inside a database instance: its tables go with it.
    ("database_schema", "openstack:database/database:Database"),
    ("database_schema", "openstack_db_database_v1"),
    ("database_schema", "gcp:sql/database:Database"),
    ("database_schema", "scaleway_rdb_database"),
    # Barbican: a secret's payload, a container of them, an ordered key exist nowhere else once deleted.
    ("secret", "openstack:keymanager/secretV1:SecretV1"),
    ("secret", "openstack_keymanager_secret_v1"),
    ("secret_container", "openstack:keymanager/containerV1:ContainerV1"),
    ("secret_container", "openstack_keymanager_container_v1"),
    ("key_order", "openstack:keymanager/orderV1:OrderV1"),
    ("key_order", "openstack_keymanager_order_v1"),
    # The providers' own key managers and secrets managers: a deleted key makes what it encrypted unreadable.
    ("kms_key", "gcp:kms/cryptoKey:CryptoKey"),
    ("kms_key", "scaleway_key_manager_key"),
    ("secrets_manager_secret", "gcp:secretmanager/secret:Secret"),
    ("secrets_manager_secret", "ovh_cloud_key_manager_secret"),
    ("secret_version", "gcp:secretmanager/secretVersion:SecretVersion"),
    ("secret_version", "scaleway_secret_version"),
]

HOLD_NO_DATA = [
    "openstack:networking/network:Network",
    "openstack_networking_port_v2",
    "openstack:networking/secGroupRule:SecGroupRule",
    "openstack_networking_router_v2",
    "openstack:compute/keypair:Keypair",
]


def _resource(type_token: str, operation: Operation, *, protect: bool = False) -> Resource:
    if ":" in type_token:
        return pulumi_resource(type_token, {"name": "data"}, operation=operation, protect=protect)
    resource = terraform_resource(type_token, {"name": "data"}, operation=operation)
    resource.protect = protect
    return resource


def _messages(policy_id: str, resource: Resource, catalog: Catalog, *, production: bool = False) -> list[str]:
    evaluation = evaluate(
        [resource], catalog, [POLICIES_BY_ID[policy_id]], settings=Settings(production=production)
    )
    return [finding.message for finding in evaluation.findings]


@pytest.mark.parametrize(("kind", "type_token"), DATA_STORES, ids=[t for _, t in DATA_STORES])
def test_deleting_a_data_store_is_destruction(small_catalog: Catalog, kind: str, type_token: str) -> None:
    deleted = _resource(type_token, Operation.DELETE)
    assert _messages("no-data-destruction", deleted, small_catalog) == [
        f"the plan deletes this {kind}, and the data it holds with it"
    ]


@pytest.mark.parametrize(("kind", "type_token"), DATA_STORES, ids=[t for _, t in DATA_STORES])
def test_replacing_a_data_store_is_destruction(small_catalog: Catalog, kind: str, type_token: str) -> None:
    replaced = _resource(type_token, Operation.REPLACE)
    assert _messages("no-data-destruction", replaced, small_catalog) == [
        f"the plan replaces this {kind}: the new one starts empty and the old one, with its data, is deleted"
    ]


@pytest.mark.parametrize(("kind", "type_token"), DATA_STORES, ids=[t for _, t in DATA_STORES])
def test_an_unprotected_data_store_in_production_is_a_finding(
    small_catalog: Catalog, kind: str, type_token: str
) -> None:
    created = _resource(type_token, Operation.CREATE)
    assert _messages("protected-data-store", created, small_catalog, production=True) == [
        f"{kind} is neither protected nor retained on delete in a production stack"
    ]
    protected = _resource(type_token, Operation.CREATE, protect=True)
    assert _messages("protected-data-store", protected, small_catalog, production=True) == []


@pytest.mark.parametrize("type_token", HOLD_NO_DATA)
def test_deleting_what_holds_no_data_is_not_destruction(small_catalog: Catalog, type_token: str) -> None:
    assert _messages("no-data-destruction", _resource(type_token, Operation.DELETE), small_catalog) == []
    unprotected = _resource(type_token, Operation.CREATE)
    assert _messages("protected-data-store", unprotected, small_catalog, production=True) == []
