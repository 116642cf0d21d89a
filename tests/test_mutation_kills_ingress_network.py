"""no-public-ingress over the stack's network: what a rule's source, a floating IP, a port, an instance or a
listener is bound to, through ids, dependencies and Terraform's instance keys; each way in judged whatever
comes before it in the stack.

Written against mutants of `policies/no_public_ingress.py` that survived the policy's own fast tests
(`candidates`, `_closure`, `StackNetwork.upstream`, the network memo, the loops over ports, attachments,
listeners, members and entries, Neutron rules' unknown and empty sources). Each verdict is written by hand:
Neutron admits every address of a rule with no source; a floating IP bound to a port without port security
exposes it; a listener without allowed_cidrs on an exposed VIP admits everyone.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.no_public_ingress import POLICY

from souverain.catalog import Catalog
from souverain.model import UNKNOWN, Resource
from souverain.policy import Context, Settings, Violation

ADMIN = Settings(admin_ranges=(ipaddress.ip_network("198.51.100.0/24"),))
PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
TF_RULE = "openstack_networking_secgroup_rule_v2"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
ADDRESS_GROUP = "openstack:networking/addressGroupV2:AddressGroupV2"
NETWORK = "openstack:networking/network:Network"
TF_NETWORK = "openstack_networking_network_v2"
PORT = "openstack:networking/port:Port"
TF_PORT = "openstack_networking_port_v2"
FIP = "openstack:networking/floatingIp:FloatingIp"
FIP_ASSOC = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"
TF_FIP_ASSOC = "openstack_networking_floatingip_associate_v2"
INSTANCE = "openstack:compute/instance:Instance"
TF_INSTANCE = "openstack_compute_instance_v2"
TF_COMPUTE_FIP_ASSOC = "openstack_compute_floatingip_associate_v2"
TF_LB = "openstack_lb_loadbalancer_v2"
TF_LISTENER = "openstack_lb_listener_v2"
TF_FW_RULE = "openstack_fw_rule_v2"


def _stack(catalog: Catalog, *resources: Resource, ctx: Context | None = None) -> list[Violation]:
    assert POLICY.check_stack is not None
    return list(POLICY.check_stack(list(resources), ctx or context(catalog, ADMIN)))


def _found(catalog: Catalog, *resources: Resource) -> list[tuple[str, str | None, bool]]:
    """(resource name, path, unknown) of each finding, in the policy's order."""
    return [(v.resource.name if v.resource else "", v.path, v.unknown) for v in _stack(catalog, *resources)]


def _after(resource: Resource, *targets: Resource | str) -> Resource:
    resource.dependencies = tuple(t if isinstance(t, str) else t.address for t in targets)
    return resource


def _tf_port(port_id: str = "port-1", *, name: str | None = None, security: bool = False) -> Resource:
    after = {"id": port_id, "network_id": "net-app", "port_security_enabled": security}
    return terraform_resource(TF_PORT, after, name=name or port_id)


def _tf_network(net_id: str = "net-app", *, external: bool = False, security: bool = True) -> Resource:
    after = {"id": net_id, "name": net_id, "external": external, "port_security_enabled": security}
    return terraform_resource(TF_NETWORK, after, name=net_id)


# -- a Neutron rule's sources -----------------------------------------------------------------------------


def _tf_rule(**after: Any) -> Resource:
    base = {
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "port_range_min": 443,
        "port_range_max": 443,
        "remote_ip_prefix": "",
        "remote_group_id": "",
        "remote_address_group_id": "",
        "security_group_id": "sg",
    }
    unknown = {key: True for key, value in after.items() if value is UNKNOWN}
    known = {key: (None if value is UNKNOWN else value) for key, value in after.items()}
    return terraform_resource(TF_RULE, {**base, **known}, after_unknown=unknown or None)


