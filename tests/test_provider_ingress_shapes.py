"""no-public-ingress over the shapes each provider writes its rules in, beyond the fixtures: defaults,
deprecated fields, ranges, unknown values, rules that admit nothing. Verdicts written by hand."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace as dc_replace
from typing import Any

import pytest
from conftest import SMALL_CATALOG, context, pulumi_resource, terraform_resource
from hypothesis import given, settings
from hypothesis import strategies as st
from souverain.policies import no_plaintext_secret, no_public_ingress

from souverain import facets
from souverain.catalog import Catalog, load_catalog
from souverain.engine import evaluate
from souverain.model import Operation, Resource
from souverain.policy import Settings

ADMIN = "198.51.100.0/24"
SETTINGS = Settings(admin_ranges=(ipaddress.ip_network(ADMIN), ipaddress.ip_network("2001:db8:ad::/48")))
UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _verdicts(resource: Resource, catalog: Catalog) -> list[tuple[str | None, bool]]:
    """(path, unknown) of each no-public-ingress finding."""
    return [(v.path, v.unknown) for v in no_public_ingress.check(resource, context(catalog, SETTINGS))]


# --- Scaleway ------------------------------------------------------------------------------------------

SCW_SG = "scaleway:instance/securityGroup:SecurityGroup"


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        # the default policy, unset or explicit, accept: open whatever the rules
        ({}, [("inbound_default_policy", False)]),
        ({"inboundDefaultPolicy": "ACCEPT"}, [("inbound_default_policy", False)]),
        ({"inboundDefaultPolicy": UNKNOWN_SENTINEL}, [("inbound_default_policy", True)]),
        ({"inboundDefaultPolicy": "drop"}, []),
        # the deprecated `ip` field is a source like `ip_range`
        (
            {"inboundDefaultPolicy": "drop", "inboundRules": [{"action": "accept", "ip": "203.0.113.7"}]},
            [("inbound_rules[0].ip", False)],
        ),
        # drop rules admit nothing, whatever their source
        ({"inboundDefaultPolicy": "drop", "inboundRules": [{"action": "drop", "ipRange": "0.0.0.0/0"}]}, []),
        # SSH only from the admin range, as a single port or as a one-port range: the bastion exception
        (
            {
                "inboundDefaultPolicy": "drop",
                "inboundRules": [{"action": "accept", "port": 22, "ipRange": ADMIN}],
            },
            [],
        ),
        (
            {
                "inboundDefaultPolicy": "drop",
                "inboundRules": [{"action": "accept", "portRange": "22-22", "ipRange": ADMIN}],
            },
            [],
        ),
        # no port: every port; ANY: every protocol; UDP 22 is not SSH
        (
            {"inboundDefaultPolicy": "drop", "inboundRules": [{"action": "accept", "ipRange": ADMIN}]},
            [("inbound_rules[0].ip_range", False)],
        ),
        (
            {
                "inboundDefaultPolicy": "drop",
                "inboundRules": [{"action": "accept", "protocol": "ANY", "port": 22, "ipRange": ADMIN}],
            },
            [("inbound_rules[0].ip_range", False)],
        ),
        (
            {
                "inboundDefaultPolicy": "drop",
                "inboundRules": [{"action": "accept", "protocol": "UDP", "port": 22, "ipRange": ADMIN}],
            },
            [("inbound_rules[0].ip_range", False)],
        ),
        # IPv6: the whole internet, and a private range
        (
            {
                "inboundDefaultPolicy": "drop",
                "inboundRules": [{"action": "accept", "port": 443, "ipRange": "::/0"}],
            },
            [("inbound_rules[0].ip_range", False)],
        ),
        (
            {
                "inboundDefaultPolicy": "drop",
                "inboundRules": [{"action": "accept", "port": 443, "ipRange": "fd00:10::/64"}],
            },
            [],
        ),
        # an action unknown until apply: judged, and marked unknown
        (
            {
                "inboundDefaultPolicy": "drop",
                "inboundRules": [{"action": UNKNOWN_SENTINEL, "port": 443, "ipRange": "0.0.0.0/0"}],
            },
            [("inbound_rules[0].ip_range", True)],
        ),
        # outbound rules are not ingress
        (
            {"inboundDefaultPolicy": "drop", "outboundRules": [{"action": "accept", "ipRange": "0.0.0.0/0"}]},
            [],
        ),
    ],
)
def test_scaleway_security_group(inputs: dict[str, Any], expected: list[Any], small_catalog: Catalog) -> None:
    assert _verdicts(pulumi_resource(SCW_SG, inputs), small_catalog) == expected


# --- Google (S3NS) ---------------------------------------------------------------------------------------

FIREWALL = "google_compute_firewall"


def _firewall(after: dict[str, Any], unknown: dict[str, Any] | None = None) -> Resource:
    return terraform_resource(FIREWALL, {"allow": [], "deny": [], **after}, after_unknown=unknown)


@pytest.mark.parametrize(
    ("after", "unknown", "expected"),
    [
        # direction unset shows unknown in a plan (Optional+Computed): the default, INGRESS, is judged
        (
            {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["80"]}]},
            {"direction": True},
            [("source_ranges[0]", False)],
        ),
        (
            {"direction": "EGRESS", "destination_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "all"}]},
            None,
            [],
        ),
        # a deny firewall admits nothing
        ({"source_ranges": ["0.0.0.0/0"], "deny": [{"protocol": "all"}]}, None, []),
        # disabled: admits nothing; disabled unknown until apply: judged, marked unknown
        ({"source_ranges": ["0.0.0.0/0"], "disabled": True, "allow": [{"protocol": "tcp"}]}, None, []),
        (
            {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp"}]},
            {"disabled": True},
            [("source_ranges[0]", True)],
        ),
        # several sources: each public one is a finding of its own; the private one is not
        (
            {
                "source_ranges": ["10.0.0.0/8", "203.0.113.0/24", "::/0"],
                "allow": [{"protocol": "tcp", "ports": ["443"]}],
            },
            None,
            [("source_ranges[1]", False), ("source_ranges[2]", False)],
        ),
        # source ranges OR tags: a public range stays open even with tags
        (
            {
                "source_ranges": ["0.0.0.0/0"],
                "source_tags": ["web"],
                "allow": [{"protocol": "tcp", "ports": ["443"]}],
            },
            None,
            [("source_ranges[0]", False)],
        ),
        # tags or service accounts alone: instances of the network, no address
        (
            {"source_service_accounts": ["app@hdh.iam"], "allow": [{"protocol": "tcp", "ports": ["443"]}]},
            None,
            [],
        ),
        # a source list unknown until apply
        (
            {"allow": [{"protocol": "tcp", "ports": ["443"]}]},
            {"source_ranges": True},
            [("source_ranges", True)],
        ),
        # the admin range: tcp 22 alone passes; a range of ports, a second block or no ports do not
        ({"source_ranges": [ADMIN], "allow": [{"protocol": "tcp", "ports": ["22"]}]}, None, []),
        (
            {"source_ranges": [ADMIN], "allow": [{"protocol": "TCP", "ports": ["20-25"]}]},
            None,
            [("source_ranges[0]", False)],
        ),
        (
            {"source_ranges": [ADMIN], "allow": [{"protocol": "tcp", "ports": ["22"]}, {"protocol": "icmp"}]},
            None,
            [("source_ranges[0]", False)],
        ),
        ({"source_ranges": [ADMIN], "allow": [{"protocol": "tcp"}]}, None, [("source_ranges[0]", False)]),
    ],
)
def test_google_firewall(
    after: dict[str, Any], unknown: dict[str, Any] | None, expected: list[Any], small_catalog: Catalog
) -> None:
    assert sorted(_verdicts(_firewall(after, unknown), small_catalog)) == sorted(expected)


def test_google_firewall_pulumi_shape(small_catalog: Catalog) -> None:
    """pulumi-gcp names the blocks `allows`/`denies` and sends nothing for an unset direction."""
    open_ = pulumi_resource(
        "gcp:compute/firewall:Firewall", {"sourceRanges": ["0.0.0.0/0"], "allows": [{"protocol": "tcp"}]}
    )
    denied = pulumi_resource(
        "gcp:compute/firewall:Firewall", {"sourceRanges": ["0.0.0.0/0"], "denies": [{"protocol": "all"}]}
    )
    assert _verdicts(open_, small_catalog) == [("source_ranges[0]", False)]
    assert _verdicts(denied, small_catalog) == []


# --- Outscale -------------------------------------------------------------------------------------------

RULE = "outscale_security_group_rule"


@pytest.mark.parametrize(
    ("after", "unknown", "expected"),
    [
        ({"flow": "Outbound", "ip_protocol": "-1", "ip_range": "0.0.0.0/0"}, None, []),
        # ip_protocol unset: -1, every protocol, so not SSH even on port 22
        (
            {"flow": "Inbound", "from_port_range": 22, "to_port_range": 22, "ip_range": ADMIN},
            None,
            [("ip_range", False)],
        ),
        (
            {
                "flow": "Inbound",
                "ip_protocol": "tcp",
                "from_port_range": 22,
                "to_port_range": 22,
                "ip_range": ADMIN,
            },
            None,
            [],
        ),
        # a linked group instead of a range: no address
        (
            {
                "flow": "Inbound",
                "ip_protocol": "tcp",
                "from_port_range": 443,
                "to_port_range": 443,
                "security_group_name_to_link": "lb",
            },
            None,
            [],
        ),
        # neither a range nor a group: what it admits is not in the plan, so it is not shown closed
        (
            {"flow": "Inbound", "ip_protocol": "tcp", "from_port_range": 443, "to_port_range": 443},
            None,
            [("ip_range", False)],
        ),
        # the `rules` form: the flat fields are not used; each rule's ranges are judged
        (
            {
                "flow": "Inbound",
                "rules": [
                    {"ip_protocol": "tcp", "from_port_range": 22, "to_port_range": 22, "ip_ranges": [ADMIN]},
                    {
                        "ip_protocol": "tcp",
                        "from_port_range": 443,
                        "to_port_range": 443,
                        "ip_ranges": ["10.0.0.0/8", "0.0.0.0/0"],
                    },
                    {
                        "ip_protocol": "tcp",
                        "from_port_range": 5432,
                        "to_port_range": 5432,
                        "ip_ranges": [],
                        "security_groups_members": [{"security_group_id": "sg-1"}],
                    },
                ],
            },
            None,
            [("rules[1].ip_ranges[1]", False)],
        ),
        # the protocol unknown until apply, from the admin range: cannot be shown to be SSH only
        (
            {"flow": "Inbound", "from_port_range": 22, "to_port_range": 22, "ip_range": ADMIN},
            {"ip_protocol": True},
            [("ip_range", True)],
        ),
        # the legacy SDK's zero values for an unset protocol and ports: every protocol, not SSH
        (
            {
                "flow": "Inbound",
                "ip_protocol": "",
                "from_port_range": 0,
                "to_port_range": 0,
                "ip_range": ADMIN,
            },
            None,
            [("ip_range", False)],
        ),
        # flow unknown until apply: judged as inbound, marked unknown
        (
            {"ip_protocol": "tcp", "from_port_range": 80, "to_port_range": 80, "ip_range": "0.0.0.0/0"},
            {"flow": True},
            [("ip_range", True)],
        ),
    ],
)
def test_outscale_security_group_rule(
    after: dict[str, Any], unknown: dict[str, Any] | None, expected: list[Any], small_catalog: Catalog
) -> None:
    resource = terraform_resource(RULE, {"security_group_id": "sg-0", **after}, after_unknown=unknown)
    assert _verdicts(resource, small_catalog) == expected


# --- OVHcloud -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"direction": "EGRESS", "ethernetType": "IPV4", "remoteIpPrefix": "0.0.0.0/0"}, []),
        # a remote group unknown until apply (created in the same preview) is unknown, not a restriction
        # shown: an `unknown` finding that follows --unknowns, as on OpenStack's own rules (issue 12, 11)
        (
            {
                "direction": "INGRESS",
                "ethernetType": "IPV4",
                "protocol": "TCP",
                "remoteGroupId": UNKNOWN_SENTINEL,
            },
            [("rules[0].remote_group_id", True)],
        ),
        # beside a known remote group, nothing is unknown
        (
            {
                "direction": "INGRESS",
                "ethernetType": "IPV4",
                "protocol": "TCP",
                "remoteGroupId": "1b6c3e5a-0000-4000-8000-000000000001",
            },
            [],
        ),
        (
            {
                "direction": "INGRESS",
                "ethernetType": "IPV6",
                "protocol": "TCP",
                "portRangeMin": 22,
                "portRangeMax": 22,
                "remoteIpPrefix": "2001:db8:ad::/64",
            },
            [],
        ),
        (
            {
                "direction": "INGRESS",
                "ethernetType": "IPV4",
                "protocol": "TCP",
                "portRangeMin": 22,
                "portRangeMax": 23,
                "remoteIpPrefix": ADMIN,
            },
            [("rules[0].remote_ip_prefix", False)],
        ),
        ({"direction": "INGRESS", "ethernetType": "IPV4", "remoteIpPrefix": "100.64.0.0/10"}, []),
    ],
)
def test_ovh_security_group(rule: dict[str, Any], expected: list[Any], small_catalog: Catalog) -> None:
    resource = pulumi_resource("ovh:index/cloudSecurityGroup:CloudSecurityGroup", {"rules": [rule]})
    assert _verdicts(resource, small_catalog) == expected


# --- The data and the kinds agree ------------------------------------------------------------------------


OPEN_TO_THE_INTERNET: dict[str, dict[str, Any]] = {
    "scaleway-security-group": {"inbound_default_policy": "accept"},
    "scaleway-security-group-rules": {"inbound_rule": [{"action": "accept", "ip_range": "0.0.0.0/0"}]},
    "google-firewall": {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp"}]},
    "google-firewall-policy-rule": {
        "action": "allow",
        "direction": "INGRESS",
        "match": [{"src_ip_ranges": ["0.0.0.0/0"], "layer4_configs": [{"ip_protocol": "all"}]}],
    },
    "outscale-security-group-rule": {"flow": "Inbound", "ip_range": "0.0.0.0/0"},
    "ovh-security-group": {"rule": [{"direction": "INGRESS", "remote_ip_prefix": "0.0.0.0/0"}]},
    "ovh-project-load-balancer": {
        "network": {"private": {"floating_ip_create": {}}},
        "listeners": [{"port": 443}],
    },
    "kubernetes-load-balancer-service": {"spec": {"type": "LoadBalancer", "ports": [{"port": 443}]}},
    "google-master-authorized-networks": {
        "master_authorized_networks_config": {"cidr_blocks": [{"cidr_block": "0.0.0.0/0"}]}
    },
    "ovh-kube-ip-restrictions": {"kube_id": "k", "ips": ["0.0.0.0/0"]},
    "scaleway-database-acl": {"instance_id": "fr-par/1", "acl_rules": [{"ip": "0.0.0.0/0"}]},
    "scaleway-redis-acl": {"acl": [{"ip": "0.0.0.0/0"}], "acls": [{"ip": "0.0.0.0/0"}]},
    "ovh-database-ip-restrictions": {"ip_restrictions": [{"ip": "0.0.0.0/0"}]},
    "ovh-database-ip-restriction": {"ip": "0.0.0.0/0"},
    "google-sql-authorized-networks": {
        "settings": {"ip_configuration": {"authorized_networks": [{"value": "0.0.0.0/0"}]}}
    },
}
"""Per shape of `facets.yaml`, properties that open it to the whole internet."""


# --- Managed databases' allow-lists -------------------------------------------------------------------


def _allow_lists(address: str) -> list[tuple[Resource, str]]:
    """Each provider's managed-database allow-list admitting `address`, in Terraform and Pulumi shapes,
    with the path of the address as each reader gives it."""
    return [
        (
            terraform_resource("scaleway_rdb_acl", {"instance_id": "i", "acl_rules": [{"ip": address}]}),
            "acl_rules[0].ip",
        ),
        (
            pulumi_resource("scaleway:databases/acl:Acl", {"instanceId": "i", "aclRules": [{"ip": address}]}),
            "acl_rules[0].ip",
        ),
        (
            terraform_resource("scaleway_redis_cluster", {"acl": [{"ip": address, "description": "d"}]}),
            "acl[0].ip",
        ),
        (pulumi_resource("scaleway:redis/cluster:Cluster", {"acls": [{"ip": address}]}), "acls[0].ip"),
        (
            terraform_resource(
                "ovh_cloud_project_database", {"engine": "postgresql", "ip_restrictions": [{"ip": address}]}
            ),
            "ip_restrictions[0].ip",
        ),
        (
            pulumi_resource("ovh:CloudProject/database:Database", {"ipRestrictions": [{"ip": address}]}),
            "ip_restrictions[0].ip",
        ),
        (terraform_resource("ovh_cloud_project_database_ip_restriction", {"ip": address}), "ip"),
        (
            terraform_resource(
                "google_sql_database_instance",
                {
                    "settings": [
                        {
                            "ip_configuration": [
                                {"ipv4_enabled": True, "authorized_networks": [{"value": address}]}
                            ]
                        }
                    ]
                },
            ),
            "settings[0].ip_configuration[0].authorized_networks[0].value",
        ),
        (
            pulumi_resource(
                "gcp:sql/databaseInstance:DatabaseInstance",
                {"settings": {"ipConfiguration": {"authorizedNetworks": [{"name": "n", "value": address}]}}},
            ),
            "settings.ip_configuration.authorized_networks[0].value",
        ),
    ]


@pytest.mark.parametrize("address", ["0.0.0.0/0", "::/0", "203.0.113.0/24"])
def test_a_database_allow_list_open_to_the_internet_is_a_finding(
    small_catalog: Catalog, address: str
) -> None:
    for resource, path in _allow_lists(address):
        assert _verdicts(resource, small_catalog) == [(path, False)], resource.type


@pytest.mark.parametrize("address", ["10.0.0.0/8", "192.168.10.0/24", "fd00::/8"])
def test_a_database_allow_list_of_private_ranges_passes(small_catalog: Catalog, address: str) -> None:
    for resource, _ in _allow_lists(address):
        assert _verdicts(resource, small_catalog) == [], resource.type


def test_a_database_allow_list_unknown_until_apply_fails_closed(small_catalog: Catalog) -> None:
    for resource, path in _allow_lists(UNKNOWN_SENTINEL):
        if resource.source == "pulumi-preview":
            assert _verdicts(resource, small_catalog) == [(path, True)], resource.type


def test_the_engine_judges_every_type_with_an_ingress_shape(small_catalog: Catalog) -> None:
    """Run through the engine (which skips the kinds a policy does not declare, or indexes them for a
    stack policy): a type whose shape is in `facets.yaml` but whose kind the policy never reads would
    let its rules pass unseen."""
    shapes = facets._table()["ingress"]
    assert set(shapes) == set(OPEN_TO_THE_INTERNET)
    judged = 0
    for name, shape in shapes.items():
        for type_token in shape["types"]:
            props = OPEN_TO_THE_INTERNET[name]
            resource = (
                pulumi_resource(type_token, props)
                if ":" in type_token
                else terraform_resource(type_token, props)
            )
            findings = evaluate(
                [resource], small_catalog, [no_public_ingress.POLICY], settings=SETTINGS
            ).findings
            assert [f.policy for f in findings] != [], type_token
            judged += 1
    assert judged >= 15


# --- Boot data ------------------------------------------------------------------------------------------

SECRET_CLOUD_INIT = "#cloud-config\nchpasswd:\n  list: |\n    root:Zq8-NotARealPassword\n"


@pytest.mark.parametrize(
    ("resource", "path"),
    [
        (
            pulumi_resource(
                "gcp:compute/instance:Instance", {"metadata": {"startup-script": SECRET_CLOUD_INIT}}
            ),
            "metadata.startup-script",
        ),
        (
            terraform_resource(
                "google_compute_instance_template", {"metadata": {"user-data": SECRET_CLOUD_INIT}}
            ),
            "metadata.user-data",
        ),
        (
            pulumi_resource(
                "scaleway:instance/userData:UserData", {"key": "cloud-init", "value": SECRET_CLOUD_INIT}
            ),
            "value",
        ),
        (terraform_resource("scaleway_instance_server", {"cloud_init": SECRET_CLOUD_INIT}), "cloud_init"),
        (
            terraform_resource(
                "cloudtemple_public_cloud_vm_instance", {"cloud_init": {"cloud_config": SECRET_CLOUD_INIT}}
            ),
            "cloud_init.cloud_config",
        ),
    ],
)
def test_boot_data_fields_of_each_provider_are_scanned(
    resource: Resource, path: str, small_catalog: Catalog
) -> None:
    findings = list(no_plaintext_secret.check([resource], context(small_catalog)))
    assert [v.path for v in findings] == [path]


def test_a_secret_boot_data_map_is_not_in_clear(small_catalog: Catalog) -> None:
    resource = terraform_resource(
        "scaleway_instance_server",
        {"user_data": {"cloud-init": SECRET_CLOUD_INIT}},
        after_sensitive={"user_data": True},
    )
    assert list(no_plaintext_secret.check([resource], context(small_catalog))) == []


# --- Load balancers whose listeners face the internet -------------------------------------------------

OVH_LB = "ovh_cloud_project_loadbalancer"
PRIVATE = {"network": {"id": "pn-1", "subnet_id": "sn-1"}}


@pytest.mark.parametrize(
    ("network", "listeners", "unknown", "expected"),
    [
        # a floating IP to create: each listener without allowed_cidrs admits every address
        (
            {"private": {**PRIVATE, "floating_ip_create": {"description": "lb"}}},
            [{"port": 443, "protocol": "https", "allowed_cidrs": None}],
            None,
            [("listeners[0].allowed_cidrs", False)],
        ),
        # an existing floating IP; allowed_cidrs judged one by one
        (
            {"private": {**PRIVATE, "floating_ip": {"id": "fip-1"}}},
            [{"port": 443, "protocol": "https", "allowed_cidrs": ["10.0.0.0/8", "203.0.113.0/24"]}],
            None,
            [("listeners[0].allowed_cidrs[1]", False)],
        ),
        # no floating IP: the VIP is on the private network only
        ({"private": PRIVATE}, [{"port": 443, "protocol": "https"}], None, []),
        # SSH from the admin range through the load balancer: the bastion exception
        (
            {"private": {**PRIVATE, "floating_ip_create": {}}},
            [{"port": 22, "protocol": "tcp", "allowed_cidrs": [ADMIN]}],
            None,
            [],
        ),
        # the network block unknown until apply: whether it faces the internet is unknown
        (
            None,
            [{"port": 443, "protocol": "https"}],
            {"network": True},
            [("listeners[0].allowed_cidrs", True)],
        ),
    ],
)
def test_ovh_load_balancer_listeners(
    network: Any,
    listeners: list[Any],
    unknown: dict[str, Any] | None,
    expected: list[Any],
    small_catalog: Catalog,
) -> None:
    after = {"region_name": "GRA9", "flavor_id": "small", "listeners": listeners}
    if network is not None:
        after["network"] = network
    resource = terraform_resource(OVH_LB, after, after_unknown=unknown)
    assert _verdicts(resource, small_catalog) == expected


# --- Google firewall policy rules ------------------------------------------------------------------------

POLICY_RULE = "google_compute_network_firewall_policy_rule"


def _tf_match(**match: Any) -> dict[str, Any]:
    """A Terraform plan's `match` block: a list of one object, `layer4_configs` a list of blocks."""
    return {"layer4_configs": [{"ip_protocol": "tcp", "ports": ["443"]}], **match}


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (
            {"action": "allow", "match": [_tf_match(src_ip_ranges=["0.0.0.0/0"])]},
            [("match[0].src_ip_ranges[0]", False)],
        ),
        ({"action": "deny", "match": [_tf_match(src_ip_ranges=["0.0.0.0/0"])]}, []),
        # goto_next goes on to the next rules: it admits nothing itself
        ({"action": "goto_next", "match": [_tf_match(src_ip_ranges=["0.0.0.0/0"])]}, []),
        (
            {
                "action": "apply_security_profile_group",
                "match": [_tf_match(src_ip_ranges=["203.0.113.0/24"])],
            },
            [("match[0].src_ip_ranges[0]", False)],
        ),
        ({"action": "allow", "disabled": True, "match": [_tf_match(src_ip_ranges=["0.0.0.0/0"])]}, []),
        ({"action": "allow", "direction": "EGRESS", "match": [_tf_match(dest_ip_ranges=["0.0.0.0/0"])]}, []),
        # internet hosts named by country, domain or threat list
        (
            {"action": "allow", "match": [_tf_match(src_region_codes=["FR"])]},
            [("match[0].src_region_codes[0]", False)],
        ),
        (
            {"action": "allow", "match": [_tf_match(src_fqdns=["partner.example.org"])]},
            [("match[0].src_fqdns[0]", False)],
        ),
        # address groups: their addresses are in another resource
        (
            {
                "action": "allow",
                "match": [_tf_match(src_address_groups=["projects/p/locations/global/addressGroups/a"])],
            },
            [("match[0].src_address_groups[0]", False)],
        ),
        # secure tags or networks alone: instances of the VPC
        ({"action": "allow", "match": [_tf_match(src_secure_tags=[{"name": "tagValues/1"}])]}, []),
        # the network scope INTERNET alone, and with ranges (which it narrows)
        (
            {"action": "allow", "match": [_tf_match(src_network_scope="INTERNET")]},
            [("match[0].src_network_scope", False)],
        ),
        (
            {
                "action": "allow",
                "match": [_tf_match(src_network_scope="INTERNET", src_ip_ranges=["10.1.0.0/16"])],
            },
            [],
        ),
        # SSH from the admin range only
        (
            {
                "action": "allow",
                "match": [
                    {"layer4_configs": [{"ip_protocol": "tcp", "ports": ["22"]}], "src_ip_ranges": [ADMIN]}
                ],
            },
            [],
        ),
        (
            {
                "action": "allow",
                "match": [
                    {
                        "layer4_configs": [{"ip_protocol": "tcp", "ports": ["22"]}, {"ip_protocol": "udp"}],
                        "src_ip_ranges": [ADMIN],
                    }
                ],
            },
            [("match[0].src_ip_ranges[0]", False)],
        ),
        # no source of any sort
        ({"action": "allow", "match": [_tf_match()]}, [("match.src_ip_ranges", False)]),
    ],
)
def test_google_firewall_policy_rule(
    after: dict[str, Any], expected: list[Any], small_catalog: Catalog
) -> None:
    resource = terraform_resource(POLICY_RULE, {"direction": "INGRESS", "priority": 1000, **after})
    assert sorted(set(_verdicts(resource, small_catalog))) == sorted(expected)


