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


def test_remembered_verdicts_answer_each_question_as_a_fresh_catalog_does() -> None:
    """Verdicts are memoized per catalog and question: region, package, health data and day all count."""
    from datetime import date

    from conftest import SMALL_CATALOG

    from souverain.catalog import load_catalog

    shared = load_catalog([SMALL_CATALOG], replace=True)
    questions = [
        (resource, settings)
        for resource in (
            pulumi_resource(VOLUME, {}, provider_region="SNC-NOHDS-1"),
            pulumi_resource(VOLUME, {}, provider_region="snc-nohds-1"),
            pulumi_resource("aws:ebs/volume:Volume", {}, provider_region="SNC-NOHDS-1"),
            terraform_resource(TF_VOLUME, {"region": "SNC-PAR-1"}),
            pulumi_resource(VOLUME, {}, provider_region="PUB-1"),
            pulumi_resource(VOLUME, {}, provider_region="MARS-1"),
        )
        for settings in (
            Settings(today=date(2026, 6, 1)),
            Settings(health_data=True, today=date(2026, 6, 1)),
            Settings(health_data=True, today=date(1990, 1, 1)),
        )
    ]
    for _ in range(2):  # the second round is answered from the memo
        for resource, settings in questions:
            fresh = load_catalog([SMALL_CATALOG], replace=True)
            assert _messages(resource, shared, settings) == _messages(resource, fresh, settings)
    assert any("HDS" in m for m in _messages(questions[1][0], shared, questions[1][1]))
    assert _messages(questions[0][0], shared, questions[0][1]) == []
    assert _messages(
        questions[6][0], shared, questions[6][1]
    ) == [  # same region, a package it does not serve
        "region 'SNC-NOHDS-1' is not SecNumCloud-qualified for this provider"
    ]
