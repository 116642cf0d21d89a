"""no-public-ingress at its edges: each non-public block to the bit, SSH to the port, rules to the letter.

Written against mutants that survived the policy's own tests (docs/mutation.md): a block widened
(`172.16.0.0/12` read as `172.0.0.0/8`), an off-by-one in a prefix comparison, a firewall rule whose action
is unknown skipped. Every expected verdict is written by hand from RFC 1918, 6598, 4193 and 4291.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.no_public_ingress import POLICY

from souverain.catalog import Catalog
from souverain.model import Resource
from souverain.policy import Settings, Violation

RULE = "openstack:networking/secGroupRule:SecGroupRule"
TF_RULE = "openstack_networking_secgroup_rule_v2"
FW_RULE = "openstack:firewall/ruleV2:RuleV2"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
ADMIN = Settings(
    admin_ranges=(ipaddress.ip_network("198.51.100.0/24"), ipaddress.ip_network("2001:db8:ad::/48"))
)


def _violations(resource: Resource, catalog: Catalog, settings: Settings = ADMIN) -> list[Violation]:
    """The findings on a stack of this one resource (the policy judges the stack, each rule in it)."""
    assert POLICY.check_stack is not None
    return list(POLICY.check_stack([resource], context(catalog, settings)))


def _https_rule(prefix: str, ethertype: str = "IPv4") -> Resource:
    return pulumi_resource(
        RULE,
        {
            "direction": "ingress",
            "ethertype": ethertype,
            "protocol": "tcp",
            "portRangeMin": 443,
            "portRangeMax": 443,
            "remoteIpPrefix": prefix,
            "securityGroupId": "sg",
        },
    )


NON_PUBLIC = [
    "10.0.0.0/8",
    "10.255.255.255/32",
    "172.16.0.0/12",
    "172.16.0.0/13",
    "172.31.255.0/24",
    "192.168.0.0/16",
    "192.168.255.255/32",
    "100.64.0.0/10",
    "100.127.255.0/24",
    "127.0.0.1/32",
    "169.254.0.0/16",
    "169.254.169.254",
    "fd00::/8",
    "fc00::/7",
    "fe80::/10",
    "febf:ffff::/32",
    "::1/128",
]

PUBLIC = [
    "0.0.0.0/8",  # "this network": an address of 0 is not a prefix length of 0
    "0.0.0.0/8",  # "this network": an address of 0 is not a prefix length of 0
    "9.255.255.255/32",
    "11.0.0.0/8",
    "10.0.0.0/7",  # wider than 10.0.0.0/8: half of it is public
    "172.15.255.0/24",
    "172.32.0.0/16",
    "172.0.0.0/8",  # the mutant: 172.16.0.0/12 widened to the whole 172/8
    "172.16.0.0/11",
    "192.167.255.0/24",
    "192.169.0.0/16",
    "192.168.0.0/15",
    "100.63.255.0/24",
    "100.128.0.0/16",
    "100.64.0.0/9",
    "126.255.255.255/32",
    "128.0.0.1/32",
    "169.253.0.0/16",
    "169.255.0.0/16",
    "fe00::/8",  # between fc00::/7 and fe80::/10
    "fec0::/10",  # just above fe80::/10
    "fb00::/8",
    "::2/128",
    "2001:db8:1::/48",
]


@pytest.mark.parametrize("prefix", NON_PUBLIC)
def test_ranges_no_internet_host_can_come_from_pass(small_catalog: Catalog, prefix: str) -> None:
    ethertype = "IPv6" if ":" in prefix else "IPv4"
    assert _violations(_https_rule(prefix, ethertype), small_catalog) == []


@pytest.mark.parametrize("prefix", PUBLIC)
def test_ranges_with_any_public_address_are_findings(small_catalog: Catalog, prefix: str) -> None:
    ethertype = "IPv6" if ":" in prefix else "IPv4"
    [violation] = _violations(_https_rule(prefix, ethertype), small_catalog)
    assert violation.message == (
        f"the rule allows ingress from the public range {prefix}; only SSH from the configured admin "
        "ranges is allowed"
    )
    assert violation.path == "remote_ip_prefix"
    assert not violation.unknown


# --- SSH from the admin ranges, to the port ----------------------------------------------------------------


def _ssh_rule(prefix: str, protocol: Any = "tcp", low: Any = 22, high: Any = 22) -> Resource:
    return terraform_resource(
        TF_RULE,
        {
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": protocol,
            "port_range_min": low,
            "port_range_max": high,
            "remote_ip_prefix": prefix,
            "remote_group_id": None,
            "security_group_id": "sg",
        },
    )


@pytest.mark.parametrize(
    ("prefix", "protocol", "low", "high"),
    [
        ("198.51.100.0/24", "tcp", 22, 22),
        ("198.51.100.128/25", "tcp", 22, 22),  # inside the admin range
        ("198.51.100.7/32", "TCP", 22, 22),
        ("198.51.100.0/24", "6", "22", "22"),  # the protocol number, ports as strings
    ],
)
def test_ssh_from_inside_an_admin_range_passes(
    small_catalog: Catalog, prefix: str, protocol: Any, low: Any, high: Any
) -> None:
    assert _violations(_ssh_rule(prefix, protocol, low, high), small_catalog) == []


@pytest.mark.parametrize(
    ("prefix", "protocol", "low", "high"),
    [
        ("198.51.100.0/24", "tcp", 22, 23),
        ("198.51.100.0/24", "tcp", 21, 22),
        ("198.51.100.0/24", "tcp", 2222, 2222),
        ("198.51.100.0/24", "udp", 22, 22),
        ("198.51.100.0/24", "17", 22, 22),
        ("198.51.100.0/24", None, 22, 22),  # any protocol
        ("198.51.100.0/24", "tcp", None, None),  # any port
    ],
)
def test_an_admin_range_to_more_than_ssh_is_a_finding(
    small_catalog: Catalog, prefix: str, protocol: Any, low: Any, high: Any
) -> None:
    [violation] = _violations(_ssh_rule(prefix, protocol, low, high), small_catalog)
    assert violation.message == f"the rule admits the admin range {prefix} to more than SSH (tcp/22)"


@pytest.mark.parametrize("prefix", ["198.51.100.0/23", "198.51.0.0/16", "198.51.101.0/24"])
def test_ssh_from_beyond_an_admin_range_is_a_finding(small_catalog: Catalog, prefix: str) -> None:
    [violation] = _violations(_ssh_rule(prefix), small_catalog)
    assert violation.message.startswith(f"the rule allows ingress from the public range {prefix};")


def test_ssh_from_an_admin_range_with_unknown_ports_fails_closed(small_catalog: Catalog) -> None:
    rule = terraform_resource(
        TF_RULE,
        {
            "direction": "ingress",
            "protocol": "tcp",
            "remote_ip_prefix": "198.51.100.0/24",
            "port_range_max": 22,
        },
        after_unknown={"port_range_min": True},
    )
    [violation] = _violations(rule, small_catalog)
    assert violation.unknown
    assert "cannot be shown to be SSH only" in violation.message


# --- security-group rules to the letter --------------------------------------------------------------------


def test_direction_is_read_whatever_its_case(small_catalog: Catalog) -> None:
    rule = pulumi_resource(RULE, {"direction": "INGRESS", "remoteIpPrefix": "0.0.0.0/0", "protocol": "tcp"})
    assert len(_violations(rule, small_catalog)) == 1
    egress = pulumi_resource(RULE, {"direction": "Egress", "remoteIpPrefix": "0.0.0.0/0"})
    assert _violations(egress, small_catalog) == []


def test_an_unknown_direction_is_an_unknown_finding(small_catalog: Catalog) -> None:
    rule = pulumi_resource(
        RULE, {"direction": UNKNOWN, "remoteIpPrefix": "203.0.113.0/24", "protocol": "tcp"}
    )
    [violation] = _violations(rule, small_catalog)
    assert violation.unknown
    assert violation.message.endswith("(its direction is unknown until apply)")


@pytest.mark.parametrize(("ethertype", "family"), [("IPv6", "IPv6"), (None, "IPv4"), ("", "IPv4")])
def test_no_prefix_and_no_group_admits_the_whole_family(
    small_catalog: Catalog, ethertype: str | None, family: str
) -> None:
    inputs: dict[str, Any] = {
        "direction": "ingress",
        "protocol": "tcp",
        "portRangeMin": 443,
        "portRangeMax": 443,
    }
    if ethertype is not None:
        inputs["ethertype"] = ethertype
    [violation] = _violations(pulumi_resource(RULE, inputs), small_catalog)
    assert violation.message == (
        "the rule allows ingress from any address: it sets neither remote_ip_prefix nor remote_group_id "
        f"nor remote_address_group_id, so Neutron admits every {family} address"
    )


def test_a_remote_group_without_prefix_is_not_the_internet(small_catalog: Catalog) -> None:
    rule = pulumi_resource(RULE, {"direction": "ingress", "protocol": "tcp", "remoteGroupId": "sg-web"})
    assert _violations(rule, small_catalog) == []


# --- firewall rules ----------------------------------------------------------------------------------------


def _firewall(**inputs: Any) -> Resource:
    return pulumi_resource(FW_RULE, {"protocol": "tcp", "destinationPort": "443", **inputs})


def test_a_firewall_rule_whose_action_is_unknown_is_judged(small_catalog: Catalog) -> None:
    """The issue's mutant: skipping a rule whose action is unknown lets an `allow` from anywhere through."""
    [violation] = _violations(_firewall(action=UNKNOWN, sourceIpAddress="0.0.0.0/0"), small_catalog)
    assert violation.unknown
    assert violation.message == (
        "the rule allows ingress from the whole internet (0.0.0.0/0) (its action is unknown until apply)"
    )