def test_empty_source_strings_are_no_source_and_neutron_admits_every_address(small_catalog: Catalog) -> None:
    """Terraform writes unset string attributes as "": neither the remote group nor the address group is
    then a source."""
    [violation] = _stack(small_catalog, _tf_rule())
    assert violation.path == "remote_ip_prefix"
    assert violation.message == (
        "the rule allows ingress from any address: it sets neither remote_ip_prefix nor remote_group_id "
        "nor remote_address_group_id, so Neutron admits every IPv4 address"
    )
    assert not violation.unknown
    [violation] = _stack(small_catalog, _tf_rule(ethertype="IPv6"))
    assert violation.message.endswith("Neutron admits every IPv6 address")
    assert _stack(small_catalog, _tf_rule(remote_group_id="sg-web")) == []


def test_sources_unknown_until_apply_are_named_in_the_finding(small_catalog: Catalog) -> None:
    [violation] = _stack(small_catalog, _tf_rule(remote_ip_prefix=UNKNOWN))
    assert violation.unknown
    assert violation.path == "remote_ip_prefix"
    assert violation.message.startswith("remote_ip_prefix is unknown until apply and the rule sets no other")
    [violation] = _stack(small_catalog, _tf_rule(remote_ip_prefix=UNKNOWN, remote_group_id=UNKNOWN))
    assert violation.unknown
    assert violation.path == "remote_ip_prefix"
    assert violation.message.startswith(
        "remote_ip_prefix and remote_group_id are unknown until apply and the rule sets no other"
    )
    [violation] = _stack(small_catalog, _tf_rule(remote_group_id=UNKNOWN))
    assert violation.path == "remote_group_id"
    assert violation.message.startswith("remote_group_id is unknown until apply")


def test_a_firewall_source_unknown_until_apply_is_an_unknown_finding(small_catalog: Catalog) -> None:
    rule = terraform_resource(
        TF_FW_RULE,
        {"action": "allow", "protocol": "tcp", "destination_port": "443", "source_ip_address": None},
        after_unknown={"source_ip_address": True},
    )
    [violation] = _stack(small_catalog, rule)
    assert violation.unknown
    assert violation.path == "source_ip_address"
    assert violation.message.startswith("source_ip_address is unknown until apply")


def _pulumi_group(name: str, addresses: Any) -> Resource:
    group = pulumi_resource(ADDRESS_GROUP, {"name": name, "addresses": ["10.0.0.0/8"]}, name=name)
    group.properties["addresses"] = addresses
    return group


@pytest.mark.parametrize("first", [None, UNKNOWN])
def test_every_address_group_a_rule_may_name_is_judged(small_catalog: Catalog, first: Any) -> None:
    """A rule tied to two groups of the stack (its id unknown until apply, both among its dependencies):
    the first holding no addresses, or addresses unknown until apply, does not hide the second's public
    one."""
    empty = _pulumi_group("empty", first)
    partners = _pulumi_group("partners", ["203.0.113.0/24"])
    rule = _after(
        pulumi_resource(
            RULE,
            {
                "direction": "ingress",
                "ethertype": "IPv4",
                "protocol": "tcp",
                "portRangeMin": 443,
                "portRangeMax": 443,
                "remoteAddressGroupId": PULUMI_UNKNOWN,
                "securityGroupId": "sg",
            },
        ),
        empty,
        partners,
    )
    found = _stack(small_catalog, empty, partners, rule)
    assert [v.message.split(":")[0] for v in found if not v.unknown] == ["address group partners"]
    assert len(found) == (1 if first is None else 2)


# -- what a floating IP, a port or a listener is bound to -------------------------------------------------


def test_a_known_id_binds_to_the_target_with_that_id_beside_targets_without_one(
    small_catalog: Catalog,
) -> None:
    """port-1's id is known and named; port-2 is created in the same plan (no id yet): the floating IP is
    on port-1 whatever port-2 is."""
    open_port = _tf_port("port-1", security=False)
    new_port = terraform_resource(
        TF_PORT, {"network_id": "net-app", "port_security_enabled": True}, name="new"
    )
    fip = terraform_resource(TF_FIP_ASSOC, {"floating_ip": "203.0.113.7", "port_id": "port-1"}, name="fip")
    assert _found(small_catalog, _tf_network(), open_port, new_port, fip) == [
        ("port-1", "port_security_enabled", False)
    ]


