"""The model's region resolution, case by case: where a resource lands, and where that came from.

`effective_region` decides which region every region policy judges; each branch below is one a mutant
changed without a test noticing (docs/mutation.md). Expected pairs are written by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from souverain.model import UNKNOWN, ProviderConfig, Resource, Secret, effective_region

PROVIDER = "urn:pulumi:dev::proj::pulumi:providers:openstack::default"


def _resource(own: Any = None, provider_region: Any = None, *, provider: bool = True) -> Resource:
    properties = {} if own is None else {"region": own}
    config = ProviderConfig("openstack", PROVIDER, provider_region, {}) if provider else None
    return Resource(
        address="urn:pulumi:dev::proj::openstack:blockstorage/volume:Volume::data",
        type="openstack:blockstorage/volume:Volume",
        name="data",
        package="openstack",
        properties=properties,
        provider=config,
    )


@pytest.mark.parametrize(
    ("own", "provider_region", "expected"),
    [
        ("SNC-PAR-1", "SNC-LYS-1", ("SNC-PAR-1", "resource")),  # the resource's own wins
        ("SNC-PAR-1", None, ("SNC-PAR-1", "resource")),
        (Secret("SNC-PAR-1"), "SNC-LYS-1", ("SNC-PAR-1", "resource")),  # a secret region is still a region
        (None, "SNC-LYS-1", ("SNC-LYS-1", "provider")),  # unset: the provider's
        ("", "SNC-LYS-1", ("SNC-LYS-1", "provider")),  # empty is unset
        (Secret(""), "SNC-LYS-1", ("SNC-LYS-1", "provider")),
        (42, "SNC-LYS-1", ("SNC-LYS-1", "provider")),  # not a name
        (None, "", (None, None)),
        (None, 42, (None, None)),  # a provider setting that is not a name is no region
        (None, None, (None, None)),
    ],
)
def test_own_region_then_the_providers(own: Any, provider_region: Any, expected: tuple[Any, Any]) -> None:
    assert effective_region(_resource(own, provider_region)) == expected


def test_an_own_region_unknown_until_apply_is_unknown_even_beside_a_provider_region() -> None:
    """Set, so the provider's does not apply; unknown, so it cannot be shown qualified (fail closed)."""
    region, source = effective_region(_resource(UNKNOWN, "SNC-LYS-1"))
    assert region is UNKNOWN
    assert source == "resource"


def test_a_provider_region_unknown_until_apply_is_unknown() -> None:
    region, source = effective_region(_resource(None, UNKNOWN))
    assert region is UNKNOWN
    assert source == "provider"


def test_a_secret_whose_value_is_unknown_is_unknown() -> None:
    region, source = effective_region(_resource(Secret(UNKNOWN), "SNC-LYS-1"))
    assert region is UNKNOWN
    assert source == "resource"


def test_no_provider_and_no_region_is_not_known() -> None:
    assert effective_region(_resource(provider=False)) == (None, None)
    assert effective_region(_resource("SNC-PAR-1", provider=False)) == ("SNC-PAR-1", "resource")
