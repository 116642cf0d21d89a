"""no-us-controlled-service reads hosts the way DNS names and URLs are written, to the character.

Written against mutants that survived the policy's own tests (docs/mutation.md): a host whose first label
starts with a digit taken for a version number, an IPv6 literal reported with its URL brackets, a resource
whose package the input does not give passing. Every expected verdict is written by hand.
"""

from __future__ import annotations

import msgspec
import pytest
from conftest import context, pulumi_resource
from souverain.policies.no_us_controlled import POLICY

from souverain.catalog import Catalog, Offer
from souverain.model import Resource
from souverain.policy import Violation

INSTANCE = "openstack:compute/instance:Instance"


def _violations(resource: Resource, catalog: Catalog) -> list[Violation]:
    assert POLICY.check_resource is not None
    return list(POLICY.check_resource(resource, context(catalog)))


@pytest.fixture
def digits_catalog(small_catalog: Catalog) -> Catalog:
    """The small catalog plus a US service whose domain's first label starts with a digit, and an IPv6
    network: both shapes real services have (`*.1password.com`, resolvers' `2001:4860::/32`)."""
    service = msgspec.convert(
        {
            "id": "ninecloud",
            "name": "NineCloud webhooks",
            "kind": "service",
            "operator": {
                "entity": "NineCloud Inc.",
                "country": "US",
                "source": {"url": "https://x.test", "as_of": "2026-01-01"},
            },
            "us_controlled": True,
            "endpoints": {"domains": ["*.9cloud.test"], "ip_addresses": ["2001:db8:99::/48"]},
        },
        Offer,
    )
    return Catalog([*small_catalog.offers, service])


@pytest.mark.parametrize(
    ("url", "host"),
    [
        (
            "https://9x.bigcloudapis.test/v1/objects",
            "9x.bigcloudapis.test",
        ),  # first label starts with a digit
        ("https://api.9cloud.test/hooks/T0", "api.9cloud.test"),  # a label before the TLD starts with one
        ("https://9cloud.test/hooks/T0", "9cloud.test"),
    ],
)
def test_host_labels_starting_with_a_digit_are_hosts(digits_catalog: Catalog, url: str, host: str) -> None:
    [violation] = _violations(pulumi_resource(INSTANCE, {"metadata": {"hook": url}}), digits_catalog)
    assert violation.path == "metadata.hook"
    assert f" points at {host}, " in violation.message


def test_version_numbers_are_not_hosts(digits_catalog: Catalog) -> None:
    inputs = {"metadata": {"agent": "agent 9.12 for 9cloud", "image": "debian-12.7"}}
    assert _violations(pulumi_resource(INSTANCE, inputs), digits_catalog) == []


def test_an_ipv6_literal_in_a_url_is_reported_without_its_brackets(digits_catalog: Catalog) -> None:
    inputs = {"metadata": {"probe": "http://[2001:db8:99::7]:8080/health"}}
    [violation] = _violations(pulumi_resource(INSTANCE, inputs), digits_catalog)
    assert " points at 2001:db8:99::7, " in violation.message
    assert "[2001:db8:99::7]" not in violation.message


@pytest.mark.parametrize("dotted", ["2001:db8:99::7", "2001:0db8:0099:0000:0000:0000:0000:0007"])
def test_a_bare_ipv6_address_of_a_us_service_is_found(digits_catalog: Catalog, dotted: str) -> None:
    inputs = {"metadata": {"resolver": dotted}}
    assert len(_violations(pulumi_resource(INSTANCE, inputs), digits_catalog)) == 1


def test_a_cidr_holding_a_us_address_is_found_by_its_address(small_catalog: Catalog) -> None:
    resolver = msgspec.convert(
        {
            "id": "bigdns",
            "name": "BigDNS",
            "kind": "service",
            "operator": {
                "entity": "BigDNS LLC",
                "country": "US",
                "source": {"url": "https://x.test", "as_of": "2026-01-01"},
            },
            "us_controlled": True,
            "endpoints": {"ip_addresses": ["192.0.2.53"]},
        },
        Offer,
    )
    catalog = Catalog([*small_catalog.offers, resolver])
    [violation] = _violations(pulumi_resource(INSTANCE, {"metadata": {"allow": "192.0.2.53/32"}}), catalog)
    assert " points at 192.0.2.53, " in violation.message


def test_a_resource_whose_package_the_input_does_not_give_is_a_finding(small_catalog: Catalog) -> None:
    """The issue's mutant: a resource with no package passing. Its operator cannot be shown non-US."""
    resource = pulumi_resource(INSTANCE, {"name": "web"})
    resource.package = ""
    [violation] = _violations(resource, small_catalog)
    assert "does not say which provider manages this resource" in violation.message
