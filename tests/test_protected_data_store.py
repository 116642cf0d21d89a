"""protected-data-store: production data stores need protect or retain-on-delete."""

from __future__ import annotations

from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.protected_data_store import POLICY

from souverain.catalog import Catalog
from souverain.model import Operation
from souverain.policy import Settings

PROD = Settings(production=True)


def _messages(resource, catalog: Catalog, settings: Settings = PROD) -> list[str]:
    assert POLICY.check_resource is not None
    return [v.message for v in POLICY.check_resource(resource, context(catalog, settings))]


def test_unprotected_volume_in_prod_is_a_finding(small_catalog: Catalog) -> None:
    volume = pulumi_resource(
        "openstack:blockstorage/volume:Volume", {"size": 10, "volumeType": "classic-luks"}
    )
    assert _messages(volume, small_catalog) == [
        "volume is neither protected nor retained on delete in a production stack"
    ]
    container = terraform_resource("openstack_objectstorage_container_v1", {"name": "extracts"})
    assert len(_messages(container, small_catalog)) == 1


def test_protect_or_retain_passes(small_catalog: Catalog) -> None:
    protected = pulumi_resource("openstack:blockstorage/volume:Volume", {"size": 10}, protect=True)
    retained = pulumi_resource("openstack:objectstorage/container:Container", {}, retain_on_delete=True)
    assert _messages(protected, small_catalog) == []
    assert _messages(retained, small_catalog) == []


def test_outside_production_or_not_a_data_store_passes(small_catalog: Catalog) -> None:
    volume = pulumi_resource("openstack:blockstorage/volume:Volume", {"size": 10})
    assert _messages(volume, small_catalog, Settings(production=False)) == []
    network = pulumi_resource("openstack:networking/network:Network", {"name": "app"})
    assert _messages(network, small_catalog) == []


def test_planned_delete_is_left_to_no_data_destruction(small_catalog: Catalog) -> None:
    volume = pulumi_resource("openstack:blockstorage/volume:Volume", {"size": 10}, operation=Operation.DELETE)
    assert _messages(volume, small_catalog) == []


INSTANCE = "openstack:compute/instance:Instance"
TF_INSTANCE = "openstack_compute_instance_v2"
PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
NOVA_VOLUME = {"source_type": "image", "uuid": "img", "destination_type": "volume", "volume_size": 50}


def test_instance_whose_volumes_go_with_it_needs_protection(small_catalog: Catalog) -> None:
    terraform = terraform_resource(
        TF_INSTANCE, {"name": "db", "block_device": [{**NOVA_VOLUME, "delete_on_termination": True}]}
    )
    [message] = _messages(terraform, small_catalog)
    assert "block_device[0]" in message
    assert "neither protected nor retained" in message
    devices = [
        {"sourceType": "blank", "destinationType": "volume", "volumeSize": 5, "deleteOnTermination": True}
    ]
    assert len(_messages(pulumi_resource(INSTANCE, {"blockDevices": devices}), small_catalog)) == 1
    # Twins: protected; retained; volumes that survive the instance; a local disk; outside production.
    assert _messages(pulumi_resource(INSTANCE, {"blockDevices": devices}, protect=True), small_catalog) == []
    assert (
        _messages(pulumi_resource(INSTANCE, {"blockDevices": devices}, retain_on_delete=True), small_catalog)
        == []
    )
    survive = terraform_resource(
        TF_INSTANCE, {"name": "db", "block_device": [{**NOVA_VOLUME, "delete_on_termination": False}]}
    )
    assert _messages(survive, small_catalog) == []
    local = terraform_resource(
        TF_INSTANCE,
        {"block_device": [{**NOVA_VOLUME, "destination_type": "local", "delete_on_termination": True}]},
    )
    assert _messages(local, small_catalog) == []
    assert _messages(terraform, small_catalog, Settings(production=False)) == []
    assert _messages(pulumi_resource(INSTANCE, {"name": "web"}), small_catalog) == []


def test_instance_whose_delete_on_termination_is_unknown(small_catalog: Catalog) -> None:
    devices = [{"sourceType": "image", "destinationType": "volume", "deleteOnTermination": PULUMI_UNKNOWN}]
    assert POLICY.check_resource is not None
    [violation] = POLICY.check_resource(
        pulumi_resource(INSTANCE, {"blockDevices": devices}), context(small_catalog, PROD)
    )
    assert violation.unknown
