"""Tiers the user names (issue 14 item 3) and refusals a person can read (item 5)."""

from __future__ import annotations

from typing import Any

import pytest
from component_support import CATALOG, HEALTH, REGION, Run, bastion_args, mandatory
from souverain.components import Bastion, IsolatedNetwork
from souverain.components._common import ComponentRefusedError

NETWORK = "openstack:networking/network:Network"
PORT = "openstack:networking/port:Port"
INTERFACE = "openstack:networking/routerInterface:RouterInterface"
RULE = "openstack:networking/secGroupRule:SecGroupRule"

FOUR_TIERS: dict[str, Any] = {
    "labels": HEALTH,
    "region": REGION,
    "tiers": {
        "mgmt": {"cidr": "10.30.0.0/24", "edge": True},
        "web": {"cidr": "10.30.1.0/24", "edge": True},
        "api": {"cidr": "10.30.2.0/24"},
        "db": {"cidr": "10.30.3.0/24"},
    },
    "flows": [
        {"source": "web", "destination": "api", "protocol": "tcp", "port_min": 8443},
        {"source": "api", "destination": "db", "protocol": "tcp", "port_min": 5432},
    ],
    "dns_nameservers": ["10.30.0.53"],
    "external_network": "ext-net",
}


@pytest.fixture(scope="module")
def run() -> Run:
    def program() -> None:
        network = IsolatedNetwork("site", FOUR_TIERS, catalog=CATALOG)
        Bastion("jump", bastion_args(tier="mgmt"), network=network, catalog=CATALOG)

    return Run(program)


def test_every_named_tier_gets_its_network(run: Run) -> None:
    names = sorted(r.name for r in run.of_type(NETWORK))
    assert names == ["site-api-net", "site-db-net", "site-mgmt-net", "site-web-net"]
    assert run.one(NETWORK, "site-db-net").tags["tier"] == "db"


def test_only_edge_tiers_are_on_the_edge_router(run: Run) -> None:
    edge = sorted(r.name for r in run.of_type(INTERFACE) if r.name.endswith("-edge-if"))
    assert edge == ["site-mgmt-edge-if", "site-web-edge-if"]
    internal_only = sorted(r.name for r in run.of_type(INTERFACE) if r.name.endswith("-internal-if"))
    # every tier has its interface on the internal router (edge tiers through a port of their own)
    assert internal_only == [
        "site-api-internal-if",
        "site-db-internal-if",
        "site-mgmt-internal-if",
        "site-web-internal-if",
    ]


def test_flows_between_named_tiers(run: Run) -> None:
    rule = run.one(RULE, "site-web-to-api-tcp-8443-in")
    assert rule.properties["security_group_id"] == "site-api-sg_id"
    assert rule.properties["remote_group_id"] == "site-web-sg_id"
    assert rule.properties["port_range_min"] == 8443
    out = run.one(RULE, "site-api-to-db-tcp-5432-out")
    assert out.properties["security_group_id"] == "site-api-sg_id"


def test_the_bastion_sits_on_the_tier_it_names(run: Run) -> None:
    port = run.one(PORT, "jump-port")
    assert port.properties["network_id"] == "site-mgmt-net_id"
    assert port.properties["security_group_ids"] == ["jump-sg_id", "site-mgmt-sg_id"]
    assert port.tags["tier"] == "mgmt"
    # SSH reaches every tier from the bastion's group only
    for tier in ("mgmt", "web", "api", "db"):
        rule = run.one(RULE, f"jump-{tier}-ssh-ingress")
        assert rule.properties["remote_group_id"] == "jump-sg_id"


def test_a_four_tier_site_passes_the_policies(run: Run) -> None:
    assert mandatory(run.resources) == []


def refusal(build: Any) -> tuple[ComponentRefusedError, Run]:
    seen: list[ComponentRefusedError] = []

    def program() -> None:
        with pytest.raises(ComponentRefusedError) as info:
            build()
        seen.append(info.value)

    run = Run(program)
    assert seen
    return seen[0], run


def test_the_bastion_refuses_a_tier_off_the_edge() -> None:
    def build() -> None:
        network = IsolatedNetwork("site", FOUR_TIERS, catalog=CATALOG)
        Bastion("jump", bastion_args(tier="db"), network=network, catalog=CATALOG)

    error, run = refusal(build)
    assert str(error) == (
        "Bastion 'jump': tier: db is not on the edge router of network 'site' (its edge tiers: mgmt, web); "
        "the bastion needs an edge tier for its floating IP"
    )
    assert not [r for r in run.registered() if "jump" in r.name]


def test_the_bastion_refuses_a_tier_the_network_lacks() -> None:
    def build() -> None:
        network = IsolatedNetwork("site", FOUR_TIERS, catalog=CATALOG)
        Bastion("jump", bastion_args(), network=network, catalog=CATALOG)  # tier admin by default

    error, _ = refusal(build)
    assert "tier: admin is not a tier of network 'site'" in str(error)


def test_a_flow_to_an_unnamed_tier_is_refused() -> None:
    flows = [{"source": "web", "destination": "cache", "protocol": "tcp", "port_min": 6379}]
    error, _ = refusal(lambda: IsolatedNetwork("site", {**FOUR_TIERS, "flows": flows}, catalog=CATALOG))
    assert (
        str(error) == "IsolatedNetwork 'site': flows: flows[0]: tier cache is not one of the network's tiers"
    )


@pytest.mark.parametrize(
    ("ranges", "expected"),
    [
        (["10.0.0.1/24"], "admin_ranges[0]: 10.0.0.1/24 has host bits set; did you mean 10.0.0.0/24?"),
        (
            ["192.0.2.0/28", "2001:db8::1/64"],
            "admin_ranges[1]: 2001:db8::1/64 has host bits set; did you mean 2001:db8::/64?",
        ),
        (["office"], "admin_ranges[0]: 'office' is not a network in CIDR notation (such as 192.0.2.0/24)"),
        (["0.0.0.0/0"], "admin_ranges: 0.0.0.0/0 is the whole internet: list the administrators' own ranges"),
    ],
)
def test_refusals_say_what_is_wrong_without_validator_internals(ranges: list[str], expected: str) -> None:
    def build() -> None:
        network = IsolatedNetwork("site", FOUR_TIERS, catalog=CATALOG)
        Bastion("jump", bastion_args(tier="mgmt", admin_ranges=ranges), network=network, catalog=CATALOG)

    error, _ = refusal(build)
    assert str(error) == f"Bastion 'jump': {expected}"
    for internal in ("lax-or-strict", "union[", "function-", "type=", "input_value", "Value error"):
        assert internal not in str(error)


def test_a_tier_cidr_with_host_bits_says_which_network_was_meant() -> None:
    tiers = {**FOUR_TIERS["tiers"], "db": {"cidr": "10.30.3.7/24"}}
    error, _ = refusal(lambda: IsolatedNetwork("site", {**FOUR_TIERS, "tiers": tiers}, catalog=CATALOG))
    assert (
        str(error)
        == "IsolatedNetwork 'site': tiers.db.cidr: 10.30.3.7/24 has host bits set; did you mean 10.30.3.0/24?"
    )


def test_several_problems_are_counted() -> None:
    args = {**FOUR_TIERS, "dns_nameservers": [], "external_network": None, "colour": "blue"}
    error, _ = refusal(lambda: IsolatedNetwork("site", args, catalog=CATALOG))
    assert str(error).startswith("IsolatedNetwork 'site': ")
    assert str(error).endswith("(and 2 more problems)")
    assert sorted(p.where for p in error.problems) == ["colour", "dns_nameservers", "external_network"]
