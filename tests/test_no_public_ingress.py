"""no-public-ingress: security-group and firewall rules, IPv4 and IPv6, Pulumi and Terraform spellings."""

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
TF_FW_RULE = "openstack_fw_rule_v2"
ADMIN = Settings(
    admin_ranges=(ipaddress.ip_network("198.51.100.0/24"), ipaddress.ip_network("2001:db8:ad::/48"))
)


def _violations(resource: Resource, catalog: Catalog, settings: Settings = ADMIN) -> list[Violation]:
    assert POLICY.check_resource is not None
    return list(POLICY.check_resource(resource, context(catalog, settings)))


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