def test_google_firewall_policy_rule_pulumi_shape(small_catalog: Catalog) -> None:
    """pulumi-gcp sends `match` as one object and `layer4Configs` in camelCase."""
    resource = pulumi_resource(
        "gcp:compute/firewallPolicyRule:FirewallPolicyRule",
        {
            "action": "allow",
            "direction": "INGRESS",
            "priority": 100,
            "match": {"layer4Configs": [{"ipProtocol": "all"}], "srcIpRanges": ["10.0.0.0/8", "::/0"]},
        },
    )
    assert _verdicts(resource, small_catalog) == [("match.src_ip_ranges[1]", False)]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # the legacy SDK's zero values for what the configuration leaves unset: port 0, empty strings
        (
            {
                "action": "accept",
                "ip": "",
                "ip_range": ADMIN,
                "port": 0,
                "port_range": "22-22",
                "protocol": "TCP",
            },
            [],
        ),
        (
            {"action": "accept", "ip": "", "ip_range": ADMIN, "port": 0, "port_range": "", "protocol": "TCP"},
            [("inbound_rule[0].ip_range", False)],
        ),
        (
            {"action": "accept", "ip": "", "ip_range": "", "port": 443, "port_range": "", "protocol": "TCP"},
            [("inbound_rule[0].ip_range", False)],
        ),
        # null for unset, as a Pulumi bridge or a newer SDK writes it
        (
            {
                "action": "accept",
                "ip": None,
                "ip_range": ADMIN,
                "port": 22,
                "port_range": None,
                "protocol": "TCP",
            },
            [],
        ),
    ],
)
def test_scaleway_rules_as_terraform_plans_them(
    rule: dict[str, Any], expected: list[Any], small_catalog: Catalog
) -> None:
    resource = terraform_resource(
        "scaleway_instance_security_group", {"inbound_default_policy": "drop", "inbound_rule": [rule]}
    )
    assert _verdicts(resource, small_catalog) == expected


