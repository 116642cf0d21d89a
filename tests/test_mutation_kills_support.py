"""What the policies share (policies/_support.py), stated case by case with hand-written expectations:
the strings a resource holds and the keys they sit under, and the distinct provider configurations of a
stack. Written against mutants that survived the policies' tests (docs/mutation.md).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from souverain.policies._support import gather_string_leaves, parse_network, provider_uses, url_host

from souverain.model import UNKNOWN, ProviderConfig, Resource, Secret


@pytest.mark.parametrize(
    ("properties", "host_like", "keys_in_clear"),
    [
        (
            {"name": "web", "image": "registry.example.org/app:1"},
            {"registry.example.org/app:1"},
            {"name", "image"},
        ),
        ({"tokens": ["abc", "def"]}, set(), {"tokens"}),  # list items take the list's key
        (
            {"cfg": {"url": "https://a.example/x", "n": 3, "on": True, "none": None}},
            {"https://a.example/x"},
            {"url"},
        ),
        ({"cfg": MappingProxyType({"url": "https://b.example/"})}, {"https://b.example/"}, {"url"}),
        (
            {"password": Secret("s3cr3t.value")},
            {"s3cr3t.value"},
            set(),
        ),  # a secret: its host-like text, no key
        (
            {"db": Secret({"password": "p.w", "user": "u"})},
            {"p.w"},
            set(),
        ),  # keys inside a secret are not in clear
        ({"hosts": Secret(["h1.example", "h2"])}, {"h1.example"}, set()),
        ({"empty": "", "unknown": UNKNOWN, "ratio": 0.5}, set(), set()),
        ({"nested": [[{"token": "x:y"}]]}, {"x:y"}, {"token"}),
        (
            {"api": "api.example.org", "port": "8080", "ns": ["dns.example", "9"]},
            {"api.example.org", "dns.example"},
            {"api", "port", "ns"},
        ),
    ],
)
def test_string_leaves(properties: dict[str, Any], host_like: set[str], keys_in_clear: set[str]) -> None:
    leaves = gather_string_leaves(properties)
    assert set(leaves.host_like) == host_like
    assert set(leaves.keys_in_clear) == keys_in_clear


PROVIDER_A = "urn:pulumi:dev::hdh::pulumi:providers:openstack::a"
PROVIDER_B = "urn:pulumi:dev::hdh::pulumi:providers:openstack::b"


def _provider(urn: str) -> Resource:
    return Resource(
        address=urn,
        type="pulumi:providers:openstack",
        name=urn.rsplit("::", 1)[-1],
        package="openstack",
        properties={"auth_url": "https://auth.example/v3"},
        is_provider=True,
    )


def _using(name: str, address: str, properties: dict[str, Any] | None = None) -> Resource:
    return Resource(
        address=f"urn:pulumi:dev::hdh::openstack:blockstorage/volume:Volume::{name}",
        type="openstack:blockstorage/volume:Volume",
        name=name,
        package="openstack",
        provider=ProviderConfig("openstack", address, None, properties or {}),
    )


def test_a_provider_reference_with_its_id_is_the_provider_resource() -> None:
    """`<provider URN>::<id>` (how Pulumi states name a provider) is the provider resource, judged once."""
    uses = provider_uses([_provider(PROVIDER_A), _using("v", f"{PROVIDER_A}::6f1c2b9e-4d0a")])
    assert [use.subject.address for use in uses] == [PROVIDER_A]


def test_a_terraform_address_with_colons_is_not_cut() -> None:
    uses = provider_uses([_using("v", "module.a::b::c::d::e")])
    assert [use.subject.address for use in uses] == ["module.a::b::c::d::e"]


def test_every_distinct_configuration_after_known_ones_is_listed() -> None:
    resources = [
        _provider(PROVIDER_A),
        _provider(PROVIDER_B),
        _using("one", PROVIDER_A),  # the provider resource: already listed
        _using("either", f"{PROVIDER_A}, {PROVIDER_B}"),  # may use either: each judged on its own
        _using("tf", "openstack.backup", {"auth_url": "https://backup.example/v3"}),  # carried config only
        _using("tf2", "openstack.backup"),  # the same configuration again
        _using("default", ""),
    ]
    uses = provider_uses(resources)
    assert [use.subject.address for use in uses] == [
        PROVIDER_A,
        PROVIDER_B,
        "openstack.backup",
        "openstack (default)",
    ]
    assert uses[2].properties == {"auth_url": "https://backup.example/v3"}
    assert all(use.subject.is_provider for use in uses)  # a stand-in stands for a provider


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://auth.example:5000/v3", "auth.example"),
        ("auth.example/v3", "auth.example"),
        ("https://AUTH.example./v3", "auth.example"),
        ("https://[2001:db8::1]:5000/v3", "2001:db8::1"),
        ("https://[2001:db8::1/v3", None),  # an unclosed IPv6 literal is no URL
        ("   ", None),
        ("file:///etc/clouds.yaml", None),
    ],
)
def test_url_host(url: str, host: str | None) -> None:
    assert url_host(url) == host


@pytest.mark.parametrize(
    ("text", "network"),
    [
        ("10.1.2.3/8", "10.0.0.0/8"),  # host bits set, as people write a host's own CIDR
        ("2001:db8::1/32", "2001:db8::/32"),
        (" 192.0.2.7 ", "192.0.2.7/32"),
        ("not-a-network", None),
        ("10.0.0.0/33", None),
    ],
)
def test_parse_network(text: str, network: str | None) -> None:
    import ipaddress

    parsed = parse_network(text)
    assert parsed == (ipaddress.ip_network(network) if network else None)
