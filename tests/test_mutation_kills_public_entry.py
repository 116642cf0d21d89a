"""no-public-ingress's sanctioned public entry, built by hand in Terraform's and Pulumi's shapes.

Written against mutants of `policies/no_public_ingress.py` that survived the policy's own tests (the
public entry is otherwise tested through the PublicEntry component, outside the mutation target's fast
selection): the TLS listener's certificate and versions, the HTTP redirect, the VIP's rules, the pools and
members behind it. Each expected verdict is written by hand from the rule in the policy's comment: the tag
`public_entry=https` AND a TLS listener on 443 with a certificate and no TLS older than 1.2; then an HTTP
listener on 80 that only redirects to https, the VIP's tcp/443 (and tcp/80) rules, and private members.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.no_public_ingress import POLICY

from souverain.catalog import Catalog
from souverain.model import UNKNOWN, Resource
from souverain.policy import Settings, Violation

ADMIN = Settings(admin_ranges=(ipaddress.ip_network("198.51.100.0/24"),))
CERT = "https://key-manager.nuage.test/v1/containers/0f9c5c1e-3c2a-4c55-9a43-2d1c1f1e0a11"
PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _stack(catalog: Catalog, resources: dict[str, Resource]) -> list[Violation]:
    assert POLICY.check_stack is not None
    found = list(POLICY.check_stack(list(resources.values()), context(catalog, ADMIN)))
    assert all(violation.resource is not None for violation in found)
    return found


def _named(found: list[Violation]) -> list[tuple[str, str | None]]:
    """(resource name, path) of each finding, sorted."""
    return sorted((v.resource.name if v.resource else "", v.path) for v in found)


def _tf(tf_type: str, name: str, after: dict[str, Any], **unknown: bool) -> Resource:
    return terraform_resource(tf_type, after, name=name, after_unknown=dict(unknown) or None)


def terraform_entry() -> dict[str, Resource]:
    """A Terraform public entry with known ids: tagged load balancer, floating IP on its VIP port, TLS
    listener, HTTP redirect listener and its L7 policy, tcp/443 and tcp/80 from anywhere on the VIP's
    security group, a pool on the TLS listener with one private member."""
    resources = [
        _tf(
            "openstack_lb_loadbalancer_v2",
            "www",
            {
                "id": "lb-1",
                "vip_port_id": "vip-port",
                "vip_address": "10.50.0.10",
                "security_group_ids": ["sg-vip"],
                "tags": ["public_entry=https"],
            },
        ),
        _tf(
            "openstack_networking_floatingip_associate_v2",
            "www-fip",
            {"floating_ip": "203.0.113.8", "port_id": "vip-port"},
        ),
        _tf("openstack_networking_secgroup_v2", "www-vip-sg", {"id": "sg-vip", "name": "www-vip"}),
        _tf(
            "openstack_lb_listener_v2",
            "www-https",
            {
                "id": "l-https",
                "loadbalancer_id": "lb-1",
                "protocol": "TERMINATED_HTTPS",
                "protocol_port": 443,
                "default_tls_container_ref": CERT,
                "tls_versions": ["TLSv1.2", "TLSv1.3"],
                "allowed_cidrs": None,
            },
        ),
        _tf(
            "openstack_lb_listener_v2",
            "www-http",
            {
                "id": "l-http",
                "loadbalancer_id": "lb-1",
                "protocol": "HTTP",
                "protocol_port": 80,
                "default_pool_id": None,
                "allowed_cidrs": None,
            },
        ),
        _tf(
            "openstack_lb_l7policy_v2",
            "www-to-https",
            {
                "id": "l7-1",
                "listener_id": "l-http",
                "action": "REDIRECT_PREFIX",
                "redirect_prefix": "https://www.example.fr",
            },
        ),
        *(
            _tf(
                "openstack_networking_secgroup_rule_v2",
                f"www-vip-tcp-{port}-in",
                {
                    "direction": "ingress",
                    "ethertype": "IPv4",
                    "protocol": "tcp",
                    "port_range_min": port,
                    "port_range_max": port,
                    "remote_ip_prefix": "0.0.0.0/0",
                    "security_group_id": "sg-vip",
                },
            )
            for port in (443, 80)
        ),
        _tf(
            "openstack_lb_pool_v2", "www-pool", {"id": "pool-1", "listener_id": "l-https", "protocol": "HTTP"}
        ),
        _tf("openstack_lb_member_v2", "www-app-1", {"pool_id": "pool-1", "address": "10.50.1.10"}),
    ]
    return {resource.name: resource for resource in resources}


ALL_OPEN = [
    ("www-http", "allowed_cidrs"),
    ("www-https", "allowed_cidrs"),
    ("www-vip-tcp-443-in", "remote_ip_prefix"),
    ("www-vip-tcp-80-in", "remote_ip_prefix"),
]
"""What a load balancer that is no sanctioned entry lets in: both listeners and both VIP rules."""


def test_the_terraform_entry_is_sanctioned_and_untagged_it_is_not(small_catalog: Catalog) -> None:
    entry = terraform_entry()
    assert _stack(small_catalog, entry) == []
    del entry["www"].tags["public_entry"]
    assert _named(_stack(small_catalog, entry)) == ALL_OPEN


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("default_tls_container_ref", None),  # no certificate from the key manager
        ("default_tls_container_ref", ""),
        ("default_tls_container_ref", ["not", "a", "reference"]),
        ("tls_versions", ["TLSv1.1", "TLSv1.2"]),
        ("tls_versions", ["TLSv1.2", 12]),  # a version that is no name cannot be shown to be recent
        ("protocol", "HTTPS"),  # TLS passthrough: not terminated by the load balancer
        ("protocol_port", 8443),
    ],
)
def test_a_tls_listener_without_a_certificate_or_with_old_tls_sanctions_nothing(
    small_catalog: Catalog, prop: str, value: Any
) -> None:
    entry = terraform_entry()
    entry["www-https"].properties[prop] = value
    assert _named(_stack(small_catalog, entry)) == ALL_OPEN


def test_tls_versions_unknown_until_apply_may_be_old_ones(small_catalog: Catalog) -> None:
    entry = terraform_entry()
    entry["www-https"].properties["tls_versions"] = UNKNOWN
    assert _named(_stack(small_catalog, entry)) == ALL_OPEN


def test_unset_tls_versions_are_octavias_default_and_a_certificate_unknown_until_apply_is_one(
    small_catalog: Catalog,
) -> None:
    """Octavia's default is TLS 1.2 and later; a certificate reference from the key manager created in the
    same plan is unknown until apply, and is a certificate."""
    entry = terraform_entry()
    entry["www-https"].properties["tls_versions"] = None
    assert _stack(small_catalog, entry) == []
    entry["www-https"].properties["default_tls_container_ref"] = UNKNOWN
    assert _stack(small_catalog, entry) == []


def test_without_the_redirect_port_80_is_not_sanctioned(small_catalog: Catalog) -> None:
    entry = terraform_entry()
    del entry["www-to-https"]
    # the HTTP listener serves nothing and redirects nowhere: it is no redirect, and tcp/80 is not the
    # entry's port; the TLS listener and tcp/443 stay sanctioned
    assert _named(_stack(small_catalog, entry)) == [
        ("www-http", "allowed_cidrs"),
        ("www-vip-tcp-80-in", "remote_ip_prefix"),
    ]


@pytest.mark.parametrize(
    ("policy", "listener"),
    [
        ({"action": "REDIRECT_PREFIX", "redirect_prefix": "http://www.example.fr"}, {}),
        ({"action": "REJECT"}, {}),
        ({}, {"protocol": "TCP"}),
        ({}, {"protocol_port": 8080}),
        ({}, {"default_pool_id": "pool-1"}),
    ],
)
def test_an_http_listener_that_does_not_only_redirect_to_https_is_not_sanctioned(
    small_catalog: Catalog, policy: dict[str, Any], listener: dict[str, Any]
) -> None:
    entry = terraform_entry()
    entry["www-to-https"].properties.update(policy)
    entry["www-http"].properties.update(listener)
    assert _named(_stack(small_catalog, entry)) == [
        ("www-http", "allowed_cidrs"),
        ("www-vip-tcp-80-in", "remote_ip_prefix"),
    ]


def test_an_http_listener_with_a_pool_of_its_own_is_not_a_redirect(small_catalog: Catalog) -> None:
    entry = terraform_entry()
    entry["www-http-pool"] = _tf(
        "openstack_lb_pool_v2", "www-http-pool", {"id": "pool-2", "listener_id": "l-http"}
    )
    assert _named(_stack(small_catalog, entry)) == [
        ("www-http", "allowed_cidrs"),
        ("www-vip-tcp-80-in", "remote_ip_prefix"),
    ]


@pytest.mark.parametrize(
    ("changes", "unknown"),
    [
        ({"port_range_max": 444}, False),  # two ports: not exactly 443
        ({"protocol": "udp"}, False),
        ({"direction": UNKNOWN}, True),  # may be ingress: judged, not sanctioned
        ({"security_group_id": "sg-other"}, False),  # not a rule of the VIP's group
    ],
)
def test_only_exactly_tcp_443_on_the_vips_group_is_sanctioned(
    small_catalog: Catalog, changes: dict[str, Any], unknown: bool
) -> None:
    entry = terraform_entry()
    entry["www-vip-tcp-443-in"].properties.update(changes)
    [violation] = _stack(small_catalog, entry)
    assert violation.resource is entry["www-vip-tcp-443-in"]
    assert violation.path == "remote_ip_prefix"
    assert violation.unknown is unknown


def test_a_firewall_rule_on_443_is_not_a_vip_rule(small_catalog: Catalog) -> None:
    """Only security-group rules of the VIP's groups are the entry's; an FWaaS rule allowing tcp/443 from
    anywhere is judged like any other."""
    entry = terraform_entry()
    entry["fw-443"] = _tf(
        "openstack_fw_rule_v2",
        "fw-443",
        {
            "action": "allow",
            "protocol": "tcp",
            "destination_port": "443",
            "source_ip_address": None,
            "security_group_id": "sg-vip",
            "direction": "ingress",
            "port_range_min": 443,
            "port_range_max": 443,
        },
    )
    [violation] = _stack(small_catalog, entry)
    assert violation.resource is entry["fw-443"]
    assert violation.path == "source_ip_address"


def test_the_vips_groups_are_each_of_its_security_group_ids(small_catalog: Catalog) -> None:
    entry = terraform_entry()
    entry["www"].properties["security_group_ids"] = ["sg-admin", "sg-vip"]
    assert _stack(small_catalog, entry) == []
    entry["www"].properties["security_group_ids"] = UNKNOWN  # no group the plan shows: no rule sanctioned
    assert _named(_stack(small_catalog, entry)) == [
        ("www-vip-tcp-443-in", "remote_ip_prefix"),
        ("www-vip-tcp-80-in", "remote_ip_prefix"),
    ]


@pytest.mark.parametrize(
    "pool",
    [
        {"id": "pool-1", "listener_id": "l-https"},  # the TLS listener's pool
        {"id": "pool-1", "loadbalancer_id": "lb-1"},  # the load balancer's pool
    ],
)
def test_a_public_member_behind_the_entry_is_a_finding(small_catalog: Catalog, pool: dict[str, Any]) -> None:
    entry = terraform_entry()
    entry["www-pool"].properties.clear()
    entry["www-pool"].properties.update(pool)
    assert _stack(small_catalog, entry) == []
    entry["www-app-1"].properties["address"] = "203.0.113.50"
    [violation] = _stack(small_catalog, entry)
    assert violation.resource is entry["www-app-1"]
    assert violation.path == "address"
    assert "member 203.0.113.50 of the public entry www is a public address" in violation.message


def test_members_of_a_pool_on_another_listener_are_not_the_entrys(small_catalog: Catalog) -> None:
    entry = terraform_entry()
    entry["www-pool"].properties["listener_id"] = "l-elsewhere"
    entry["www-app-1"].properties["address"] = "203.0.113.50"
    assert _stack(small_catalog, entry) == []


def test_terraform_members_blocks_are_each_judged(small_catalog: Catalog) -> None:
    """`openstack_lb_members_v2` lists its members in `member` blocks."""
    entry = terraform_entry()
    del entry["www-app-1"]
    entry["www-members"] = _tf(
        "openstack_lb_members_v2",
        "www-members",
        {"pool_id": "pool-1", "member": [{"address": "10.50.1.10"}, {"address": "192.0.2.44"}]},
    )
    [violation] = _stack(small_catalog, entry)
    assert violation.resource is entry["www-members"]
    assert violation.path == "member[1].address"
    assert "member 192.0.2.44 of the public entry www" in violation.message


def _pulumi(token: str, name: str, inputs: dict[str, Any], *after: Resource) -> Resource:
    resource = pulumi_resource(token, inputs, name=name)
    resource.dependencies = tuple(other.address for other in after)
    return resource


def pulumi_entry(*members: str) -> dict[str, Resource]:
    """The same entry as a Pulumi preview writes it: ids unknown until apply, tied by dependencies; the
    members in one `Members` resource."""
    balancer = _pulumi(
        "openstack:loadbalancer/loadBalancer:LoadBalancer",
        "www",
        {"vipSubnetId": PULUMI_UNKNOWN, "securityGroupIds": [PULUMI_UNKNOWN], "tags": ["public_entry=https"]},
    )
    group = _pulumi("openstack:networking/secGroup:SecGroup", "www-vip-sg", {"name": "www-vip"})
    balancer.dependencies = (group.address,)
    tls = _pulumi(
        "openstack:loadbalancer/listener:Listener",
        "www-https",
        {
            "loadbalancerId": PULUMI_UNKNOWN,
            "protocol": "TERMINATED_HTTPS",
            "protocolPort": 443,
            "defaultTlsContainerRef": CERT,
        },
        balancer,
    )
    rule = _pulumi(
        "openstack:networking/secGroupRule:SecGroupRule",
        "www-vip-tcp-443-in",
        {
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "portRangeMin": 443,
            "portRangeMax": 443,
            "remoteIpPrefix": "0.0.0.0/0",
            "securityGroupId": PULUMI_UNKNOWN,
        },
        group,
    )
    fip = _pulumi(
        "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
        "www-fip",
        {"floatingIp": "203.0.113.8", "portId": PULUMI_UNKNOWN},
        balancer,
    )
    pool = _pulumi(
        "openstack:loadbalancer/pool:Pool",
        "www-pool",
        {"listenerId": PULUMI_UNKNOWN, "protocol": "HTTP"},
        tls,
    )
    listed = _pulumi(
        "openstack:loadbalancer/members:Members",
        "www-members",
        {"poolId": PULUMI_UNKNOWN, "members": [{"address": address} for address in members]},
        pool,
    )
    return {resource.name: resource for resource in (balancer, group, tls, rule, fip, pool, listed)}


def test_the_pulumi_entry_and_its_members(small_catalog: Catalog) -> None:
    assert _stack(small_catalog, pulumi_entry("10.50.1.10", "10.50.1.11")) == []
    entry = pulumi_entry("10.50.1.10", "198.18.0.1", "2001:db8::1")
    assert _named(_stack(small_catalog, entry)) == [
        ("www-members", "members[1].address"),
        ("www-members", "members[2].address"),
    ]
    del entry["www"].tags["public_entry"]
    assert _named(_stack(small_catalog, entry)) == [
        ("www-https", "allowed_cidrs"),
        ("www-vip-tcp-443-in", "remote_ip_prefix"),
    ]


def test_each_member_and_each_tagged_load_balancer_is_judged(small_catalog: Catalog) -> None:
    """A member of another pool listed first does not hide the entry's public member; a tagged load
    balancer without a TLS listener listed first does not hide the entry after it."""
    entry = terraform_entry()
    other = _tf("openstack_lb_member_v2", "elsewhere", {"pool_id": "pool-9", "address": "10.9.0.1"})
    public = entry.pop("www-app-1")
    public.properties["address"] = "203.0.113.50"
    tagged = _tf(
        "openstack_lb_loadbalancer_v2",
        "draft",
        {"id": "lb-0", "vip_address": "10.50.0.99", "tags": ["public_entry=https"]},
    )
    stack = {"draft": tagged, **entry, "elsewhere": other, "www-app-1": public}
    assert _named(_stack(small_catalog, stack)) == [("www-app-1", "address")]


def test_ports_written_as_digits_are_ports(small_catalog: Catalog) -> None:
    """Some shapes write ports as text: "443" is port 443; "443.0" or "https" is no port, so the rule is not
    exactly tcp/443."""
    entry = terraform_entry()
    entry["www-https"].properties["protocol_port"] = "443"
    entry["www-vip-tcp-443-in"].properties.update({"port_range_min": "443", "port_range_max": "443"})
    assert _stack(small_catalog, entry) == []
    for text in ("443.0", "https"):
        entry["www-vip-tcp-443-in"].properties["port_range_min"] = text
        [violation] = _stack(small_catalog, entry)
        assert violation.resource is entry["www-vip-tcp-443-in"]