# --- Hostile shapes ---------------------------------------------------------------------------------------


def _field_names() -> list[str]:
    """Every property name `facets.yaml` mentions (`match.src_ip_ranges` gives `match`, `src_ip_ranges`)."""
    names: set[str] = set()
    stack: list[Any] = [facets._table()]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and re.fullmatch(r"\^?[a-z][a-z0-9_]*(\.[a-z0-9_*]+)*", item):
            names.update(part for part in item.lstrip("^").split(".") if part != "*")
    return sorted(names)


FIELD_NAMES = _field_names()

_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.sampled_from(
        [
            "",
            "0",
            "22",
            "22-23",
            "-",
            "0.0.0.0/0",
            "::/0",
            ADMIN,
            "tcp",
            "ANY",
            "accept",
            "INGRESS",
            "allow",
            "Inbound",
            "not a cidr",
            UNKNOWN_SENTINEL,
        ]
    ),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(FIELD_NAMES), children, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    type_token=st.sampled_from(sorted({*facets._ingress_types(), *facets._boot_data_types()})),
    inputs=st.dictionaries(st.sampled_from(FIELD_NAMES), _VALUES, max_size=6),
)
def test_any_shape_of_any_provider_type_is_judged_without_error(
    type_token: str, inputs: dict[str, Any]
) -> None:
    """A plan is untrusted input: whatever a provider type's properties hold, the policies return verdicts."""
    catalog = _CATALOG.setdefault("small", load_catalog([SMALL_CATALOG], replace=True))
    resource = (
        pulumi_resource(type_token, inputs) if ":" in type_token else terraform_resource(type_token, inputs)
    )
    for violation in no_public_ingress.check(resource, context(catalog, SETTINGS)):
        assert isinstance(violation.message, str)
    for violation in no_plaintext_secret.check([resource], context(catalog)):
        assert isinstance(violation.message, str)