@pytest.mark.parametrize("action", ["allow", "ALLOW", "Allow"])
def test_an_allowing_firewall_rule_is_judged_whatever_the_case(small_catalog: Catalog, action: str) -> None:
    [violation] = _violations(_firewall(action=action, sourceIpAddress="203.0.113.0/24"), small_catalog)
    assert not violation.unknown
    assert violation.path == "source_ip_address"


@pytest.mark.parametrize("action", ["deny", "reject", None])
def test_a_firewall_rule_that_does_not_allow_passes(small_catalog: Catalog, action: str | None) -> None:
    assert _violations(_firewall(action=action, sourceIpAddress="0.0.0.0/0"), small_catalog) == []


def test_a_disabled_firewall_rule_passes_an_enabled_one_does_not(small_catalog: Catalog) -> None:
    assert (
        _violations(_firewall(action="allow", sourceIpAddress="0.0.0.0/0", enabled=False), small_catalog)
        == []
    )
    enabled = _firewall(action="allow", sourceIpAddress="0.0.0.0/0", enabled=True)
    assert len(_violations(enabled, small_catalog)) == 1


@pytest.mark.parametrize(
    ("port", "passes"),
    [("22", True), ("22:22", True), ("20:22", False), ("22:23", False), ("2222", False), ("22:22:22", False)],
)
def test_firewall_ssh_from_the_admin_range_to_the_port(
    small_catalog: Catalog, port: str, passes: bool
) -> None:
    rule = _firewall(action="allow", sourceIpAddress="198.51.100.0/24", destinationPort=port)
    assert (_violations(rule, small_catalog) == []) is passes


