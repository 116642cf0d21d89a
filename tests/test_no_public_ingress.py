"""no-public-ingress: security-group and firewall rules, IPv4 and IPv6, Pulumi and Terraform spellings."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.no_public_ingress import POLICY

from souverain.catalog import Catalog
from souverain.engine import evaluate
from souverain.model import UNKNOWN, Resource
from souverain.policy import Settings, Violation
from souverain.readers import parse_plan
from souverain.readers._json import load_json_file

RULE = "openstack:networking/secGroupRule:SecGroupRule"
TF_RULE = "openstack_networking_secgroup_rule_v2"
FW_RULE = "openstack:firewall/ruleV2:RuleV2"
TF_FW_RULE = "openstack_fw_rule_v2"
ADMIN = Settings(
    admin_ranges=(ipaddress.ip_network("198.51.100.0/24"), ipaddress.ip_network("2001:db8:ad::/48"))
)


def _violations(resource: Resource, catalog: Catalog, settings: Settings = ADMIN) -> list[Violation]:
    """The findings on a stack of this one resource."""
    return _stack(catalog, resource, settings=settings)


def _stack(catalog: Catalog, *resources: Resource, settings: Settings = ADMIN) -> list[Violation]:
    """The findings on a stack of these resources; each names the resource it is about."""
    assert POLICY.check_stack is not None
    found = list(POLICY.check_stack(list(resources), context(catalog, settings)))
    assert all(violation.resource is not None for violation in found)
    return found


def _pulumi_rule(prefix: str | None, *, ports: tuple[int, int] | None = (22, 22), **extra: Any) -> Resource:
    inputs: dict[str, Any] = {
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "securityGroupId": "sg",
    }
    if ports is not None:
        inputs["portRangeMin"], inputs["portRangeMax"] = ports
    if prefix is not None:
        inputs["remoteIpPrefix"] = prefix
    return pulumi_resource(RULE, {**inputs, **extra})


def _terraform_rule(prefix: str | None, *, ports: tuple[int, int] = (22, 22), **extra: Any) -> Resource:
    after: dict[str, Any] = {
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "port_range_min": ports[0],
        "port_range_max": ports[1],
        "remote_ip_prefix": prefix,
        "remote_group_id": None,
        "security_group_id": "sg",
    }
    after.update(extra.pop("after", {}))
    return terraform_resource(TF_RULE, after, **extra)


@pytest.mark.parametrize("prefix", ["0.0.0.0/0", "::/0", "0::0/0", "128.0.0.0/0"])
def test_whole_internet_is_a_finding_even_for_ssh(small_catalog: Catalog, prefix: str) -> None:
    for rule in (_pulumi_rule(prefix), _terraform_rule(prefix)):
        [violation] = _violations(rule, small_catalog)
        assert "whole internet" in violation.message
        assert violation.path == "remote_ip_prefix"
        assert not violation.unknown


def test_egress_and_private_ranges_pass(small_catalog: Catalog) -> None:
    assert _violations(_pulumi_rule("0.0.0.0/0", direction="egress"), small_catalog) == []
    assert _violations(_terraform_rule("::/0", after={"direction": "egress"}), small_catalog) == []
    for prefix in ("10.0.0.0/8", "192.168.10.0/24", "100.64.0.0/16", "fd00:1::/64"):
        assert _violations(_pulumi_rule(prefix, ports=(5432, 5432)), small_catalog) == []
        assert _violations(_terraform_rule(prefix, ports=(1, 65535)), small_catalog) == []


def test_absent_prefix_without_remote_group_admits_everyone(small_catalog: Catalog) -> None:
    [violation] = _violations(_pulumi_rule(None, ports=None, ethertype="IPv6"), small_catalog)
    assert "every IPv6 address" in violation.message
    [violation] = _violations(_terraform_rule(None), small_catalog)
    assert "neither remote_ip_prefix nor remote_group_id" in violation.message
    assert _violations(_pulumi_rule(None, remoteGroupId="sg-bastion"), small_catalog) == []
    assert _violations(_terraform_rule(None, after={"remote_group_id": "sg-bastion"}), small_catalog) == []


def test_bastion_ssh_from_admin_ranges_is_the_one_exception(small_catalog: Catalog) -> None:
    assert _violations(_pulumi_rule("198.51.100.0/25"), small_catalog) == []
    assert _violations(_terraform_rule("198.51.100.7/32"), small_catalog) == []
    assert _violations(_pulumi_rule("2001:db8:ad:1::/64", ethertype="IPv6"), small_catalog) == []
    # The same rule without admin ranges configured is public ingress.
    [violation] = _violations(_pulumi_rule("198.51.100.0/25"), small_catalog, Settings())
    assert "public range 198.51.100.0/25" in violation.message


def test_admin_range_to_more_than_ssh(small_catalog: Catalog) -> None:
    for rule in (
        _pulumi_rule("198.51.100.0/24", ports=(3389, 3389)),
        _terraform_rule("198.51.100.0/24", ports=(20, 25)),
        _pulumi_rule("198.51.100.0/24", protocol="udp"),
    ):
        [violation] = _violations(rule, small_catalog)
        assert "more than SSH" in violation.message


def test_public_ranges_outside_the_admin_ranges(small_catalog: Catalog) -> None:
    for prefix in ("203.0.113.0/24", "198.51.0.0/16", "8.8.8.8/32", "2a01:4f8::/32"):
        [violation] = _violations(_pulumi_rule(prefix), small_catalog)
        assert "public range" in violation.message
        [violation] = _violations(_terraform_rule(prefix, ports=(443, 443)), small_catalog)
        assert "public range" in violation.message


def test_unknowns_fail_closed(small_catalog: Catalog) -> None:
    unknown_prefix = _terraform_rule(None, after_unknown={"remote_ip_prefix": True})
    [violation] = _violations(unknown_prefix, small_catalog)
    assert violation.unknown
    pulumi = _pulumi_rule("04da6b54-80e4-46f7-96ec-b56ff0331ba9")
    assert [v.unknown for v in _violations(pulumi, small_catalog)] == [True]
    unknown_ports = _terraform_rule("198.51.100.0/24", after_unknown={"port_range_min": True})
    assert [v.unknown for v in _violations(unknown_ports, small_catalog)] == [True]
    unknown_direction = _terraform_rule("0.0.0.0/0", after_unknown={"direction": True})
    assert [v.unknown for v in _violations(unknown_direction, small_catalog)] == [True]


def test_invalid_prefix_is_a_finding(small_catalog: Catalog) -> None:
    [violation] = _violations(_pulumi_rule("anywhere"), small_catalog)
    assert "not a CIDR" in violation.message


def test_firewall_rules(small_catalog: Catalog) -> None:
    open_rule = {
        "action": "allow",
        "protocol": "tcp",
        "destinationPort": "443",
        "sourceIpAddress": "0.0.0.0/0",
    }
    [violation] = _violations(pulumi_resource(FW_RULE, open_rule), small_catalog)
    assert violation.path == "source_ip_address"
    assert _violations(pulumi_resource(FW_RULE, {**open_rule, "action": "deny"}), small_catalog) == []
    assert _violations(pulumi_resource(FW_RULE, {**open_rule, "enabled": False}), small_catalog) == []
    no_source = {"action": "allow", "protocol": "tcp", "destination_port": "443", "source_ip_address": None}
    [violation] = _violations(terraform_resource(TF_FW_RULE, no_source), small_catalog)
    assert "no source_ip_address" in violation.message
    bastion = {**no_source, "destination_port": "22", "source_ip_address": "198.51.100.0/24"}
    assert _violations(terraform_resource(TF_FW_RULE, bastion), small_catalog) == []
    ranged = {**bastion, "destination_port": "22:23"}
    assert len(_violations(terraform_resource(TF_FW_RULE, ranged), small_catalog)) == 1
    internal = {**no_source, "source_ip_address": "10.1.0.0/16"}
    assert _violations(terraform_resource(TF_FW_RULE, internal), small_catalog) == []


def test_other_kinds_are_ignored(small_catalog: Catalog) -> None:
    subnet = pulumi_resource("openstack:networking/subnet:Subnet", {"cidr": "0.0.0.0/0"})
    assert _violations(subnet, small_catalog) == []


# -- the edges of the non-public ranges (a widened or narrowed range changes these verdicts) -----------


@pytest.mark.parametrize(
    "prefix",
    [
        "172.15.255.255/32",  # just below 172.16.0.0/12
        "172.32.0.0/32",  # just above it
        "172.0.0.0/8",  # wider than it
        "11.0.0.0/32",  # just above 10.0.0.0/8
        "9.255.255.255/32",
        "192.167.255.255/32",
        "192.169.0.0/32",
        "100.63.255.255/32",  # below 100.64.0.0/10
        "100.128.0.0/32",  # above it
        "169.253.255.255/32",
        "fec0::1/128",  # above fe80::/10
        "fe00::1/128",  # between fc00::/7 and fe80::/10
        "2001:db8::/32",
    ],
)
def test_addresses_just_outside_the_private_ranges_are_public(small_catalog: Catalog, prefix: str) -> None:
    family = "IPv6" if ":" in prefix else "IPv4"
    for rule in (
        _pulumi_rule(prefix, ports=(5432, 5432), ethertype=family),
        _terraform_rule(prefix, ports=(5432, 5432), after={"ethertype": family}),
    ):
        [violation] = _violations(rule, small_catalog)
        assert "public range" in violation.message
        assert not violation.unknown


@pytest.mark.parametrize(
    "prefix",
    [
        "172.16.0.1/32",
        "172.16.0.0/12",
        "172.31.255.255/32",
        "10.255.255.255/32",
        "192.168.255.0/24",
        "100.64.0.0/10",
        "100.127.255.255/32",
        "169.254.169.254/32",
        "127.0.0.1/32",
        "fd12:3456::/48",
        "fc00::1/128",
        "febf::1/128",
    ],
)
def test_addresses_just_inside_the_private_ranges_pass(small_catalog: Catalog, prefix: str) -> None:
    family = "IPv6" if ":" in prefix else "IPv4"
    assert _violations(_pulumi_rule(prefix, ports=(5432, 5432), ethertype=family), small_catalog) == []
    assert (
        _violations(_terraform_rule(prefix, ports=(1, 65535), after={"ethertype": family}), small_catalog)
        == []
    )


# -- firewall rules whose action or state is unknown ----------------------------------------------------


def test_firewall_rule_with_unknown_action_is_an_unknown_finding(small_catalog: Catalog) -> None:
    pulumi = {
        "action": PULUMI_UNKNOWN,
        "protocol": "tcp",
        "destinationPort": "443",
        "sourceIpAddress": "0.0.0.0/0",
    }
    [violation] = _violations(pulumi_resource(FW_RULE, pulumi), small_catalog)
    assert violation.unknown
    assert "action is unknown" in violation.message
    terraform = {
        "action": None,
        "protocol": "tcp",
        "destination_port": "443",
        "source_ip_address": "203.0.113.0/24",
    }
    [violation] = _violations(
        terraform_resource(TF_FW_RULE, terraform, after_unknown={"action": True}), small_catalog
    )
    assert violation.unknown
    # Whatever the action, a rule from a private source lets no one in from the internet.
    private = {**pulumi, "sourceIpAddress": "10.0.0.0/8"}
    assert _violations(pulumi_resource(FW_RULE, private), small_catalog) == []


def test_firewall_rule_whose_enabled_is_unknown_is_an_unknown_finding(small_catalog: Catalog) -> None:
    rule = {"action": "allow", "protocol": "tcp", "destination_port": "443", "source_ip_address": "0.0.0.0/0"}
    [violation] = _violations(
        terraform_resource(TF_FW_RULE, {**rule, "enabled": None}, after_unknown={"enabled": True}),
        small_catalog,
    )
    assert violation.unknown
    [violation] = _violations(terraform_resource(TF_FW_RULE, {**rule, "enabled": True}), small_catalog)
    assert not violation.unknown


# -- a source unknown until apply is unknown, not absent ------------------------------------------------


def test_remote_group_unknown_until_apply_is_an_unknown_finding(small_catalog: Catalog) -> None:
    """A rule whose remote group is created in the same plan: not "admits every address"."""
    pulumi = _pulumi_rule(None, ports=(5432, 5432), remoteGroupId=PULUMI_UNKNOWN)
    terraform = _terraform_rule(None, ports=(5432, 5432), after_unknown={"remote_group_id": True})
    # Terraform plans an unset optional-computed remote_ip_prefix as unknown too.
    both = _terraform_rule(
        None, ports=(5432, 5432), after_unknown={"remote_group_id": True, "remote_ip_prefix": True}
    )
    for rule in (pulumi, terraform, both):
        [violation] = _violations(rule, small_catalog)
        assert violation.unknown
        assert "remote_group_id" in violation.message
        assert "unknown until apply" in violation.message
    # Known remote group: members of a security group, no internet source.
    known = _terraform_rule(
        None, after={"remote_group_id": "sg-app"}, after_unknown={"remote_ip_prefix": True}
    )
    assert _violations(known, small_catalog) == []


def test_unknown_prefix_beside_an_unknown_group_is_unknown(small_catalog: Catalog) -> None:
    rule = _terraform_rule(None, after_unknown={"remote_ip_prefix": True})
    [violation] = _violations(rule, small_catalog)
    assert violation.unknown
    assert violation.path == "remote_ip_prefix"


# -- address groups --------------------------------------------------------------------------------------

ADDRESS_GROUP = "openstack:networking/addressGroupV2:AddressGroupV2"
TF_ADDRESS_GROUP = "openstack_networking_address_group_v2"
PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _tf_group(addresses: list[str], *, group_id: str = "ag-1", name: str = "admins") -> Resource:
    return terraform_resource(
        TF_ADDRESS_GROUP, {"id": group_id, "name": name, "addresses": addresses}, name=name
    )


def _pulumi_group(addresses: list[str], *, name: str = "admins") -> Resource:
    return pulumi_resource(ADDRESS_GROUP, {"name": name, "addresses": addresses}, name=name)


def _depends_on(resource: Resource, *targets: Resource) -> Resource:
    resource.dependencies = tuple(target.address for target in targets)
    return resource


def test_address_group_with_public_addresses_is_a_finding(small_catalog: Catalog) -> None:
    for addresses in (["0.0.0.0/0"], ["10.0.0.0/8", "203.0.113.10/32"], ["::/0"]):
        group = _tf_group(addresses)
        rule = _terraform_rule(None, ports=(443, 443), after={"remote_address_group_id": "ag-1"})
        [violation] = _stack(small_catalog, group, rule)
        assert violation.resource is rule
        assert violation.path == "remote_address_group_id"
        assert "address group admins" in violation.message
        assert not violation.unknown
    # The compliant twin: private addresses only.
    group = _tf_group(["10.0.0.0/8", "192.168.0.0/16", "fd00::/8"])
    rule = _terraform_rule(None, ports=(443, 443), after={"remote_address_group_id": "ag-1"})
    assert _stack(small_catalog, group, rule) == []


def test_address_group_created_in_the_same_pulumi_preview(small_catalog: Catalog) -> None:
    public = _pulumi_group(["198.51.0.0/16"], name="partners")
    private = _pulumi_group(["10.20.0.0/16"], name="office")
    rule = _depends_on(_pulumi_rule(None, ports=(443, 443), remoteAddressGroupId=PULUMI_UNKNOWN), public)
    [violation] = _stack(small_catalog, public, private, rule)
    assert "address group partners" in violation.message
    assert not violation.unknown
    twin = _depends_on(_pulumi_rule(None, ports=(443, 443), remoteAddressGroupId=PULUMI_UNKNOWN), private)
    assert _stack(small_catalog, public, private, twin) == []


def test_address_group_keeps_the_admin_ssh_exception(small_catalog: Catalog) -> None:
    group = _tf_group(["198.51.100.0/25", "2001:db8:ad::/64"])
    ssh = _terraform_rule(None, ports=(22, 22), after={"remote_address_group_id": "ag-1"})
    assert _stack(small_catalog, group, ssh) == []
    https = _terraform_rule(None, ports=(443, 443), after={"remote_address_group_id": "ag-1"})
    violations = _stack(small_catalog, group, https)
    assert len(violations) == 2
    assert all("more than SSH" in violation.message for violation in violations)


def test_address_group_that_cannot_be_shown_fails_closed(small_catalog: Catalog) -> None:
    # Not managed by this stack: a finding, not an unknown.
    rule = _terraform_rule(None, after={"remote_address_group_id": "ag-elsewhere"})
    [violation] = _stack(small_catalog, _tf_group(["10.0.0.0/8"]), rule)
    assert "does not manage" in violation.message
    assert not violation.unknown
    # Unknown until apply and tied to no group of the input: unknown.
    orphan = _terraform_rule(None, after_unknown={"remote_address_group_id": True})
    [violation] = _stack(small_catalog, _tf_group(["10.0.0.0/8"]), orphan)
    assert violation.unknown
    # A group whose addresses are unknown until apply.
    group = _pulumi_group([PULUMI_UNKNOWN])
    group.properties["addresses"] = UNKNOWN
    rule = _depends_on(_pulumi_rule(None, remoteAddressGroupId=PULUMI_UNKNOWN, ports=(443, 443)), group)
    [violation] = _stack(small_catalog, group, rule)
    assert violation.unknown
    assert "addresses of address group admins" in violation.message


# -- ports without port security, reached from the internet --------------------------------------------

NETWORK = "openstack:networking/network:Network"
TF_NETWORK = "openstack_networking_network_v2"
PORT = "openstack:networking/port:Port"
TF_PORT = "openstack_networking_port_v2"
FIP = "openstack:networking/floatingIp:FloatingIp"
TF_FIP = "openstack_networking_floatingip_v2"
FIP_ASSOC = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"
TF_FIP_ASSOC = "openstack_networking_floatingip_associate_v2"
TF_COMPUTE_FIP_ASSOC = "openstack_compute_floatingip_associate_v2"
COMPUTE_FIP_ASSOC = "openstack:compute/floatingIpAssociate:FloatingIpAssociate"
INSTANCE = "openstack:compute/instance:Instance"
TF_INSTANCE = "openstack_compute_instance_v2"
LB = "openstack:loadbalancer/loadBalancer:LoadBalancer"
TF_LB = "openstack_lb_loadbalancer_v2"
LISTENER = "openstack:loadbalancer/listener:Listener"
TF_LISTENER = "openstack_lb_listener_v2"


def _tf_network(
    *, net_id: str = "net-app", external: bool | None = False, security: bool | None = True
) -> Resource:
    return terraform_resource(
        TF_NETWORK,
        {"id": net_id, "name": net_id, "external": external, "port_security_enabled": security},
        name=net_id,
    )


def _tf_port(*, port_id: str = "port-1", net_id: str = "net-app", security: bool | None = False) -> Resource:
    after = {"id": port_id, "network_id": net_id, "port_security_enabled": security}
    unknown = {"port_security_enabled": True} if security is None else {}
    return terraform_resource(TF_PORT, after, name=port_id, after_unknown=unknown)


def test_terraform_port_without_security_behind_a_floating_ip(small_catalog: Catalog) -> None:
    network, port = _tf_network(), _tf_port()
    for fip in (
        terraform_resource(TF_FIP, {"id": "fip-1", "pool": "Ext-Net", "port_id": "port-1"}, name="fip"),
        terraform_resource(TF_FIP_ASSOC, {"floating_ip": "203.0.113.7", "port_id": "port-1"}, name="assoc"),
    ):
        [violation] = _stack(small_catalog, network, port, fip)
        assert violation.resource is port
        assert violation.path == "port_security_enabled"
        assert "floating IP" in violation.message
        assert not violation.unknown
    # The twins: no floating IP; a floating IP on another port; port security on.
    assert _stack(small_catalog, network, port) == []
    other = terraform_resource(TF_FIP_ASSOC, {"floating_ip": "203.0.113.7", "port_id": "port-2"}, name="a")
    assert _stack(small_catalog, network, port, other) == []
    secured = _tf_port(security=True)
    fip = terraform_resource(TF_FIP_ASSOC, {"floating_ip": "203.0.113.7", "port_id": "port-1"}, name="assoc")
    assert _stack(small_catalog, network, secured, fip) == []


def test_port_without_security_on_an_external_network(small_catalog: Catalog) -> None:
    public = _tf_network(net_id="ext-net", external=True)
    [violation] = _stack(small_catalog, public, _tf_port(net_id="ext-net"))
    assert "external network ext-net" in violation.message
    # A port whose network the stack does not hold cannot be shown internal: a finding, not an unknown.
    [violation] = _stack(small_catalog, _tf_port(net_id="somewhere"))
    assert "not in this stack" in violation.message
    assert not violation.unknown
    # Terraform plans an unset `external` as unknown: read as unset (internal).
    internal = _tf_network(external=None)
    internal.properties["external"] = UNKNOWN
    assert _stack(small_catalog, internal, _tf_port()) == []


def test_port_inherits_its_networks_port_security(small_catalog: Catalog) -> None:
    network = _tf_network(security=False)
    fip = terraform_resource(TF_FIP_ASSOC, {"floating_ip": "203.0.113.7", "port_id": "port-1"}, name="assoc")
    # The port leaves it unset (Terraform plans it unknown): the network's false applies.
    [violation] = _stack(small_catalog, network, _tf_port(security=None), fip)
    assert violation.resource is not None
    assert violation.resource.type == TF_PORT
    # Set on the port, it wins over the network's.
    assert _stack(small_catalog, network, _tf_port(security=True), fip) == []
    # An unset setting on a network that does not disable it is Neutron's default: on.
    assert _stack(small_catalog, _tf_network(security=None), _tf_port(security=None), fip) == []


def test_pulumi_port_without_security_and_its_floating_ip_association(small_catalog: Catalog) -> None:
    network = pulumi_resource(NETWORK, {"name": "app"}, name="app")
    port = _depends_on(
        pulumi_resource(PORT, {"networkId": PULUMI_UNKNOWN, "portSecurityEnabled": False}, name="vrrp"),
        network,
    )
    other = _depends_on(pulumi_resource(PORT, {"networkId": PULUMI_UNKNOWN}, name="web"), network)
    bound = _depends_on(
        pulumi_resource(FIP_ASSOC, {"floatingIp": "203.0.113.7", "portId": PULUMI_UNKNOWN}, name="fip"), port
    )
    [violation] = _stack(small_catalog, network, port, other, bound)
    assert violation.resource is port
    twin = _depends_on(
        pulumi_resource(FIP_ASSOC, {"floatingIp": "203.0.113.7", "portId": PULUMI_UNKNOWN}, name="fip"), other
    )
    assert _stack(small_catalog, network, port, other, twin) == []
    # A floating IP created straight onto the port.
    direct = _depends_on(pulumi_resource(FIP, {"pool": "Ext-Net", "portId": PULUMI_UNKNOWN}, name="ip"), port)
    assert len(_stack(small_catalog, network, port, other, direct)) == 1


def test_floating_ip_bound_to_a_port_the_plan_cannot_name(small_catalog: Catalog) -> None:
    """A Terraform association created in the plan, with no dependency recorded: it may be this port."""
    association = terraform_resource(
        TF_FIP_ASSOC,
        {"floating_ip": "203.0.113.7", "port_id": None},
        name="a",
        after_unknown={"port_id": True},
    )
    [violation] = _stack(small_catalog, _tf_network(), _tf_port(), association)
    assert violation.unknown
    assert "may be it" in violation.message


def test_instance_on_a_network_without_port_security(small_catalog: Catalog) -> None:
    network = _tf_network(net_id="net-flat", security=False)
    instance = terraform_resource(
        TF_INSTANCE, {"id": "vm-1", "name": "vm", "network": [{"uuid": "net-flat", "port": ""}]}, name="vm"
    )
    association = terraform_resource(
        TF_COMPUTE_FIP_ASSOC, {"floating_ip": "203.0.113.7", "instance_id": "vm-1"}, name="assoc"
    )
    [violation] = _stack(small_catalog, network, instance, association)
    assert violation.resource is instance
    assert violation.path == "network[0]"
    # Twins: no floating IP; a network that keeps port security.
    assert _stack(small_catalog, network, instance) == []
    assert _stack(small_catalog, _tf_network(net_id="net-flat"), instance, association) == []
    # Pulumi spells the block `networks`.
    pulumi_net = pulumi_resource(NETWORK, {"name": "flat", "portSecurityEnabled": False}, name="flat")
    vm = _depends_on(
        pulumi_resource(INSTANCE, {"networks": [{"uuid": PULUMI_UNKNOWN}]}, name="vm"), pulumi_net
    )
    assoc = _depends_on(
        pulumi_resource(COMPUTE_FIP_ASSOC, {"floatingIp": "203.0.113.7", "instanceId": PULUMI_UNKNOWN}), vm
    )
    [violation] = _stack(small_catalog, pulumi_net, vm, assoc)
    assert violation.resource is vm
    assert violation.path == "networks[0]"


def test_port_of_an_instance_reached_through_a_compute_association(small_catalog: Catalog) -> None:
    port = _tf_port()
    instance = terraform_resource(TF_INSTANCE, {"id": "vm-1", "network": [{"port": "port-1"}]}, name="vm")
    association = terraform_resource(
        TF_COMPUTE_FIP_ASSOC, {"floating_ip": "203.0.113.7", "instance_id": "vm-1"}, name="assoc"
    )
    [violation] = _stack(small_catalog, _tf_network(), port, instance, association)
    assert violation.resource is port
    assert "instance vm" in violation.message
    elsewhere = terraform_resource(
        TF_COMPUTE_FIP_ASSOC, {"floating_ip": "203.0.113.7", "instance_id": "vm-2"}, name="assoc"
    )
    assert _stack(small_catalog, _tf_network(), port, instance, elsewhere) == []


# -- load-balancer listeners on an exposed VIP ----------------------------------------------------------


def _tf_lb(**extra: Any) -> Resource:
    after = {"id": "lb-1", "vip_port_id": "vip-port", "vip_subnet_id": "sub-1", "vip_address": "10.0.0.10"}
    return terraform_resource(TF_LB, {**after, **extra}, name="lb")


def _tf_listener(
    cidrs: list[str] | None, *, protocol: str = "HTTPS", port: int = 443, lb: str = "lb-1"
) -> Resource:
    after = {"loadbalancer_id": lb, "protocol": protocol, "protocol_port": port, "allowed_cidrs": cidrs}
    return terraform_resource(TF_LISTENER, after, name=f"{protocol.lower()}-{port}")


VIP_FIP = {"floating_ip": "203.0.113.8", "port_id": "vip-port"}


def test_listener_without_allowed_cidrs_on_a_floating_ip(small_catalog: Catalog) -> None:
    fip = terraform_resource(TF_FIP_ASSOC, VIP_FIP, name="vip")
    for cidrs in (None, []):
        listener = _tf_listener(cidrs)
        [violation] = _stack(small_catalog, _tf_lb(), listener, fip)
        assert violation.resource is listener
        assert violation.path == "allowed_cidrs"
        assert "floating IP vip" in violation.message
    [violation] = _stack(small_catalog, _tf_lb(), _tf_listener(["0.0.0.0/0"]), fip)
    assert "whole internet" in violation.message
    [violation] = _stack(small_catalog, _tf_lb(), _tf_listener(["10.0.0.0/8", "192.0.2.0/24"]), fip)
    assert "public range 192.0.2.0/24" in violation.message
    # Twins: private allowed_cidrs; no floating IP on the VIP (an internal load balancer).
    assert _stack(small_catalog, _tf_lb(), _tf_listener(["10.0.0.0/8", "fd00::/8"]), fip) == []
    assert _stack(small_catalog, _tf_lb(), _tf_listener(None)) == []


def test_listener_on_a_public_or_external_vip(small_catalog: Catalog) -> None:
    [violation] = _stack(small_catalog, _tf_lb(vip_address="203.0.113.20"), _tf_listener(None))
    assert "public address" in violation.message
    external = _tf_network(net_id="ext-net", external=True)
    [violation] = _stack(small_catalog, external, _tf_lb(vip_network_id="ext-net"), _tf_listener(None))
    assert "external network" in violation.message
    internal = _tf_network(net_id="net-app")
    assert _stack(small_catalog, internal, _tf_lb(vip_network_id="net-app"), _tf_listener(None)) == []


def test_listener_keeps_the_admin_ssh_exception(small_catalog: Catalog) -> None:
    fip = terraform_resource(TF_FIP_ASSOC, VIP_FIP, name="vip")
    ssh = _tf_listener(["198.51.100.0/24"], protocol="TCP", port=22)
    assert _stack(small_catalog, _tf_lb(), ssh, fip) == []
    https = _tf_listener(["198.51.100.0/24"])
    [violation] = _stack(small_catalog, _tf_lb(), https, fip)
    assert "more than SSH" in violation.message


def test_pulumi_listener_on_a_load_balancer_with_a_floating_ip(small_catalog: Catalog) -> None:
    balancer = pulumi_resource(LB, {"vipSubnetId": "sub-1"}, name="lb")
    listener = _depends_on(
        pulumi_resource(LISTENER, {"loadbalancerId": PULUMI_UNKNOWN, "protocol": "HTTP", "protocolPort": 80}),
        balancer,
    )
    fip = _depends_on(
        pulumi_resource(FIP_ASSOC, {"floatingIp": "203.0.113.8", "portId": PULUMI_UNKNOWN}), balancer
    )
    [violation] = _stack(small_catalog, balancer, listener, fip)
    assert violation.resource is listener
    assert not violation.unknown
    assert _stack(small_catalog, balancer, listener) == []
    listener.properties["allowed_cidrs"] = ["10.1.0.0/16"]
    assert _stack(small_catalog, balancer, listener, fip) == []


def test_listener_whose_exposure_cannot_be_shown(small_catalog: Catalog) -> None:
    # Its load balancer is not in the stack: a finding.
    [violation] = _stack(small_catalog, _tf_listener(None, lb="lb-elsewhere"))
    assert "not in this stack" in violation.message
    assert not violation.unknown
    # Its allowed_cidrs are unknown until apply, on an exposed VIP: unknown.
    fip = terraform_resource(TF_FIP_ASSOC, VIP_FIP, name="vip")
    listener = terraform_resource(
        TF_LISTENER,
        {"loadbalancer_id": "lb-1", "protocol": "HTTPS", "protocol_port": 443, "allowed_cidrs": None},
        after_unknown={"allowed_cidrs": True},
    )
    [violation] = _stack(small_catalog, _tf_lb(), listener, fip)
    assert violation.unknown
    # Created in the same plan with no dependency recorded: the load balancer may be exposed.
    unknown_lb = terraform_resource(
        TF_LISTENER,
        {"loadbalancer_id": None, "protocol": "HTTPS", "protocol_port": 443, "allowed_cidrs": None},
        after_unknown={"loadbalancer_id": True},
    )
    [violation] = _stack(small_catalog, _tf_lb(), unknown_lb)
    assert violation.unknown


# -- Terraform plans that create everything at once: ids unknown, tied by the configuration's references --


def _planned(
    address: str, after: dict[str, Any], unknown: dict[str, Any], refs: dict[str, str]
) -> tuple[Any, Any]:
    """A `resource_changes` entry creating `address`, and its `configuration` entry whose expressions
    refer to other resources (`{"port_id": "openstack_networking_port_v2.vrrp.id"}`)."""
    kind, name = address.split(".")
    change = {
        "address": address,
        "mode": "managed",
        "type": kind,
        "name": name,
        "provider_name": "registry.terraform.io/terraform-provider-openstack/openstack",
        "change": {
            "actions": ["create"],
            "before": None,
            "after": after,
            "after_unknown": {"id": True, **unknown},
        },
    }
    expressions: dict[str, Any] = {key: {"constant_value": value} for key, value in after.items()}
    for key, ref in refs.items():
        target = ref.rsplit(".", 1)[0]
        expressions[key] = {"references": [ref, target]}
    config = {"address": address, "mode": "managed", "type": kind, "name": name, "expressions": expressions}
    return change, config


def _terraform_plan(*entries: tuple[Any, Any]) -> list[Resource]:
    document = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "resource_changes": [change for change, _ in entries],
        "configuration": {
            "provider_config": {
                "openstack": {"name": "openstack", "expressions": {"region": {"constant_value": "SNC-PAR-1"}}}
            },
            "root_module": {"resources": [config for _, config in entries]},
        },
    }
    return parse_plan(document, "plan.json").resources


def _tf_stack(catalog: Catalog, resources: list[Resource]) -> list[tuple[str, bool]]:
    return [
        (violation.resource.address, violation.unknown)
        for violation in _stack(catalog, *resources)
        if violation.resource
    ]


def test_terraform_plan_creating_a_load_balancer_and_its_floating_ip(small_catalog: Catalog) -> None:
    lb = _planned(
        "openstack_lb_loadbalancer_v2.web",
        {"name": "web"},
        {"vip_port_id": True, "vip_address": True, "vip_network_id": True, "vip_subnet_id": True},
        {"vip_subnet_id": "openstack_networking_subnet_v2.app.id"},
    )
    listener = _planned(
        "openstack_lb_listener_v2.https",
        {"protocol": "HTTPS", "protocol_port": 443, "allowed_cidrs": None},
        {"loadbalancer_id": True},
        {"loadbalancer_id": "openstack_lb_loadbalancer_v2.web.id"},
    )
    fip = _planned(
        "openstack_networking_floatingip_associate_v2.web",
        {"floating_ip": "203.0.113.8"},
        {"port_id": True},
        {"port_id": "openstack_lb_loadbalancer_v2.web.vip_port_id"},
    )
    assert _tf_stack(small_catalog, _terraform_plan(lb, listener, fip)) == [
        ("openstack_lb_listener_v2.https", False)
    ]
    # The internal twin: no floating IP on the VIP, no finding (and no unknown).
    assert _tf_stack(small_catalog, _terraform_plan(lb, listener)) == []


def test_terraform_plan_creating_a_port_without_security_and_its_floating_ip(small_catalog: Catalog) -> None:
    port = _planned(
        "openstack_networking_port_v2.vrrp",
        {"name": "vrrp", "port_security_enabled": False},
        {"network_id": True},
        {"network_id": "openstack_networking_network_v2.app.id"},
    )
    network = _planned(
        "openstack_networking_network_v2.app",
        {"name": "app"},
        {"external": True, "port_security_enabled": True},
        {},
    )
    web = _planned(
        "openstack_networking_port_v2.web",
        {"name": "web"},
        {"network_id": True, "port_security_enabled": True},
        {"network_id": "openstack_networking_network_v2.app.id"},
    )
    to_vrrp = _planned(
        "openstack_networking_floatingip_associate_v2.vip",
        {"floating_ip": "203.0.113.9"},
        {"port_id": True},
        {"port_id": "openstack_networking_port_v2.vrrp.id"},
    )
    to_web = _planned(
        "openstack_networking_floatingip_associate_v2.vip",
        {"floating_ip": "203.0.113.9"},
        {"port_id": True},
        {"port_id": "openstack_networking_port_v2.web.id"},
    )
    assert _tf_stack(small_catalog, _terraform_plan(network, port, web, to_vrrp)) == [
        ("openstack_networking_port_v2.vrrp", False)
    ]
    assert _tf_stack(small_catalog, _terraform_plan(network, port, web, to_web)) == []


def test_terraform_plan_creating_an_address_group_and_its_rule(small_catalog: Catalog) -> None:
    rule_after = {
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "port_range_min": 443,
        "port_range_max": 443,
    }
    rule_unknown = {
        "remote_address_group_id": True,
        "remote_ip_prefix": True,
        "remote_group_id": True,
        "security_group_id": True,
    }
    rule = _planned(
        "openstack_networking_secgroup_rule_v2.partners",
        rule_after,
        rule_unknown,
        {"remote_address_group_id": "openstack_networking_address_group_v2.partners.id"},
    )
    for addresses, expected in (
        (["203.0.113.0/24"], [("openstack_networking_secgroup_rule_v2.partners", False)]),
        (["10.8.0.0/16"], []),
    ):
        group = _planned(
            "openstack_networking_address_group_v2.partners",
            {"name": "partners", "addresses": addresses},
            {},
            {},
        )
        assert _tf_stack(small_catalog, _terraform_plan(group, rule)) == expected


def test_floating_ip_on_a_port_that_refers_to_a_port_without_security(small_catalog: Catalog) -> None:
    """keepalived: the web port allows the VRRP port's address (`allowed_address_pairs`), so it depends on
    it; a floating IP on the web port is not on the VRRP port."""
    network = pulumi_resource(NETWORK, {"name": "app"}, name="app")
    vrrp = _depends_on(
        pulumi_resource(PORT, {"networkId": PULUMI_UNKNOWN, "portSecurityEnabled": False}, name="vrrp"),
        network,
    )
    web = _depends_on(
        pulumi_resource(
            PORT,
            {"networkId": PULUMI_UNKNOWN, "allowedAddressPairs": [{"ipAddress": PULUMI_UNKNOWN}]},
            name="web",
        ),
        network,
        vrrp,
    )
    on_web = _depends_on(
        pulumi_resource(FIP_ASSOC, {"floatingIp": "203.0.113.7", "portId": PULUMI_UNKNOWN}, name="fip"), web
    )
    assert _stack(small_catalog, network, vrrp, web, on_web) == []
    on_vrrp = _depends_on(
        pulumi_resource(FIP_ASSOC, {"floatingIp": "203.0.113.7", "portId": PULUMI_UNKNOWN}, name="fip"), vrrp
    )
    [violation] = _stack(small_catalog, network, vrrp, web, on_vrrp)
    assert violation.resource is vrrp


# -- a real preview's shape, through the reader: inputs, outputs with computed values unknown, dependencies --

EXPOSURE_PREVIEW = Path(__file__).parent / "fixtures" / "ingress" / "pulumi-preview-exposure.json"


def test_preview_of_a_stack_with_every_way_in(small_catalog: Catalog) -> None:
    """The same document runs through the CrossGuard pack in test_crossguard's parity test."""
    plan = parse_plan(load_json_file(EXPOSURE_PREVIEW, str(EXPOSURE_PREVIEW)), str(EXPOSURE_PREVIEW))
    found = {
        (finding.resource.rsplit("::", 1)[-1], finding.unknown, finding.path)
        for finding in evaluate(plan.resources, small_catalog, [POLICY]).findings
    }
    assert found == {
        ("vrrp", False, "port_security_enabled"),  # no port security, a floating IP on it
        ("partners-https", False, "remote_address_group_id"),  # an address group with public addresses
        ("from-web", True, "remote_group_id"),  # remote group created in the same preview
        ("public-https", False, "allowed_cidrs"),  # no allowed_cidrs, a floating IP on the VIP
    }