_CATALOG: dict[str, Catalog] = {}


# --- Managed databases open until the stack sets their allowed addresses (Scaleway) -------------------

RDB = "scaleway:databases/instance:Instance"
RDB_ACL = "scaleway:databases/acl:Acl"


def _stack_verdicts(catalog: Catalog, *resources: Resource) -> list[tuple[str, str | None, bool]]:
    """(resource address, path, unknown) of each no-public-ingress finding on a stack."""
    assert no_public_ingress.POLICY.check_stack is not None
    found = no_public_ingress.POLICY.check_stack(list(resources), context(catalog, SETTINGS))
    return [(v.resource.address if v.resource else "", v.path, v.unknown) for v in found]


def _acl_of(instance: Resource, ip: str, *, by: str) -> Resource:
    """A Scaleway database ACL naming `instance` by its id (a Terraform plan of existing resources) or by
    dependency (a Pulumi input from the instance's output, a Terraform reference)."""
    if by == "id":
        return terraform_resource(
            "scaleway_rdb_acl", {"instance_id": "fr-par/1111", "acl_rules": [{"ip": ip}]}, name="acl"
        )
    acl = pulumi_resource(RDB_ACL, {"instanceId": UNKNOWN_SENTINEL, "aclRules": [{"ip": ip}]}, name="acl")
    return dc_replace(acl, dependencies=(instance.address,))