# --- sources read to the bit -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.256/24"])
def test_a_prefix_length_out_of_range_is_not_a_cidr(small_catalog: Catalog, prefix: str) -> None:
    [violation] = _violations(_https_rule(prefix), small_catalog)
    assert (
        violation.message
        == f"remote_ip_prefix {prefix!r} is not a CIDR, so the rule cannot be shown to be closed"
    )


def test_a_bare_address_is_one_host(small_catalog: Catalog) -> None:
    """`198.51.100.7` is 198.51.100.7/32: inside an admin range of that one host, its neighbour is not."""
    one_host = Settings(admin_ranges=(ipaddress.ip_network("198.51.100.7/32"),))
    assert _violations(_ssh_rule("198.51.100.7"), small_catalog, one_host) == []
    [violation] = _violations(_ssh_rule("198.51.100.6"), small_catalog, one_host)
    assert violation.message.startswith("the rule allows ingress from the public range 198.51.100.6;")


@pytest.mark.parametrize(
    ("network", "public"),
    [
        ("10.1.0.0/16", False),
        ("172.20.0.0/16", False),
        ("fd12:3456::/32", False),
        ("8.8.8.0/24", True),
        ("172.32.0.0/16", True),
        ("2001:db8::/32", True),
        ("0.0.0.0/0", True),
    ],
)
def test_is_public_names_the_networks_an_internet_host_can_be_in(network: str, public: bool) -> None:
    from souverain.policies.no_public_ingress import is_public

    assert is_public(ipaddress.ip_network(network)) is public
