"""no-public-ingress on the provider shapes `souverain.facets` reads (Scaleway, Google/S3NS, Outscale,
OVHcloud): open defaults, each source, named sources, rules without sources, unknown groups and gates, SSH
over port lists.

Written against mutants of `policies/no_public_ingress.py` (`_provider_rules`, `_ssh_only_ports`) that
survived the policy's own fast tests. Each verdict is written by hand from the provider's documented
behaviour (quoted in `data/facets.yaml`): a Scaleway group accepts by default; a Google firewall with no
source admits 0.0.0.0/0; an Outscale rule naming nothing says nothing the plan can show; SSH is tcp/22 and
nothing else, from the admin range.
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

ADMIN = "198.51.100.0/24"
SETTINGS = Settings(admin_ranges=(ipaddress.ip_network(ADMIN),))
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SCW_SG = "scaleway:instance/securityGroup:SecurityGroup"
TF_SCW_SG = "scaleway_instance_security_group"


def _stack(catalog: Catalog, *resources: Resource) -> list[Violation]:
    assert POLICY.check_stack is not None
    return list(POLICY.check_stack(list(resources), context(catalog, SETTINGS)))


def _verdicts(catalog: Catalog, *resources: Resource) -> list[tuple[str | None, bool]]:
    """(path, unknown) of each finding, in the order the policy gives them."""
    return [(v.path, v.unknown) for v in _stack(catalog, *resources)]


def _scaleway(*rules: dict[str, Any], default: str = "drop") -> Resource:
    return pulumi_resource(SCW_SG, {"inboundDefaultPolicy": default, "inboundRules": list(rules)})


def _tf_scaleway(*rules: dict[str, Any], default: str | None = "drop", **unknown: Any) -> Resource:
    after = {"inbound_default_policy": default, "inbound_rule": list(rules), "outbound_rule": []}
    return terraform_resource(TF_SCW_SG, after, after_unknown=unknown or None)


# -- Scaleway's inbound default ---------------------------------------------------------------------------


def test_a_scaleway_group_that_accepts_by_default_admits_every_address(small_catalog: Catalog) -> None:
    for group in (_scaleway(default="accept"), _tf_scaleway(default="accept"), _tf_scaleway(default=None)):
        [violation] = _stack(small_catalog, group)
        assert violation.resource is group
        assert violation.path == "inbound_default_policy"
        assert violation.message.startswith("the group admits every address: inbound_default_policy is ")
        assert not violation.unknown
    # and beside it, each rule is still judged on its own
    group = _scaleway({"action": "accept", "port": 443, "ipRange": "0.0.0.0/0"}, default="accept")
    assert _verdicts(small_catalog, group) == [
        ("inbound_default_policy", False),
        ("inbound_rules[0].ip_range", False),
    ]
    assert _verdicts(small_catalog, _scaleway(default="drop")) == []


def test_a_scaleway_default_unknown_until_apply_is_an_unknown_finding(small_catalog: Catalog) -> None:
    group = _tf_scaleway(default=None, inbound_default_policy=True)
    assert _verdicts(small_catalog, group) == [("inbound_default_policy", True)]


# -- each source, and SSH over the ports a rule opens -----------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # SSH from the admin range: tcp (Scaleway's default protocol) on port 22, single or as a range
        ({"action": "accept", "port": 22, "ip_range": ADMIN}, []),
        ({"action": "accept", "port_range": "22-22", "ip_range": ADMIN}, []),
        # every port (no port set) is more than SSH
        ({"action": "accept", "ip_range": ADMIN}, [("inbound_rule[0].ip_range", False)]),
        # a range that holds 22 and more
        (
            {"action": "accept", "port_range": "22-23", "ip_range": ADMIN},
            [("inbound_rule[0].ip_range", False)],
        ),
        ({"action": "accept", "port": 443, "ip_range": ADMIN}, [("inbound_rule[0].ip_range", False)]),
        # the admin range and the internet in one group: only the internet is a finding
        (
            {"action": "accept", "port": 22, "ip_range": "203.0.113.0/24"},
            [("inbound_rule[0].ip_range", False)],
        ),
        # a private source is no finding, whatever the ports
        ({"action": "accept", "ip_range": "10.1.0.0/16"}, []),
        # the deprecated `ip` field is a source like `ip_range`
        ({"action": "accept", "ip": "203.0.113.7"}, [("inbound_rule[0].ip", False)]),
    ],
)
def test_scaleway_rule_sources_and_ssh(
    small_catalog: Catalog, rule: dict[str, Any], expected: list[Any]
) -> None:
    assert _verdicts(small_catalog, _tf_scaleway(rule)) == expected


def test_each_public_source_of_a_rule_is_a_finding_of_its_own(small_catalog: Catalog) -> None:
    firewall = terraform_resource(
        "google_compute_firewall",
        {
            "direction": "INGRESS",
            "source_ranges": ["10.0.0.0/8", "203.0.113.0/24", "::/0"],
            "allow": [{"protocol": "tcp", "ports": ["443"]}],
            "deny": [],
        },
    )
    found = _stack(small_catalog, firewall)
    assert [(v.path, v.unknown) for v in found] == [("source_ranges[1]", False), ("source_ranges[2]", False)]
    assert "public range 203.0.113.0/24" in found[0].message
    assert "whole internet (::/0)" in found[1].message


@pytest.mark.parametrize(
    ("allow", "expected"),
    [
        ([{"protocol": "tcp", "ports": ["22"]}], []),
        # ports 22 and 443 in one block, or a second block with every port: more than SSH
        ([{"protocol": "tcp", "ports": ["22", "443"]}], [("source_ranges[0]", False)]),
        ([{"protocol": "tcp", "ports": ["22"]}, {"protocol": "udp"}], [("source_ranges[0]", False)]),
        # no ports: every port of tcp
        ([{"protocol": "tcp"}], [("source_ranges[0]", False)]),
        # a port unknown until apply beside 22: cannot be shown to be SSH only
        ([{"protocol": "tcp", "ports": ["22", UNKNOWN]}], [("source_ranges[0]", True)]),
    ],
)
def test_google_ssh_from_the_admin_range_is_tcp_22_alone(
    small_catalog: Catalog, allow: list[dict[str, Any]], expected: list[Any]
) -> None:
    firewall = pulumi_resource("gcp:compute/firewall:Firewall", {"sourceRanges": [ADMIN], "allows": allow})
    found = _stack(small_catalog, firewall)
    assert [(v.path, v.unknown) for v in found] == expected
    for violation in found:
        assert ADMIN in violation.message


def test_every_port_of_a_protocol_unknown_until_apply_is_unknown(small_catalog: Catalog) -> None:
    """From the admin range, no port set and a protocol unknown until apply: the rule cannot be shown to be
    SSH only, so the finding is unknown (a known protocol with every port is a finding, above)."""
    firewall = pulumi_resource(
        "gcp:compute/firewall:Firewall", {"sourceRanges": [ADMIN], "allows": [{"protocol": UNKNOWN}]}
    )
    [violation] = _stack(small_catalog, firewall)
    assert violation.unknown
    assert "unknown until apply" in violation.message


# -- sources that are no CIDR, and rules with no source --------------------------------------------------

POLICY_RULE = "google_compute_firewall_policy_rule"


def _policy_rule(match: dict[str, Any], **unknown: Any) -> Resource:
    return terraform_resource(
        POLICY_RULE,
        {
            "direction": "INGRESS",
            "action": "allow",
            "disabled": False,
            "match": [{"layer4_configs": [{"ip_protocol": "tcp", "ports": ["443"]}], **match}],
        },
        after_unknown=unknown or None,
    )


def test_sources_named_by_domain_admit_internet_hosts(small_catalog: Catalog) -> None:
    rule = _policy_rule({"src_fqdns": ["updates.example.com"]})
    [violation] = _stack(small_catalog, rule)
    assert violation.message.startswith("the rule admits internet hosts: it admits hosts named by domain")
    assert not violation.unknown


def test_sources_kept_in_address_groups_cannot_be_shown_closed(small_catalog: Catalog) -> None:
    rule = _policy_rule({"src_address_groups": ["projects/p/locations/global/addressGroups/partners"]})
    [violation] = _stack(small_catalog, rule)
    assert violation.message.startswith(
        "the rule cannot be shown to keep the internet out: its address groups"
    )


def test_a_named_source_beside_a_cidr_is_judged_too(small_catalog: Catalog) -> None:
    rule = _policy_rule({"src_ip_ranges": ["10.0.0.0/8"], "src_region_codes": ["FR"]})
    [violation] = _stack(small_catalog, rule)
    assert "admits internet hosts" in violation.message


def test_a_google_firewall_with_no_source_admits_every_address(small_catalog: Catalog) -> None:
    firewall = terraform_resource(
        "google_compute_firewall", {"direction": "INGRESS", "allow": [{"protocol": "tcp"}], "deny": []}
    )
    [violation] = _stack(small_catalog, firewall)
    assert violation.message.startswith("the rule allows ingress from any address: it sets no source_ranges")
    assert violation.path == "source_ranges"
    assert not violation.unknown


def test_an_outscale_rule_with_no_source_cannot_be_shown_closed(small_catalog: Catalog) -> None:
    rule = terraform_resource(
        "outscale_security_group_rule",
        {"flow": "Inbound", "ip_protocol": "tcp", "from_port_range": 443, "to_port_range": 443},
    )
    found = _stack(small_catalog, rule)
    assert [(v.path, v.unknown) for v in found] == [("ip_range", False)]
    assert found[0].message.startswith("the rule cannot be shown to keep the internet out: it names neither")


def test_an_outscale_rule_open_to_the_internet_is_one_finding(small_catalog: Catalog) -> None:
    """A security-group rule of a provider shape is judged once, not once as a rule and again as a shape."""
    rule = terraform_resource(
        "outscale_security_group_rule",
        {
            "flow": "Inbound",
            "ip_protocol": "tcp",
            "from_port_range": 443,
            "to_port_range": 443,
            "ip_range": "0.0.0.0/0",
        },
    )
    assert _verdicts(small_catalog, rule) == [("ip_range", False)]


def test_groups_alone_admit_no_address(small_catalog: Catalog) -> None:
    firewall = terraform_resource(
        "google_compute_firewall",
        {"direction": "INGRESS", "source_tags": ["web"], "allow": [{"protocol": "tcp"}], "deny": []},
    )
    assert _stack(small_catalog, firewall) == []


def test_groups_unknown_until_apply_may_be_empty(small_catalog: Catalog) -> None:
    one = terraform_resource(
        "google_compute_firewall",
        {"direction": "INGRESS", "allow": [{"protocol": "tcp"}], "deny": []},
        after_unknown={"source_tags": True},
    )
    [violation] = _stack(small_catalog, one)
    assert violation.unknown
    assert violation.path == "source_tags"
    assert violation.message.startswith(
        "source_tags is unknown until apply and the rule sets no other source"
    )
    two = terraform_resource(
        "google_compute_firewall",
        {"direction": "INGRESS", "allow": [{"protocol": "tcp"}], "deny": []},
        after_unknown={"source_tags": True, "source_service_accounts": True},
    )
    [violation] = _stack(small_catalog, two)
    assert violation.unknown
    assert violation.path == "source_tags"
    assert violation.message.startswith(
        "source_tags and source_service_accounts are unknown until apply and the rule sets no other source"
    )
    # a known group beside the unknown one: the rule is restricted to groups either way
    three = terraform_resource(
        "google_compute_firewall",
        {"direction": "INGRESS", "source_tags": ["web"], "allow": [{"protocol": "tcp"}], "deny": []},
        after_unknown={"source_service_accounts": True},
    )
    assert _stack(small_catalog, three) == []


def test_a_rule_whose_gate_is_unknown_is_an_unknown_finding(small_catalog: Catalog) -> None:
    firewall = terraform_resource(
        "google_compute_firewall",
        {"direction": "INGRESS", "source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp"}], "deny": []},
        after_unknown={"disabled": True},
    )
    [violation] = _stack(small_catalog, firewall)
    assert violation.unknown
    assert violation.path == "source_ranges[0]"
    assert violation.message.endswith("(its disabled is unknown until apply)")
    known = terraform_resource(
        "google_compute_firewall",
        {"direction": "INGRESS", "source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp"}], "deny": []},
    )
    [violation] = _stack(small_catalog, known)
    assert not violation.unknown
    assert violation.message == "the rule allows ingress from the whole internet (0.0.0.0/0)"


def test_a_private_source_beside_unknown_groups_is_no_finding(small_catalog: Catalog) -> None:
    """Sources and groups combine with OR: with a private range set, groups unknown until apply add
    instances of the network, never the internet."""
    firewall = terraform_resource(
        "google_compute_firewall",
        {"direction": "INGRESS", "source_ranges": ["10.0.0.0/8"], "allow": [{"protocol": "tcp"}], "deny": []},
        after_unknown={"source_tags": True},
    )
    assert _stack(small_catalog, firewall) == []