@pytest.mark.parametrize(
    "instance",
    [
        terraform_resource(
            "scaleway_rdb_instance", {"engine": "PostgreSQL-16", "node_type": "DB-DEV-S"}, name="db"
        ),
        pulumi_resource(RDB, {"engine": "PostgreSQL-16", "nodeType": "DB-DEV-S"}, name="db"),
        # a private network and a load-balancer endpoint as well: public
        terraform_resource(
            "scaleway_rdb_instance",
            {"private_network": [{"pn_id": "pn", "enable_ipam": True}], "load_balancer": [{}]},
            name="db",
        ),
        pulumi_resource(
            RDB, {"privateNetwork": {"pnId": "pn", "enableIpam": True}, "loadBalancers": [{}]}, name="db"
        ),
    ],
)
def test_a_public_database_without_allowed_addresses_is_open_to_everyone(
    small_catalog: Catalog, instance: Resource
) -> None:
    assert _stack_verdicts(small_catalog, instance) == [(instance.address, None, False)]
    # the stack sets its allowed addresses: private ones pass, a public one is the ACL rule's finding
    by = "dependency" if instance.source == "pulumi-preview" else "id"
    if by == "id":
        instance = dc_replace(instance, properties={**instance.properties, "id": "fr-par/1111"})
    private = _acl_of(instance, "10.0.0.0/8", by=by)
    assert _stack_verdicts(small_catalog, instance, private) == []
    public = _acl_of(instance, "0.0.0.0/0", by=by)
    assert _stack_verdicts(small_catalog, instance, public) == [(public.address, "acl_rules[0].ip", False)]


