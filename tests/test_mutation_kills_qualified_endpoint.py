"""qualified-endpoint at its edges: service maps holding more than URLs, empty and unreadable settings,
Swift sync realms against scheme-relative URLs, container metadata unknown until apply.

Written against mutants of `policies/qualified_endpoint.py` that survived the policy's own tests. Each
verdict is written by hand: a realm (`//realm/cluster/account/container`, Swift's container sync) names a
realm without a dot; `//swift.snc.acme.test/...` is a scheme-relative URL on the qualified offer's domain;
flags and numbers in a service map are no endpoints; an empty setting sends nothing anywhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SMALL_CATALOG, context, pulumi_provider, terraform_resource
from souverain.policies.qualified_endpoint import POLICY

from souverain.catalog import Catalog, load_catalog
from souverain.model import Resource
from souverain.policy import Violation

QUALIFIED = "https://auth.snc.acme.test:5000/v3"
OVERLAY = Path(__file__).parent / "fixtures" / "catalogs" / "endpoints-overlay.yaml"
TF_CONTAINER = "openstack_objectstorage_container_v1"
TF_VOLUME = "openstack_blockstorage_volume_v3"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """small.yaml, where the non-qualified offer also lists its API domains (`*.public.acme.test`)."""
    return load_catalog([SMALL_CATALOG, OVERLAY], replace=True)


def _violations(resources: list[Resource], catalog: Catalog) -> list[Violation]:
    assert POLICY.check_stack is not None
    return list(POLICY.check_stack(resources, context(catalog)))


def _terraform(auth: dict[str, object], *extra: Resource) -> list[Resource]:
    volume = terraform_resource(
        TF_VOLUME, {"size": 10}, name="a", provider_expressions={"region": "SNC-PAR-1", **auth}
    )
    return [volume, *extra]


def test_flags_and_numbers_in_a_service_map_are_no_endpoints(catalog: Catalog) -> None:
    """An `endpoints` block also holds switches (`s3_use_path_style = true`) and numbers: only the URLs are
    judged, and a qualified one passes."""
    block = {"s3": "https://s3.snc.acme.test", "use_path_style": True, "retries": 3, "ratio": 0.5, "sts": ""}
    provider = pulumi_provider("aws", {"endpoints": [block]})
    assert _violations([provider], catalog) == []
    provider = pulumi_provider("aws", {"endpoints": [{**block, "s3": "https://s3.public.acme.test"}]})
    assert [v.path for v in _violations([provider], catalog)] == ["endpoints[0].s3"]


def test_a_service_map_that_looks_like_json_but_is_not_is_one_endpoint(catalog: Catalog) -> None:
    """Text starting with `{` that is no JSON is judged as it is: no URL with a host."""
    stack = _terraform({"auth_url": QUALIFIED, "endpoint_overrides": "{object-store: nowhere"})
    [violation] = _violations(stack, catalog)
    assert violation.path == "endpoint_overrides"
    assert violation.message.startswith("endpoint_overrides '{object-store: nowhere'")


@pytest.mark.parametrize("empty", ["", None])
def test_an_empty_setting_sends_nothing_anywhere(catalog: Catalog, empty: str | None) -> None:
    container = terraform_resource(TF_CONTAINER, {"name": "r", "container_sync_to": empty})
    assert _violations(_terraform({"auth_url": QUALIFIED}, container), catalog) == []
    stack = _terraform({"auth_url": QUALIFIED, "storage_custom_endpoint": empty})
    assert _violations(stack, catalog) == []


def test_a_realm_is_named_by_its_first_segment(catalog: Catalog) -> None:
    """Swift's sync target is a full URL or a realm path, `//realm/cluster/account/container`.
    `//dr/objects.eu/AUTH_b/copies`: the realm `dr` has no dot, so it is a realm whatever its cluster is
    called; `//swift.snc.acme.test/v1/AUTH_b/copies` is no realm (a host name), nor a URL Swift reads."""
    realm = terraform_resource(
        TF_CONTAINER, {"name": "r", "container_sync_to": "//dr/objects.eu/AUTH_b/copies"}
    )
    [violation] = _violations(_terraform({"auth_url": QUALIFIED}, realm), catalog)
    assert violation.resource is realm
    assert violation.message.startswith(
        "container_sync_to '//dr/objects.eu/AUTH_b/copies' is a container-sync realm"
    )
    url = terraform_resource(
        TF_CONTAINER, {"name": "r", "container_sync_to": "//swift.snc.acme.test/v1/AUTH_b/copies"}
    )
    [violation] = _violations(_terraform({"auth_url": QUALIFIED}, url), catalog)
    assert violation.message == (
        "container_sync_to '//swift.snc.acme.test/v1/AUTH_b/copies' is not a URL with a host"
    )


def test_container_metadata_unknown_until_apply_may_hold_a_sync_target(catalog: Catalog) -> None:
    container = terraform_resource(
        TF_CONTAINER, {"name": "r", "metadata": None}, after_unknown={"metadata": True}
    )
    [violation] = _violations(_terraform({"auth_url": QUALIFIED}, container), catalog)
    assert violation.resource is container
    assert violation.path == "metadata"
    assert violation.unknown
