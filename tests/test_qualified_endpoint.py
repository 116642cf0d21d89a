"""qualified-endpoint: provider auth URLs, on Pulumi provider resources and Terraform provider config."""

from __future__ import annotations

from datetime import date

from conftest import context, pulumi_provider, pulumi_resource, terraform_resource
from souverain.policies.qualified_endpoint import POLICY

from souverain.catalog import Catalog
from souverain.model import UNKNOWN, Resource, Secret
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
