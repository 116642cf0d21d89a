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
