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


# --- what is not an address is passed over, and the scan goes on -------------------------------------------


@pytest.mark.parametrize(
    "value", ["300.1.2.3", "999.999.999.999/8", "02:30:00", "dead:beef", "12:00:00.5", "a:b:c"]
)
def test_strings_shaped_like_addresses_but_not_addresses_pass(digits_catalog: Catalog, value: str) -> None:
    """A dotted quad out of range, a time of day, hex with colons: not hosts, and no crash either (with
    US networks of both families in the catalog)."""
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
            "endpoints": {"ip_addresses": ["192.0.2.53", "203.0.113.0/24"]},
        },
        Offer,
    )
    catalog = Catalog([*digits_catalog.offers, resolver])
    assert _violations(pulumi_resource(INSTANCE, {"metadata": {"value": value}}), catalog) == []


@pytest.mark.parametrize(
    "text",
    [
        "Note. Alerts go to https://bigcloud.test/T0",  # a word ending in a dot before the host
        "agent 9.12 reports to https://bigcloud.test/v1",  # a version number before the host
        "see v2. then https://bigcloud.test/x",
    ],
)
def test_the_scan_goes_on_past_what_is_not_a_host(small_catalog: Catalog, text: str) -> None:
    [violation] = _violations(pulumi_resource(INSTANCE, {"metadata": {"note": text}}), small_catalog)
    assert violation.path == "metadata.note"


def test_an_ipv6_literal_in_a_multi_line_document_is_found(digits_catalog: Catalog) -> None:
    """cloud-init and scripts are read line by line; a URL's bracketed IPv6 literal counts there too."""
    script = "#!/bin/sh\nset -e\ncurl -fsS http://[2001:db8:99::7]:8080/register\necho done\n"
    [violation] = _violations(pulumi_resource(INSTANCE, {"userData": script}), digits_catalog)
    assert violation.path == "user_data"
    assert " points at 2001:db8:99::7, " in violation.message


def test_a_bracketed_literal_wins_over_a_dotted_host_on_its_line(digits_catalog: Catalog) -> None:
    script = "#!/bin/sh\ncurl http://[2001:db8:99::7]/ -H 'Host: example.org'\n"
    [violation] = _violations(pulumi_resource(INSTANCE, {"userData": script}), digits_catalog)
    assert " points at 2001:db8:99::7, " in violation.message


def test_every_property_is_scanned_after_clean_ones(small_catalog: Catalog) -> None:
    inputs = {
        "name": "web",
        "flavorName": "b2-7",
        "metadata": {"replicas": 3, "tier": "front", "hook": "https://bigcloud.test/alerts"},
        "imageName": "debian-12",
    }
    [violation] = _violations(pulumi_resource(INSTANCE, inputs), small_catalog)
    assert violation.path == "metadata.hook"


SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}


@pytest.mark.parametrize(
    "held",
    [
        {"replicas": 3, "hook": "https://bigcloud.test/alerts"},  # a number before the host
        ["https://mirror.example.org/", "https://bigcloud.test/alerts"],  # a clean host before it
    ],
)
def test_every_value_inside_a_secret_is_scanned(small_catalog: Catalog, held: object) -> None:
    inputs = {"settings": {**SECRET, "value": held}}
    [violation] = _violations(pulumi_resource(INSTANCE, inputs), small_catalog)
    assert violation.message.startswith("secret property settings")
    assert "bigcloud.test" not in violation.message  # a secret's value is never quoted
