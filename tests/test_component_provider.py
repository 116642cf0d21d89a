"""SovereignProvider: an explicit provider only for a qualified region and its offer's Keystone."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_openstack as openstack
import pytest
from component_support import CATALOG, HEALTH, INTERNAL, Run, mandatory, network_args
from souverain.components import IsolatedNetwork, SovereignProvider
from souverain.components._common import ComponentRefusedError

from souverain.model import Secret

PROVIDER = "pulumi:providers:openstack"


def provider_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "labels": HEALTH,
        "region": "NUA-PAR-2",
        "auth_url": "https://auth.nuage.test:5000/v3",
        "user_name": "deployer",
        "tenant_name": "hdh-prod",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }
    args.update(overrides)
    return args


def test_explicit_provider_carries_region_auth_url_and_a_secret_password() -> None:
    def program() -> None:
        provider = SovereignProvider(
            "backup",
            provider_args(),
            password=pulumi.Output.from_input("hunter2"),
            catalog=CATALOG,
        )
        openstack.networking.Network("n", opts=pulumi.ResourceOptions(provider=provider.provider))

    run = Run(program)
    [component] = run.of_type("souverain:provider:SovereignProvider")
    provider = run.one(PROVIDER, "backup")
    assert provider.parent == component.address
    assert provider.is_provider
    assert provider.properties["region"] == "NUA-PAR-2"
    assert provider.properties["auth_url"] == "https://auth.nuage.test:5000/v3"
    assert provider.properties["tenant_name"] == "hdh-prod"
    assert isinstance(provider.properties["password"], Secret)  # marked secret even if given plain
    assert "hunter2" not in repr(run.plan)
    net = run.one("openstack:networking/network:Network", "n")
    assert (net.region, net.region_source) == ("NUA-PAR-2", "provider")
    assert run.outputs[component.address] == {
        "region": "NUA-PAR-2",
        "offer": "nuage",
        "auth_url": "https://auth.nuage.test:5000/v3",
    }
    assert mandatory(run.resources) == []


def test_components_on_the_provider_land_in_its_region() -> None:
    def program() -> None:
        provider = SovereignProvider("p2", provider_args(), catalog=CATALOG)
        IsolatedNetwork("net", network_args(region="NUA-PAR-2"), provider=provider, catalog=CATALOG)

    run = Run(program)
    children = [r for r in run.cloud() if r.type.startswith("openstack:")]
    assert children
    for child in children:
        assert child.provider is not None
        assert child.provider.address.endswith("pulumi:providers:openstack::p2"), child.provider.address
        assert child.region == "NUA-PAR-2"


def test_a_component_in_another_region_than_its_provider_is_refused() -> None:
    seen: list[ComponentRefusedError] = []

    def program() -> None:
        provider = SovereignProvider("p2", provider_args(), catalog=CATALOG)
        with pytest.raises(ComponentRefusedError) as info:
            IsolatedNetwork("net", network_args(region="NUA-PAR-1"), provider=provider, catalog=CATALOG)
        seen.append(info.value)

    run = Run(program)
    assert seen[0].errors()[0]["loc"] == ("region",)
    assert "differs from the region of the given provider" in str(seen[0])
    assert run.of_type("souverain:network:IsolatedNetwork") == []


@pytest.mark.parametrize(
    ("overrides", "loc", "message"),
    [
        ({"region": "PLAIN-1"}, ("region",), "not SecNumCloud-qualified"),
        ({"region": "US-1"}, ("region",), "US-controlled"),
        ({"region": "NUA-SNC-ONLY"}, ("region",), "not HDS-certified"),
        ({"region": "NUA-PAR-1", "offer": "kms-cloud"}, ("region",), "has no region"),
        ({"auth_url": "https://auth.kms.test/v3"}, ("auth_url",), "not a Keystone endpoint of Nuage"),
        ({"auth_url": "http://auth.nuage.test/v3"}, ("auth_url",), "https://"),
        ({"auth_url": ""}, ("auth_url",), "at least 1"),
        ({"insecure": True}, ("insecure",), "not an argument"),
        ({"password": "hunter2"}, ("password",), "not an argument"),
    ],
)
def test_refused_before_anything_is_registered(
    overrides: dict[str, Any], loc: tuple[Any, ...], message: str
) -> None:
    seen: list[ComponentRefusedError] = []

    def program() -> None:
        with pytest.raises(ComponentRefusedError) as info:
            SovereignProvider("p", provider_args(**overrides), catalog=CATALOG)
        seen.append(info.value)

    run = Run(program)
    assert loc in [tuple(e["loc"]) for e in seen[0].errors()], seen[0]
    assert message in str(seen[0])
    assert run.registered() == []


def test_auth_url_is_required() -> None:
    args = provider_args()
    del args["auth_url"]
    with pytest.raises(ComponentRefusedError, match="auth_url: required"):
        SovereignProvider("p", args, catalog=CATALOG)


def test_plain_password_is_refused() -> None:
    seen: list[Exception] = []

    def program() -> None:
        with pytest.raises(TypeError, match=r"pulumi\.Output") as info:
            SovereignProvider("p", provider_args(), password="hunter2", catalog=CATALOG)  # type: ignore[arg-type]
        seen.append(info.value)

    run = Run(program)
    assert seen
    assert run.registered() == []


def test_secnumcloud_only_region_is_fine_without_health_data() -> None:
    run = Run(
        lambda: (
            SovereignProvider("p", provider_args(region="NUA-SNC-ONLY", labels=INTERNAL), catalog=CATALOG)
            and None
        )
    )
    assert run.one(PROVIDER, "p").properties["region"] == "NUA-SNC-ONLY"
