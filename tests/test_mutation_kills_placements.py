"""`placements`: which placements decide where a resource lands, the effective one first, as its
docstring promises (qualified-region checks they all name one region). Written against the mutants that
survived (docs/mutation.md); the expected tuples are written by hand.
"""

from __future__ import annotations

from typing import Any

from souverain.model import UNKNOWN, ProviderConfig, Resource, placements

PROVIDER = "urn:pulumi:dev::proj::pulumi:providers:gcp::default"


def _resource(properties: dict[str, Any], provider_region: Any, provider_zone: Any = None) -> Resource:
    provider_properties = {} if provider_zone is None else {"zone": provider_zone}
    return Resource(
        address="urn:pulumi:dev::proj::gcp:compute/disk:Disk::data",
        type="gcp:compute/disk:Disk",
        name="data",
        package="gcp",
        properties=properties,
        provider=ProviderConfig("gcp", PROVIDER, provider_region, provider_properties),
    )


def test_a_resource_with_its_own_region_ignores_the_providers() -> None:
    resource = _resource({"region": "eu-a", "zone": "eu-a-1"}, "eu-b", "eu-b-1")
    assert placements(resource) == (("region", "eu-a"), ("zone", "eu-a-1"))


def test_zones_only_come_after_the_providers_region() -> None:
    resource = _resource({"zone": "eu-a-1"}, "eu-a")
    assert placements(resource) == (("provider.region", "eu-a"), ("zone", "eu-a-1"))


def test_a_providers_region_unknown_until_apply_is_still_listed_first() -> None:
    resource = _resource({"zone": "eu-a-1"}, UNKNOWN)
    assert placements(resource) == (("provider.region", UNKNOWN), ("zone", "eu-a-1"))
    alone = _resource({}, UNKNOWN, "eu-a-1")
    assert placements(alone) == (("provider.region", UNKNOWN), ("provider.zone", "eu-a-1"))


def test_an_empty_providers_region_is_not_a_placement() -> None:
    assert placements(_resource({"zone": "eu-a-1"}, "")) == (("zone", "eu-a-1"),)