def test_an_allow_list_of_another_database_does_not_count(small_catalog: Catalog) -> None:
    instance = pulumi_resource(RDB, {"engine": "PostgreSQL-16"}, name="db")
    other = pulumi_resource(RDB, {"privateNetwork": {"pnId": "pn", "enableIpam": True}}, name="other")
    acl = _acl_of(other, "10.0.0.0/8", by="dependency")
    assert _stack_verdicts(small_catalog, instance, other, acl) == [(instance.address, None, False)]


@pytest.mark.parametrize(
    "instance",
    [
        terraform_resource(
            "scaleway_rdb_instance", {"private_network": [{"pn_id": "pn", "enable_ipam": True}]}, name="db"
        ),
        pulumi_resource(RDB, {"privateNetwork": {"pnId": "pn", "ipNet": "172.16.20.4/22"}}, name="db"),
        # Terraform plans an unset load_balancer (Optional, Computed) as unknown: read as unset
        terraform_resource(
            "scaleway_rdb_instance",
            {"private_network": [{"pn_id": "pn"}]},
            after_unknown={"load_balancer": True},
            name="db",
        ),
        # a database the plan deletes no longer listens
        terraform_resource(
            "scaleway_rdb_instance", {"engine": "PostgreSQL-16"}, name="db", operation=Operation.DELETE
        ),
    ],
)
def test_a_private_only_database_needs_no_allow_list(small_catalog: Catalog, instance: Resource) -> None:
    assert _stack_verdicts(small_catalog, instance) == []