def test_a_known_id_naming_no_known_target_is_bound_by_dependency(small_catalog: Catalog) -> None:
    """A port created in the preview has no id to compare (""), and the floating IP depends on it: it may be
    that port, so the port is exposed."""
    port = pulumi_resource(PORT, {"networkId": "net-app", "portSecurityEnabled": False}, name="vrrp")
    port.properties["id"] = ""
    fip = _after(
        pulumi_resource(FIP_ASSOC, {"floatingIp": "203.0.113.7", "portId": "port-9"}, name="fip"), port
    )
    net = _tf_network()
    assert _found(small_catalog, net, port, fip) == [("vrrp", "port_security_enabled", False)]


@pytest.mark.parametrize("port_id", [None, ""])
def test_a_floating_ip_that_names_no_port_reaches_none_it_depends_on(
    small_catalog: Catalog, port_id: str | None
) -> None:
    port = pulumi_resource(PORT, {"networkId": "net-app", "portSecurityEnabled": False}, name="vrrp")
    fip = _after(pulumi_resource(FIP, {"pool": "Ext-Net"}, name="fip"), port)
    fip.properties["port_id"] = port_id
    assert _stack(small_catalog, _tf_network(), port, fip) == []


def test_a_floating_ip_reaches_a_port_through_the_instance_it_depends_on(small_catalog: Catalog) -> None:
    """Pulumi: the association takes its port from the instance's output, so it depends on the instance,
    which depends on the port (and both on the network, walked twice)."""
    net = pulumi_resource(NETWORK, {"name": "app"}, name="app")
    port = _after(
        pulumi_resource(PORT, {"networkId": PULUMI_UNKNOWN, "portSecurityEnabled": False}, name="vrrp"), net
    )
    vm = _after(pulumi_resource(INSTANCE, {"networks": [{"port": PULUMI_UNKNOWN}]}, name="vm"), port, net)
    fip = _after(pulumi_resource(FIP_ASSOC, {"floatingIp": "203.0.113.7", "portId": PULUMI_UNKNOWN}), vm, net)
    found = _stack(small_catalog, net, port, vm, fip)
    assert [(v.resource, v.path, v.unknown) for v in found] == [(port, "port_security_enabled", False)]
    assert "floating IP res is bound to it" in found[0].message


def test_terraform_dependencies_name_resources_without_their_instance_keys(small_catalog: Catalog) -> None:
    """A Terraform plan's references name `openstack_networking_port_v2.vrrp`, the resources are
    `...vrrp[0]`: the floating IP's port is that one, directly or through the instance."""
    port = terraform_resource(
        TF_PORT,
        {"network_id": "net-app", "port_security_enabled": False},
        name="vrrp[0]",
        after_unknown={"id": True},
    )
    direct = _after(
        terraform_resource(
            TF_FIP_ASSOC,
            {"floating_ip": "203.0.113.7", "port_id": None},
            name="fip",
            after_unknown={"port_id": True},
        ),
        f"{TF_PORT}.vrrp",
    )
    assert _found(small_catalog, _tf_network(), port, direct) == [("vrrp[0]", "port_security_enabled", False)]
    vm = _after(
        terraform_resource(
            TF_INSTANCE, {"network": [{"port": None}]}, name="vm[0]", after_unknown={"id": True}
        ),
        f"{TF_PORT}.vrrp",
    )
    through = _after(
        terraform_resource(
            TF_FIP_ASSOC,
            {"floating_ip": "203.0.113.7", "port_id": None},
            name="fip",
            after_unknown={"port_id": True},
        ),
        f"{TF_INSTANCE}.vm",
    )
    assert _found(small_catalog, _tf_network(), port, vm, through) == [
        ("vrrp[0]", "port_security_enabled", False)
    ]


