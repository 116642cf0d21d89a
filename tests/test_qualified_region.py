"""qualified-region: good and bad cases, in Pulumi camelCase and Terraform snake_case."""

from __future__ import annotations

from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.qualified_region import POLICY

from souverain.catalog import Catalog
from souverain.policy import Settings

VOLUME = "openstack:blockstorage/volume:Volume"
TF_VOLUME = "openstack_blockstorage_volume_v3"


def _messages(resource, catalog: Catalog, settings: Settings | None = None) -> list[str]:
    assert POLICY.check_resource is not None
    return [v.message for v in POLICY.check_resource(resource, context(catalog, settings))]


def test_qualified_provider_region_passes(small_catalog: Catalog) -> None:
    assert _messages(pulumi_resource(VOLUME, {"size": 10}), small_catalog) == []
    assert _messages(terraform_resource(TF_VOLUME, {"size": 10}), small_catalog) == []


def test_own_region_wins_over_provider(small_catalog: Catalog) -> None:
    resource = pulumi_resource(VOLUME, {"size": 10, "region": "PUB-1"})
    assert resource.region == "PUB-1"
    assert any("not SecNumCloud-qualified" in m for m in _messages(resource, small_catalog))
    tf = terraform_resource(TF_VOLUME, {"size": 10, "region": "PUB-1"})
    assert any("not SecNumCloud-qualified" in m for m in _messages(tf, small_catalog))


def test_unknown_region_fails_closed(small_catalog: Catalog) -> None:
    resource = pulumi_resource(VOLUME, {"size": 10}, provider_region=None)
    assert _messages(resource, small_catalog) == [
        "no region is set on the resource or its provider, so it cannot be shown to be qualified"
    ]
    tf = terraform_resource(TF_VOLUME, {"size": 10}, after_unknown={"region": True}, provider_region=None)
    assert len(_messages(tf, small_catalog)) == 1


def test_region_missing_from_catalog(small_catalog: Catalog) -> None:
    messages = _messages(pulumi_resource(VOLUME, {}, provider_region="MARS-1"), small_catalog)
    assert messages == ["region 'MARS-1' is not in the sovereignty catalog"]


def test_us_controlled_offer_region_is_not_qualified(small_catalog: Catalog) -> None:
    assert _messages(pulumi_resource(VOLUME, {}, provider_region="US-EAST-1"), small_catalog)


def test_health_data_needs_hds(small_catalog: Catalog) -> None:
    resource = pulumi_resource(VOLUME, {}, provider_region="SNC-NOHDS-1")
    assert _messages(resource, small_catalog) == []
    messages = _messages(resource, small_catalog, Settings(health_data=True))
    assert any("HDS" in m for m in messages)
