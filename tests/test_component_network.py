"""IsolatedNetwork under the mock runtime: tiers, routing without an internet route for data, default deny."""

from __future__ import annotations

from typing import Any

import pytest
from component_support import (
    CATALOG,
    HEALTH,
    REGION,
    Run,
    assert_labelled,
    make_network,
    mandatory,
    network_args,
)
from pydantic import ValidationError
from souverain.components import IsolatedNetwork, IsolatedNetworkArgs
from souverain.components._common import ComponentRefusedError

NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
ROUTER = "openstack:networking/router:Router"
INTERFACE = "openstack:networking/routerInterface:RouterInterface"
ROUTE = "openstack:networking/subnetRoute:SubnetRoute"
GROUP = "openstack:networking/secGroup:SecGroup"
RULE = "openstack:networking/secGroupRule:SecGroupRule"


@pytest.fixture(scope="module")
def run() -> Run:
    return Run(lambda: make_network() and None)


def test_component_and_children(run: Run) -> None:
    [component] = run.of_type("souverain:network:IsolatedNetwork")
    assert component.address == "urn:pulumi:test::components::souverain:network:IsolatedNetwork::hdh"
    assert not component.custom
    children = [r for r in run.registered() if r is not component]
    assert children
    for child in children:
        assert child.parent == component.address, child.address
        assert child.address.startswith("urn:pulumi:test::components::souverain:network:IsolatedNetwork$")
        assert child.properties.get("region") == REGION, child.address
        assert (child.region, child.region_source) == (REGION, "resource")
    outputs = run.outputs[component.address]
    assert outputs["subnets"] == {
        "admin": "hdh-admin-subnet_id",
        "app": "hdh-app-subnet_id",
        "data": "hdh-data-subnet_id",
    }
    assert outputs["cidrs"]["data"] == "10.20.2.0/24"


def test_each_tier_has_its_network_subnet_and_group(run: Run) -> None:
    for tier, cidr in (("admin", "10.20.0.0/24"), ("app", "10.20.1.0/24"), ("data", "10.20.2.0/24")):
        net = run.one(NETWORK, f"hdh-{tier}-net")
        assert net.properties["port_security_enabled"] is True
        assert net.properties["admin_state_up"] is True
        subnet = run.one(SUBNET, f"hdh-{tier}-subnet")
        assert subnet.properties["network_id"] == f"hdh-{tier}-net_id"
        assert subnet.properties["cidr"] == cidr
        assert subnet.properties["dns_nameservers"] == ["10.20.0.53", "192.0.2.53"]
        assert subnet.properties["enable_dhcp"] is True
        prefix = cidr.rsplit(".", 1)[0]
        assert subnet.properties["gateway_ip"] == f"{prefix}.1"
        assert subnet.properties["allocation_pools"] == [{"start": f"{prefix}.2", "end": f"{prefix}.253"}]
        group = run.one(GROUP, f"hdh-{tier}-sg")
        assert group.properties["delete_default_rules"] is True
        assert net.tags["tier"] == subnet.tags["tier"] == group.tags["tier"] == tier  # previews count by tier
    assert_labelled(run.resources)


def test_data_tier_has_no_route_to_the_internet(run: Run) -> None:
    edge = run.one(ROUTER, "hdh-edge")
    internal = run.one(ROUTER, "hdh-internal")
    assert edge.properties["external_network_id"] == "ext-net_id"  # from the external-network lookup
    assert "external_network_id" not in internal.properties
    on_edge = {
        i.properties.get("subnet_id")
        for i in run.of_type(INTERFACE)
        if i.properties["router_id"] == "hdh-edge_id"
    }
    assert on_edge == {"hdh-admin-subnet_id", "hdh-app-subnet_id"}
    data_interfaces = [
        i for i in run.of_type(INTERFACE) if i.properties.get("subnet_id") == "hdh-data-subnet_id"
    ]
    assert [i.properties["router_id"] for i in data_interfaces] == ["hdh-internal_id"]
    # edge tiers reach data through the internal router's port, by a host route
    for tier, prefix in (("admin", "10.20.0"), ("app", "10.20.1")):
        port = run.one("openstack:networking/port:Port", f"hdh-{tier}-internal-port")
        assert port.properties["fixed_ips"] == [
            {"subnet_id": f"hdh-{tier}-subnet_id", "ip_address": f"{prefix}.254"}
        ]
        route = run.one(ROUTE, f"hdh-{tier}-to-data")
        assert route.properties == {
            "subnet_id": f"hdh-{tier}-subnet_id",
            "destination_cidr": "10.20.2.0/24",
            "next_hop": f"{prefix}.254",
            "region": REGION,
        }
    assert len(run.of_type(ROUTE)) == 2


def rules(run: Run) -> list[dict[str, Any]]:
    return [r.properties for r in run.of_type(RULE)]


def test_flows_are_explicit_group_to_group_rules(run: Run) -> None:
    all_rules = rules(run)
    ingress = [r for r in all_rules if r["direction"] == "ingress"]
    assert sorted((r["security_group_id"], r["remote_group_id"], r["port_range_min"]) for r in ingress) == [
        ("hdh-app-sg_id", "hdh-admin-sg_id", 443),
        ("hdh-data-sg_id", "hdh-app-sg_id", 5432),
    ]
    assert all("remote_ip_prefix" not in r for r in ingress)
    out = run.one(RULE, "hdh-app-to-data-tcp-5432-out").properties
    assert out["direction"] == "egress"
    assert (out["security_group_id"], out["remote_group_id"]) == ("hdh-app-sg_id", "hdh-data-sg_id")
    assert (out["port_range_min"], out["port_range_max"], out["protocol"]) == (5432, 5432, "tcp")