def test_the_stack_seen_through_the_evaluations_index(small_catalog: Catalog) -> None:
    """The engine hands the policy its index of the stack by address; judged with it or without it, with
    one evaluation's memo twice, or a second stack with a memo of its own, the verdicts are the same."""
    net = pulumi_resource(NETWORK, {"name": "app"}, name="app")
    port = _after(
        pulumi_resource(PORT, {"networkId": PULUMI_UNKNOWN, "portSecurityEnabled": False}, name="vrrp"), net
    )
    vm = _after(pulumi_resource(INSTANCE, {"networks": [{"port": PULUMI_UNKNOWN}]}, name="vm"), port)
    fip = _after(pulumi_resource(FIP_ASSOC, {"floatingIp": "203.0.113.7", "portId": PULUMI_UNKNOWN}), vm)
    stack = [net, port, vm, fip]
    indexed = Context(small_catalog, ADMIN, {r.address: r for r in stack}, {}, {})
    assert POLICY.check_stack is not None
    first = [(v.resource, v.path) for v in POLICY.check_stack(stack, indexed)]
    assert first == [(port, "port_security_enabled")]
    assert [(v.resource, v.path) for v in POLICY.check_stack(stack, indexed)] == first
    quiet = [net, port, vm]  # no floating IP: nothing reaches the port
    assert list(POLICY.check_stack(quiet, Context(small_catalog, ADMIN, {}, {}, {}))) == []
    shared = Context(small_catalog, ADMIN, {}, {}, {})
    assert list(POLICY.check_stack(quiet, shared)) == []
    assert [(v.resource, v.path) for v in POLICY.check_stack(stack, shared)] == first


# -- each port, attachment, listener, member and entry, whatever comes before it --------------------------


def test_each_port_is_judged_whatever_the_ports_before_it(small_catalog: Catalog) -> None:
    secured = _tf_port("port-0", security=True)
    unreached = _tf_port("port-1", security=False)
    exposed = _tf_port("port-2", security=False)
    fip = terraform_resource(TF_FIP_ASSOC, {"floating_ip": "203.0.113.7", "port_id": "port-2"}, name="fip")
    assert _found(small_catalog, _tf_network(), secured, unreached, exposed, fip) == [
        ("port-2", "port_security_enabled", False)
    ]


def test_a_port_on_an_instance_whose_floating_ip_cannot_be_named(small_catalog: Catalog) -> None:
    """A compute association created with an instance id unknown until apply and no dependency: it may be
    on the instance holding the port, so the finding is unknown."""
    port = _tf_port("port-1", security=False)
    vm = terraform_resource(TF_INSTANCE, {"id": "vm-1", "network": [{"port": "port-1"}]}, name="vm")
    fip = terraform_resource(
        TF_COMPUTE_FIP_ASSOC,
        {"floating_ip": "203.0.113.7", "instance_id": None},
        name="fip",
        after_unknown={"instance_id": True},
    )
    found = _stack(small_catalog, _tf_network(), port, vm, fip)
    assert [(v.resource, v.unknown) for v in found] == [(port, True)]
    assert "bound to an instance unknown until apply, which may be it" in found[0].message


def test_a_port_without_security_on_a_network_unknown_until_apply(small_catalog: Catalog) -> None:
    """Tied by its dependencies to no network of the stack (only to a subnet): the network may be an
    external one; unknown."""
    subnet = pulumi_resource("openstack:networking/subnet:Subnet", {"cidr": "10.0.0.0/24"}, name="sub")
    port = _after(
        pulumi_resource(PORT, {"networkId": PULUMI_UNKNOWN, "portSecurityEnabled": False}, name="p"), subnet
    )
    found = _stack(small_catalog, subnet, port)
    assert [(v.resource, v.unknown) for v in found] == [(port, True)]
    assert "its network is unknown until apply and may be an external one" in found[0].message


def _tf_instance(*networks: dict[str, Any], vm_id: str = "vm-1") -> Resource:
    return terraform_resource(TF_INSTANCE, {"id": vm_id, "network": list(networks)}, name="vm")