def test_instance_ports_are_judged_each(small_catalog: Catalog) -> None:
    """A floating IP on one instance reaches that instance's ports, not another's; an attachment by port
    is the port's own verdict, whatever its network sets."""
    flat = _tf_network(net_id="net-flat", security=False)
    open_port = _tf_port(port_id="port-1", net_id="net-flat", security=None)
    secure_port = _tf_port(port_id="port-2", net_id="net-flat", security=True)
    vm1 = terraform_resource(TF_INSTANCE, {"id": "vm-1", "network": [{"port": "port-1"}]}, name="vm1")
    vm2 = terraform_resource(
        TF_INSTANCE, {"id": "vm-2", "network": [{"uuid": "net-flat", "port": "port-2"}]}, name="vm2"
    )
    on_vm2 = terraform_resource(
        TF_COMPUTE_FIP_ASSOC, {"floating_ip": "203.0.113.7", "instance_id": "vm-2"}, name="a"
    )
    assert _stack(small_catalog, flat, open_port, secure_port, vm1, vm2, on_vm2) == []
    on_vm1 = terraform_resource(
        TF_COMPUTE_FIP_ASSOC, {"floating_ip": "203.0.113.7", "instance_id": "vm-1"}, name="a"
    )
    [violation] = _stack(small_catalog, flat, open_port, secure_port, vm1, vm2, on_vm1)
    assert violation.resource is open_port