def test_egress_only_to_resolvers_and_configured_internet_ports(run: Run) -> None:
    internet = [r for r in rules(run) if r.get("remote_ip_prefix") == "0.0.0.0/0"]
    assert [(r["security_group_id"], r["direction"], r["port_range_min"]) for r in internet] == [
        ("hdh-app-sg_id", "egress", 443)
    ]
    dns = [r for r in rules(run) if r.get("port_range_min") == 53]
    assert {r["remote_ip_prefix"] for r in dns} == {"10.20.0.53/32", "192.0.2.53/32"}
    assert {(r["protocol"], r["direction"]) for r in dns} == {("udp", "egress"), ("tcp", "egress")}
    assert len(dns) == 3 * 2 * 2  # tiers x resolvers x protocols


def test_no_mandatory_finding(run: Run) -> None:
    assert mandatory(run.resources) == []


def test_tier_subset_without_edge_needs_no_router_gateway() -> None:
    args = network_args(tiers={"data": {"cidr": "10.30.0.0/24"}}, flows=[], external_network=None)
    run = Run(lambda: IsolatedNetwork("solo", args, catalog=CATALOG) and None)
    assert [r.name for r in run.of_type(ROUTER)] == ["solo-internal"]
    assert run.of_type(ROUTE) == []


def invalid(**overrides: Any) -> tuple[ComponentRefusedError, Run]:
    """Builds the network with bad arguments inside a program: the error, and what got registered."""
    caught: list[ComponentRefusedError] = []

    def program() -> None:
        with pytest.raises(ComponentRefusedError) as info:
            IsolatedNetwork("bad", network_args(**overrides), catalog=CATALOG)
        caught.append(info.value)

    run = Run(program)
    return caught[0], run


def locs(error: ComponentRefusedError | ValidationError) -> list[tuple[Any, ...]]:
    return [tuple(e["loc"]) for e in error.errors()]


@pytest.mark.parametrize(
    ("overrides", "loc", "message"),
    [
        ({"tiers": {"admin": {"cidr": "10.20.0.1/24"}}}, ("tiers", "admin", "cidr"), "host bits set"),
        ({"tiers": {"admin": {"cidr": "not-a-cidr"}}}, ("tiers", "admin", "cidr"), "CIDR notation"),
        ({"tiers": {"admin": {"cidr": "193.51.24.0/24"}}}, ("tiers", "admin", "cidr"), "private"),
        ({"tiers": {"admin": {"cidr": "10.0.0.0/8"}}}, ("tiers", "admin", "cidr"), "between /16 and /28"),
        (
            {"tiers": {"admin": {"cidr": "10.20.0.0/24"}, "app": {"cidr": "10.20.0.128/25"}}},
            ("tiers",),
            "overlap",
        ),
        (
            {"tiers": {"DMZ tier": {"cidr": "10.20.0.0/24"}}},
            ("tiers", "DMZ tier", "[key]"),
            "lowercase letters",
        ),
        (
            {"tiers": {"admin": {"cidr": "10.20.0.0/24"}, "data": {"cidr": "10.20.2.0/24", "edge": True}}},
            ("tiers",),
            "data tier cannot be on the edge",
        ),
        ({"dns_nameservers": ["8.8.8.8"]}, ("dns_nameservers",), "US Public DNS"),
        ({"dns_nameservers": ["10.20.0.53", "1.1.1.1"]}, ("dns_nameservers",), "US Public DNS"),
        ({"dns_nameservers": []}, ("dns_nameservers",), "at least 1"),
        (
            {
                "flows": [
                    {
                        "source": "app",
                        "destination": "data",
                        "protocol": "tcp",
                        "port_min": 20,
                        "port_max": 30,
                    }
                ]
            },
            ("flows",),
            "bastion",
        ),
        (
            {
                "tiers": {"admin": {"cidr": "10.20.0.0/24"}, "app": {"cidr": "10.20.1.0/24"}},
                "flows": [{"source": "app", "destination": "data", "protocol": "tcp", "port_min": 5432}],
            },
            ("flows",),
            "tier data is not one of",
        ),
        ({"region": "PLAIN-1"}, ("region",), "not SecNumCloud-qualified"),
        ({"region": "US-1"}, ("region",), "US-controlled"),
        ({"region": "NOWHERE-9"}, ("region",), "not in the sovereignty catalog"),
        ({"region": "NUA-SNC-ONLY"}, ("region",), "not HDS-certified"),
        ({"external_network": None}, ("external_network",), "external network"),
        ({"labels": {**HEALTH, "owner": ""}}, ("labels", "owner"), "at least 1"),
        ({"admin_pass": "x"}, ("admin_pass",), "not an argument"),
    ],
)
def test_bad_arguments_fail_before_anything_is_registered(
    overrides: dict[str, Any], loc: tuple[Any, ...], message: str
) -> None:
    error, run = invalid(**overrides)
    assert loc in locs(error), error
    assert message in str(error)
    assert run.registered() == []


def test_missing_resolvers_is_an_error_not_a_default() -> None:
    args = network_args()
    del args["dns_nameservers"]
    with pytest.raises(ValidationError) as info:
        IsolatedNetworkArgs.model_validate(args, context={"catalog": CATALOG})
    assert locs(info.value) == [("dns_nameservers",)]


def test_health_data_not_required_on_a_secnumcloud_only_region() -> None:
    args = network_args(region="NUA-SNC-ONLY", labels={**HEALTH, "data_classification": "internal"})
    run = Run(lambda: IsolatedNetwork("internal", args, catalog=CATALOG) and None)
    assert {r.properties["region"] for r in run.cloud()} == {"NUA-SNC-ONLY"}