def test_a_private_network_unknown_until_apply_fails_closed(small_catalog: Catalog) -> None:
    instance = pulumi_resource(RDB, {"privateNetwork": UNKNOWN_SENTINEL}, name="db")
    assert _stack_verdicts(small_catalog, instance) == [(instance.address, None, True)]


# --- Kubernetes Services of type LoadBalancer ----------------------------------------------------------

K8S_SERVICE = "kubernetes:core/v1:Service"


def _services(service_type: str | None, ranges: list[str] | None) -> list[Resource]:
    """The same Service as a Pulumi preview and a Terraform plan (kubernetes_service_v1) carry it."""
    spec: dict[str, Any] = {"ports": [{"port": 443, "protocol": "TCP"}]}
    tf_spec: dict[str, Any] = {
        "port": [{"port": 443, "target_port": "8443"}],
        "load_balancer_source_ranges": [],
    }
    if service_type is not None:
        spec["type"] = tf_spec["type"] = service_type
    if ranges is not None:
        spec["loadBalancerSourceRanges"] = tf_spec["load_balancer_source_ranges"] = ranges
    return [
        pulumi_resource(K8S_SERVICE, {"metadata": {"name": "web"}, "spec": spec}, name="web"),
        terraform_resource(
            "kubernetes_service_v1", {"metadata": [{"name": "web"}], "spec": [tf_spec]}, name="web"
        ),
    ]