def test_each_attachment_of_an_instance_is_judged(small_catalog: Catalog) -> None:
    flat = _tf_network("net-flat", security=False)
    ext = _tf_network("ext-flat", external=True, security=False)
    kept = _tf_network("net-kept")
    own_port = _tf_port("port-1", security=True)
    vm = _tf_instance(
        {"uuid": "net-kept", "port": "port-1"},
        {"uuid": "net-kept"},
        {"uuid": "net-flat"},
        {"uuid": "ext-flat"},
    )
    # attachments 0 (its own port), 1 (a network keeping port security), 2 (internal, no floating IP): none
    found = _stack(small_catalog, flat, ext, kept, own_port, vm)
    assert [(v.resource, v.path, v.unknown) for v in found] == [(vm, "network[3]", False)]
    assert "external network ext-flat" in found[0].message


def test_an_instance_whose_floating_ip_cannot_be_named_is_an_unknown_finding(small_catalog: Catalog) -> None:
    vm = _tf_instance({"uuid": "net-flat"})
    fip = terraform_resource(
        TF_COMPUTE_FIP_ASSOC,
        {"floating_ip": "203.0.113.7", "instance_id": None},
        name="fip",
        after_unknown={"instance_id": True},
    )
    found = _stack(small_catalog, _tf_network("net-flat", security=False), vm, fip)
    assert [(v.resource, v.path, v.unknown) for v in found] == [(vm, "network[0]", True)]


def _tf_listener(name: str, lb: str, cidrs: list[str] | None) -> Resource:
    after = {"loadbalancer_id": lb, "protocol": "HTTPS", "protocol_port": 443, "allowed_cidrs": cidrs}
    return terraform_resource(TF_LISTENER, after, name=name)


def test_each_listener_is_judged_whatever_the_listeners_before_it(small_catalog: Catalog) -> None:
    exposed = terraform_resource(
        TF_LB, {"id": "lb-1", "vip_port_id": "vip-1", "vip_address": "10.0.0.10"}, name="lb1"
    )
    internal = terraform_resource(
        TF_LB, {"id": "lb-2", "vip_port_id": "vip-2", "vip_address": "10.0.0.20"}, name="lb2"
    )
    fip = terraform_resource(TF_FIP_ASSOC, {"floating_ip": "203.0.113.8", "port_id": "vip-1"}, name="fip")
    closed = _tf_listener("closed", "lb-1", ["10.0.0.0/8"])
    inside = _tf_listener("inside", "lb-2", None)
    open_ = _tf_listener("open", "lb-1", None)
    assert _found(small_catalog, exposed, internal, fip, closed, inside, open_) == [
        ("open", "allowed_cidrs", False)
    ]


def test_a_vip_on_a_network_the_stack_does_not_hold(small_catalog: Catalog) -> None:
    balancer = terraform_resource(
        TF_LB, {"id": "lb-1", "vip_address": "10.0.0.10", "vip_network_id": "net-elsewhere"}, name="lb"
    )
    found = _stack(small_catalog, balancer, _tf_listener("open", "lb-1", None))
    assert [(v.path, v.unknown) for v in found] == [("allowed_cidrs", False)]
    assert "its network 'net-elsewhere' is not in this stack" in found[0].message


def test_a_listener_admitting_an_unknown_cidr_is_an_unknown_finding(small_catalog: Catalog) -> None:
    balancer = terraform_resource(TF_LB, {"id": "lb-1", "vip_address": "203.0.113.20"}, name="lb")
    listener = _tf_listener("open", "lb-1", ["10.0.0.0/8"])
    listener.properties["allowed_cidrs"] = ["10.0.0.0/8", UNKNOWN]
    found = _stack(small_catalog, balancer, listener)
    assert [(v.path, v.unknown) for v in found] == [("allowed_cidrs", True)]
    assert found[0].message.startswith("allowed_cidrs is unknown until apply")
