"""qualified-endpoint: provider auth URLs, on Pulumi provider resources and Terraform provider config."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import SMALL_CATALOG, context, pulumi_provider, pulumi_resource, terraform_resource
from souverain.policies.qualified_endpoint import POLICY

from souverain.catalog import Catalog, load_catalog
from souverain.model import UNKNOWN, ProviderConfig, Resource, Secret
from souverain.policy import Settings, Violation

VOLUME = "openstack:blockstorage/volume:Volume"
TF_VOLUME = "openstack_blockstorage_volume_v3"
QUALIFIED = "https://auth.snc.acme.test:5000/v3"


def _violations(
    resources: list[Resource], catalog: Catalog, settings: Settings | None = None
) -> list[Violation]:
    assert POLICY.check_stack is not None
    return list(POLICY.check_stack(resources, context(catalog, settings)))


def _pulumi_stack(auth: dict[str, object]) -> list[Resource]:
    return [
        pulumi_provider("openstack", {"region": "SNC-PAR-1", **auth}),
        pulumi_resource(VOLUME, {"size": 10}, name="a", provider_inputs={"region": "SNC-PAR-1", **auth}),
        pulumi_resource(VOLUME, {"size": 10}, name="b", provider_inputs={"region": "SNC-PAR-1", **auth}),
    ]


def _terraform_stack(auth: dict[str, object], *names: str) -> list[Resource]:
    return [
        terraform_resource(
            TF_VOLUME, {"size": 10}, name=name, provider_expressions={"region": "SNC-PAR-1", **auth}
        )
        for name in names or ("a", "b")
    ]


def test_qualified_keystone_passes(small_catalog: Catalog) -> None:
    assert _violations(_pulumi_stack({"authUrl": QUALIFIED}), small_catalog) == []
    assert _violations(_terraform_stack({"auth_url": QUALIFIED}), small_catalog) == []
    # Scheme-less and trailing-dot spellings name the same host.
    assert _violations(_terraform_stack({"auth_url": "auth.snc.acme.test./v3"}), small_catalog) == []


def test_unqualified_offer_is_one_finding_per_provider(small_catalog: Catalog) -> None:
    pulumi = _violations(_pulumi_stack({"authUrl": "https://auth.public.acme.test/v3"}), small_catalog)
    assert len(pulumi) == 1
    assert "no current SecNumCloud qualification" in pulumi[0].message
    assert pulumi[0].resource is not None
    assert pulumi[0].resource.type == "pulumi:providers:openstack"
    terraform = _violations(
        _terraform_stack({"auth_url": "https://auth.public.acme.test/v3"}, "a", "b", "c"), small_catalog
    )
    assert len(terraform) == 1
    assert terraform[0].resource is not None
    assert terraform[0].resource.address == "openstack"


def test_us_controlled_keystone(small_catalog: Catalog) -> None:
    for resources in (
        _pulumi_stack({"authUrl": "https://auth.us.acme.test/v3"}),
        _terraform_stack({"auth_url": "https://auth.us.acme.test/v3"}),
    ):
        [violation] = _violations(resources, small_catalog)
        assert "US-controlled" in violation.message
        assert "Acme Cloud Inc." in violation.message


def test_host_missing_from_catalog(small_catalog: Catalog) -> None:
    [violation] = _violations(
        _terraform_stack({"auth_url": "https://keystone.example.org/v3"}), small_catalog
    )
    assert "not a Keystone endpoint of any offer" in violation.message
    # A catalog API domain is not a Keystone endpoint.
    [violation] = _violations(_pulumi_stack({"authUrl": "https://compute.snc.acme.test/v3"}), small_catalog)
    assert "not a Keystone endpoint" in violation.message


def test_expired_qualification_fails(small_catalog: Catalog) -> None:
    later = Settings(today=date(2029, 1, 1))
    [violation] = _violations(_pulumi_stack({"authUrl": QUALIFIED}), small_catalog, later)
    assert "no current SecNumCloud qualification" in violation.message


def test_unknown_auth_url_fails_closed(small_catalog: Catalog) -> None:
    [pulumi] = _violations(_pulumi_stack({"authUrl": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}), small_catalog)
    assert pulumi.unknown
    [terraform] = _violations(_terraform_stack({"auth_url": UNKNOWN}), small_catalog)
    assert terraform.unknown


def test_missing_auth_url_says_to_set_it(small_catalog: Catalog) -> None:
    [pulumi] = _violations(_pulumi_stack({}), small_catalog)
    assert "OS_AUTH_URL" in pulumi.message
    assert "set auth_url in the provider configuration" in pulumi.message
    assert not pulumi.unknown
    [terraform] = _violations(_terraform_stack({"cloud": "snc"}), small_catalog)
    assert "clouds.yaml" in terraform.message


def test_aliased_providers_are_checked_each(small_catalog: Catalog) -> None:
    default = _terraform_stack({"auth_url": QUALIFIED}, "a")
    backup = terraform_resource(
        TF_VOLUME,
        {"size": 10},
        name="copy",
        provider_expressions={"region": "PUB-1", "auth_url": "https://auth.public.acme.test/v3"},
    )
    assert backup.provider is not None
    backup.provider = type(backup.provider)(
        package=backup.provider.package,
        address="openstack.backup",
        region="PUB-1",
        properties=backup.provider.properties,
    )
    [violation] = _violations([*default, backup], small_catalog)
    assert violation.resource is not None
    assert violation.resource.address == "openstack.backup"


def test_secret_auth_url_is_checked_but_never_quoted(small_catalog: Catalog) -> None:
    wire_secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
    stack = _pulumi_stack({"authUrl": {**wire_secret, "value": "https://auth.public.acme.test/v3"}})
    assert isinstance(stack[0].properties["auth_url"], Secret)
    [violation] = _violations(stack, small_catalog)
    assert "auth.public.acme.test" not in violation.message
    assert _violations(_pulumi_stack({"authUrl": {**wire_secret, "value": QUALIFIED}}), small_catalog) == []


def test_providers_of_other_packages_are_not_keystone_providers(small_catalog: Catalog) -> None:
    stack = [pulumi_provider("random", {}), pulumi_provider("openstack", {"authUrl": QUALIFIED})]
    assert _violations(stack, small_catalog) == []


def test_a_resource_that_may_use_several_configurations_adds_none(small_catalog: Catalog) -> None:
    """The Terraform reader names `a, b` when a resource may use either alias: each is judged itself."""
    providers = _terraform_stack({"auth_url": QUALIFIED}, "a")
    assert providers[0].provider is not None
    stand_ins = [
        Resource(
            address=address,
            type="provider.openstack",
            name=address,
            package="terraform-provider-openstack/openstack",
            properties={"auth_url": QUALIFIED},
            is_provider=True,
        )
        for address in ("openstack", "openstack.lyon")
    ]
    either = providers[0]
    either.provider = type(either.provider)(either.provider.package, "openstack, openstack.lyon", UNKNOWN, {})
    assert _violations([*stand_ins, either], small_catalog) == []
    # Without the provider resources, the ambiguous configuration cannot be shown qualified.
    assert len(_violations([either], small_catalog)) == 1


# -- every endpoint, not only Keystone -----------------------------------------------------------------

OVERLAY = Path(__file__).parent / "fixtures" / "catalogs" / "endpoints-overlay.yaml"
CONTAINER = "openstack:objectstorage/container:Container"
TF_CONTAINER = "openstack_objectstorage_container_v1"
PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """small.yaml, where the non-qualified offer also lists its API domains (`*.public.acme.test`)."""
    return load_catalog([SMALL_CATALOG, OVERLAY], replace=True)


def _terraform_provider_stack(package: str, address: str, properties: dict[str, object]) -> list[Resource]:
    """One resource of a Terraform provider configuration other than the default OpenStack one."""
    resource = terraform_resource(TF_VOLUME, {"size": 10}, name="a")
    resource.provider = ProviderConfig(package, address, "SNC-PAR-1", properties)
    return [resource]


def test_endpoint_override_to_a_non_qualified_offer(catalog: Catalog) -> None:
    public = "https://storage.public.acme.test/v1/AUTH_acme"
    for stack in (
        _pulumi_stack({"authUrl": QUALIFIED, "endpointOverrides": {"object-store": public}}),
        _pulumi_stack({"authUrl": QUALIFIED, "endpointOverrides": json.dumps({"object-store": public})}),
        _terraform_stack({"auth_url": QUALIFIED, "endpoint_overrides": {"object-store": public}}),
    ):
        [violation] = _violations(stack, catalog)
        assert violation.path == "endpoint_overrides.object-store"
        assert "Acme Public Cloud" in violation.message
        assert "no current SecNumCloud qualification" in violation.message
        assert not violation.unknown
    # The compliant twin: every override on the qualified offer's domain.
    good = {
        "object-store": "https://storage.snc.acme.test/v1/AUTH_acme",
        "network": "network.snc.acme.test:9696",
    }
    assert _violations(_pulumi_stack({"authUrl": QUALIFIED, "endpointOverrides": good}), catalog) == []
    assert _violations(_terraform_stack({"auth_url": QUALIFIED, "endpoint_overrides": good}), catalog) == []


def test_endpoint_override_to_a_us_or_unknown_host(catalog: Catalog) -> None:
    overrides = {
        "image": "https://images.bigcloudapis.test/v2",
        "dns": "https://dns.example.org/",
        "compute": "not a url at all",
    }
    found = _violations(_terraform_stack({"auth_url": QUALIFIED, "endpoint_overrides": overrides}), catalog)
    by_path = {violation.path: violation.message for violation in found}
    assert set(by_path) == {
        "endpoint_overrides.image",
        "endpoint_overrides.dns",
        "endpoint_overrides.compute",
    }
    assert "US-controlled" in by_path["endpoint_overrides.image"]
    assert "not an endpoint of any offer" in by_path["endpoint_overrides.dns"]


def test_endpoint_override_unknown_or_secret(catalog: Catalog) -> None:
    [violation] = _violations(
        _pulumi_stack({"authUrl": QUALIFIED, "endpointOverrides": {"network": PULUMI_UNKNOWN}}), catalog
    )
    assert violation.unknown
    wire_secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
    hidden = {**wire_secret, "value": json.dumps({"network": "https://net.public.acme.test"})}
    [violation] = _violations(_pulumi_stack({"authUrl": QUALIFIED, "endpointOverrides": hidden}), catalog)
    assert "net.public.acme.test" not in violation.message
    assert "a secret" in violation.message


def test_s3_client_endpoints_of_any_provider(catalog: Catalog) -> None:
    """An S3-compatible client (the AWS provider pointed at an OpenStack offer's S3 API) sends data to
    its `endpoints`, whatever its package."""
    terraform = _terraform_provider_stack(
        "hashicorp/aws", "aws.ovh", {"endpoints": [{"s3": "https://s3.pub-1.public.acme.test", "sts": None}]}
    )
    [violation] = _violations(terraform, catalog)
    assert violation.path == "endpoints[0].s3"
    assert violation.resource is not None
    assert violation.resource.address == "aws.ovh"
    pulumi = [pulumi_provider("aws", {"endpoints": json.dumps([{"s3": "https://s3.public.acme.test"}])})]
    [violation] = _violations(pulumi, catalog)
    assert violation.path == "endpoints[0].s3"
    twin = _terraform_provider_stack(
        "hashicorp/aws", "aws.snc", {"endpoints": [{"s3": "https://s3.snc.acme.test"}]}
    )
    assert _violations(twin, catalog) == []
    assert _violations([pulumi_provider("aws", {"endpoints": "[]", "region": "x"})], catalog) == []


def _with_qualified_provider(resource: Resource) -> list[Resource]:
    """The resource in a stack whose provider authenticates against the qualified offer."""
    if resource.source == "terraform-plan":
        return [*_terraform_stack({"auth_url": QUALIFIED}, "a"), resource]
    return [*_pulumi_stack({"authUrl": QUALIFIED}), resource]


def test_container_sync_target(catalog: Catalog) -> None:
    elsewhere = "https://swift.public.acme.test/v1/AUTH_backup/copies"
    for container, path in (
        (
            terraform_resource(TF_CONTAINER, {"name": "r", "container_sync_to": elsewhere}),
            "container_sync_to",
        ),
        (pulumi_resource(CONTAINER, {"name": "r", "containerSyncTo": elsewhere}), "container_sync_to"),
        (
            terraform_resource(TF_CONTAINER, {"name": "r", "metadata": {"X-Container-Sync-To": elsewhere}}),
            "metadata.X-Container-Sync-To",
        ),
    ):
        [violation] = _violations(_with_qualified_provider(container), catalog)
        assert violation.resource is container
        assert violation.path == path
        assert "no current SecNumCloud qualification" in violation.message
    same_offer = "https://swift.snc.acme.test/v1/AUTH_backup/copies"
    compliant = terraform_resource(TF_CONTAINER, {"name": "r", "container_sync_to": same_offer})
    assert _violations(_with_qualified_provider(compliant), catalog) == []
    unsynced = pulumi_resource(CONTAINER, {"name": "r", "metadata": {"owner": "dpo"}})
    assert _violations(_with_qualified_provider(unsynced), catalog) == []


def test_container_sync_target_that_cannot_be_shown(catalog: Catalog) -> None:
    realm = terraform_resource(
        TF_CONTAINER, {"name": "r", "container_sync_to": "//dr/cluster2/AUTH_b/copies"}
    )
    [violation] = _violations(_with_qualified_provider(realm), catalog)
    assert "realm" in violation.message
    assert not violation.unknown
    later = pulumi_resource(CONTAINER, {"name": "r", "containerSyncTo": PULUMI_UNKNOWN})
    [violation] = _violations(_with_qualified_provider(later), catalog)
    assert violation.unknown
    assert violation.path == "container_sync_to"


def test_per_service_custom_endpoints(catalog: Catalog) -> None:
    """Google's provider names one endpoint per service (`storage_custom_endpoint`)."""
    pulumi = [
        pulumi_provider("gcp", {"storageCustomEndpoint": "https://storage.public.acme.test/storage/v1/"})
    ]
    [violation] = _violations(pulumi, catalog)
    assert violation.path == "storage_custom_endpoint"
    terraform = _terraform_provider_stack(
        "hashicorp/google", "google", {"compute_custom_endpoint": "https://compute.snc.acme.test/compute/v1/"}
    )
    assert _violations(terraform, catalog) == []


def test_loopback_endpoints_send_nothing_off_the_machine(catalog: Catalog) -> None:
    """An S3 client pointed at an emulator on the deploying machine (LocalStack), as test setups do."""
    for url in (
        "http://localhost:4566",
        "http://127.0.0.1:9000",
        "http://[::1]:4566",
        "http://s3.localhost:4566",
    ):
        stack = _terraform_provider_stack("hashicorp/aws", "aws", {"endpoints": [{"s3": url, "sts": url}]})
        assert _violations(stack, catalog) == []
    # A private address is not the machine itself: uncatalogued, a finding.
    private = _terraform_provider_stack(
        "hashicorp/aws", "aws", {"endpoints": [{"s3": "http://10.0.0.5:9000"}]}
    )
    assert len(_violations(private, catalog)) == 1