@pytest.mark.parametrize(
    ("service_type", "ranges", "paths"),
    [
        # the cloud's load balancer admits every address
        ("LoadBalancer", None, ["spec.load_balancer_source_ranges", "spec[0].load_balancer_source_ranges"]),
        (
            "LoadBalancer",
            ["0.0.0.0/0"],
            ["spec.load_balancer_source_ranges[0]", "spec[0].load_balancer_source_ranges[0]"],
        ),
        ("LoadBalancer", ["10.20.0.0/16"], []),  # the clients restricted to a private range
        ("ClusterIP", None, []),  # reachable inside the cluster only
        (None, None, []),  # ClusterIP by default
    ],
)
def test_kubernetes_load_balancer_services(
    small_catalog: Catalog, service_type: str | None, ranges: list[str] | None, paths: list[str]
) -> None:
    found = [
        path for resource in _services(service_type, ranges) for path, _ in _verdicts(resource, small_catalog)
    ]
    assert found == paths


def test_a_service_type_unknown_until_apply_fails_closed(small_catalog: Catalog) -> None:
    [pulumi, _] = _services(UNKNOWN_SENTINEL, None)
    assert _verdicts(pulumi, small_catalog) == [("spec.load_balancer_source_ranges", True)]


# --- Managed Kubernetes API servers' allowed networks ---------------------------------------------------


def _control_plane_lists(address: str) -> list[tuple[Resource, str]]:
    return [
        (
            terraform_resource(
                "google_container_cluster",
                {
                    "master_authorized_networks_config": [
                        {"cidr_blocks": [{"cidr_block": address, "display_name": "a"}]}
                    ]
                },
            ),
            "master_authorized_networks_config[0].cidr_blocks[0].cidr_block",
        ),
        (
            pulumi_resource(
                "gcp:container/cluster:Cluster",
                {"masterAuthorizedNetworksConfig": {"cidrBlocks": [{"cidrBlock": address}]}},
            ),
            "master_authorized_networks_config.cidr_blocks[0].cidr_block",
        ),
        (
            terraform_resource("ovh_cloud_project_kube_iprestrictions", {"kube_id": "k", "ips": [address]}),
            "ips[0]",
        ),
        (
            pulumi_resource(
                "ovh:CloudProject/kubeIpRestrictions:KubeIpRestrictions", {"kubeId": "k", "ips": [address]}
            ),
            "ips[0]",
        ),
    ]


@pytest.mark.parametrize(
    ("address", "public"), [("0.0.0.0/0", True), ("192.0.2.0/24", True), ("10.42.0.0/16", False)]
)
def test_kubernetes_api_server_allowed_networks(small_catalog: Catalog, address: str, public: bool) -> None:
    for resource, path in _control_plane_lists(address):
        assert _verdicts(resource, small_catalog) == ([(path, False)] if public else []), resource.type
