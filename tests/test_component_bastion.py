"""Bastion: the only SSH entry; keys only, hardened by cloud-init, reachable from the admin ranges only."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import yaml
from component_support import (
    CATALOG,
    PUBLIC_KEY,
    Run,
    assert_labelled,
    bastion_args,
    make_bastion,
    make_network,
    mandatory,
    policy_check,
)
from souverain.components import Bastion, BastionArgs
from souverain.components._common import ComponentRefusedError

INSTANCE = "openstack:compute/instance:Instance"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
PORT = "openstack:networking/port:Port"


@pytest.fixture(scope="module")
def run() -> Run:
    def program() -> None:
        make_bastion(make_network())

    return Run(program)


def test_instance_keys_only_no_password(run: Run) -> None:
    [component] = run.of_type("souverain:bastion:Bastion")
    instance = run.one(INSTANCE, "bastion")
    assert instance.parent == component.address
    assert instance.properties["key_pair"] == "bastion-key"
    assert "admin_pass" not in instance.properties
    assert instance.properties["networks"] == [{"port": "bastion-port_id"}]
    keypair = run.one("openstack:compute/keypair:Keypair", "bastion-key")
    assert keypair.properties["public_key"] == PUBLIC_KEY


def test_cloud_init_hardens_ssh_and_logs_sessions(run: Run) -> None:
    user_data = run.one(INSTANCE, "bastion").properties["user_data"]
    assert user_data.startswith("#cloud-config\n")
    document = yaml.safe_load(user_data)
    assert document["ssh_pwauth"] is False
    assert document["disable_root"] is True
    assert "auditd" in document["packages"]
    files = {f["path"]: f["content"] for f in document["write_files"]}
    sshd = files["/etc/ssh/sshd_config.d/00-souverain.conf"].splitlines()
    for line in ("PasswordAuthentication no", "PermitRootLogin no", "AuthenticationMethods publickey"):
        assert line in sshd
    assert "AllowTcpForwarding yes" in sshd  # ssh -J through the bastion
    assert "-S execve" in files["/etc/audit/rules.d/50-souverain.rules"]
    commands = [" ".join(c) for c in document["runcmd"]]
    assert any("pam_tty_audit.so enable=*" in c for c in commands)
    assert not any("log_passwd" in c for c in commands)  # TTY auditing must not record typed passwords


def test_port_security_and_floating_ip(run: Run) -> None:
    port = run.one(PORT, "bastion-port")
    assert port.properties["port_security_enabled"] is True
    assert port.properties["security_group_ids"] == ["bastion-sg_id", "hdh-admin-sg_id"]
    assert port.properties["network_id"] == "hdh-admin-net_id"
    fip = run.one("openstack:networking/floatingIp:FloatingIp", "bastion-fip")
    assert fip.properties["pool"] == "ext-net"
    assoc = run.one("openstack:networking/floatingIpAssociate:FloatingIpAssociate", "bastion-fip")
    assert assoc.properties["port_id"] == "bastion-port_id"
    assert assoc.properties["floating_ip"].startswith("203.0.113.")
    [component] = run.of_type("souverain:bastion:Bastion")
    assert run.outputs[component.address]["public_ip"] == assoc.properties["floating_ip"]
    assert run.outputs[component.address]["security_group_id"] == "bastion-sg_id"


def test_ssh_from_admin_ranges_only(run: Run) -> None:
    ssh_in = [
        r.properties
        for r in run.of_type(RULE)
        if r.properties["direction"] == "ingress" and r.properties.get("port_range_min") == 22
    ]
    from_ranges = [r for r in ssh_in if "remote_ip_prefix" in r]
    assert sorted((r["remote_ip_prefix"], r["ethertype"]) for r in from_ranges) == [
        ("192.0.2.0/28", "IPv4"),
        ("2001:db8:10::/48", "IPv6"),
    ]
    assert {r["security_group_id"] for r in from_ranges} == {"bastion-sg_id"}
    # every tier accepts SSH only from the bastion's group
    from_group = [r for r in ssh_in if "remote_ip_prefix" not in r]
    assert {r["security_group_id"] for r in from_group} == {
        "hdh-admin-sg_id",
        "hdh-app-sg_id",
        "hdh-data-sg_id",
    }
    assert {r["remote_group_id"] for r in from_group} == {"bastion-sg_id"}
    egress = [r for r in run.of_type(RULE) if r.properties["security_group_id"] == "bastion-sg_id"]
    assert {r.properties["direction"] for r in egress} == {"ingress", "egress"}
    assert all(
        r.properties.get("remote_group_id", "").startswith("hdh-")
        for r in egress
        if r.properties["direction"] == "egress"
    )


def test_labels_and_policies(run: Run) -> None:
    assert_labelled(run.resources)
    assert mandatory(run.resources) == []


def test_policies_flag_ssh_from_ranges_outside_the_admin_ranges(run: Run) -> None:
    """The same resources checked against other admin ranges: the bastion rules are then public ingress."""
    findings = policy_check(run.resources, admin_ranges=("198.51.100.0/24",)).mandatory
    flagged = {f.resource.rsplit("::", 1)[-1] for f in findings if f.policy == "no-public-ingress"}
    assert flagged == {"bastion-ssh-from-admin-0", "bastion-ssh-from-admin-1"}


def test_existing_keypair_creates_no_keypair() -> None:
    def program() -> None:
        make_bastion(make_network(), public_key=None, key_pair="ops-2026")

    run = Run(program)
    assert run.one(INSTANCE, "bastion").properties["key_pair"] == "ops-2026"
    assert run.of_type("openstack:compute/keypair:Keypair") == []


def rsa_key(bits: int) -> str:
    def string(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    modulus = (1 << (bits - 1)) | 1
    blob = string(b"ssh-rsa") + string(b"\x01\x00\x01") + string(b"\x00" + modulus.to_bytes(bits // 8, "big"))
    return "ssh-rsa " + base64.b64encode(blob).decode()


@pytest.mark.parametrize(
    ("overrides", "loc", "message"),
    [
        ({"public_key": None}, ("public_key",), "an SSH key is required"),
        ({"key_pair": "ops"}, ("public_key",), "exactly one of key_pair and public_key"),
        ({"public_key": "ssh-dss AAAAB3NzaC1kc3M="}, ("public_key",), "accepted type"),
        ({"public_key": "ssh-ed25519 bm90IGEga2V5"}, ("public_key",), "not a valid key"),
        ({"public_key": rsa_key(2048)}, ("public_key",), "2048 bits"),
        ({"admin_ranges": ["0.0.0.0/0"]}, ("admin_ranges",), "whole internet"),
        ({"admin_ranges": ["::/0"]}, ("admin_ranges",), "whole internet"),
        ({"admin_ranges": ["192.0.2.0/28", "10.0.0.0/7"]}, ("admin_ranges",), "broader than /8"),
        ({"admin_ranges": []}, ("admin_ranges",), "at least 1"),
        ({"admin_ranges": ["not-a-range"]}, ("admin_ranges", 0), "CIDR notation"),
        ({"image_id": "abc"}, ("image_id",), "exactly one of image_name and image_id"),
        ({"admin_pass": "x"}, ("admin_pass",), "not an argument"),
        ({"region": "NUA-PAR-2"}, ("region",), "differs from the region of the network"),
    ],
)
def test_refused_before_the_bastion_registers_anything(
    overrides: dict[str, Any], loc: tuple[Any, ...], message: str
) -> None:
    seen: list[ComponentRefusedError] = []

    def program() -> None:
        network = make_network(tiers={"admin": {"cidr": "10.20.0.0/24"}}, flows=[])  # small: fast
        with pytest.raises(ComponentRefusedError) as info:
            Bastion("bastion", bastion_args(**overrides), network=network, catalog=CATALOG)
        seen.append(info.value)

    run = Run(program)
    assert loc in [tuple(e["loc"][:2]) for e in seen[0].errors()], seen[0]
    assert message in str(seen[0])
    assert not [r for r in run.registered() if "bastion" in r.address]


def test_rsa_of_3072_bits_is_accepted() -> None:
    args = BastionArgs.model_validate(bastion_args(public_key=rsa_key(3072)), context={"catalog": CATALOG})
    assert args.public_key is not None


def test_admin_tier_must_be_on_the_edge() -> None:
    seen: list[Exception] = []

    def program() -> None:
        network = make_network(
            tiers={"admin": {"cidr": "10.20.0.0/24", "edge": False}, "data": {"cidr": "10.20.2.0/24"}},
            flows=[],
            external_network=None,
        )
        with pytest.raises(ValueError, match="admin is not on the edge router of network 'hdh'") as info:
            Bastion("bastion", bastion_args(), network=network, catalog=CATALOG)
        seen.append(info.value)

    run = Run(program)
    assert seen
    assert not [r for r in run.registered() if "bastion" in r.address]
