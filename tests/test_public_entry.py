"""PublicEntry (issue 14 item 4): a TLS-terminating load balancer, the one sanctioned way in from outside.

no-public-ingress recognizes it by structure and tag together: each test below breaks one part of the
structure and names, by hand, what must then be reported.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from component_support import CATALOG, HEALTH, REGION, Run, mandatory
from souverain.components import IsolatedNetwork, PublicEntry
from souverain.components._common import ComponentRefusedError

from souverain.model import Resource

CERT = "https://key-manager.nuage.test/v1/containers/0f9c5c1e-3c2a-4c55-9a43-2d1c1f1e0a11"
LB = "openstack:loadbalancer/loadBalancer:LoadBalancer"
LISTENER = "openstack:loadbalancer/listener:Listener"
POOL = "openstack:loadbalancer/pool:Pool"
MEMBER = "openstack:loadbalancer/member:Member"
L7 = "openstack:loadbalancer/l7PolicyV2:L7PolicyV2"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
FIP_ASSOC = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"

NETWORK: dict[str, Any] = {
    "labels": HEALTH,
    "region": REGION,
    "tiers": {
        "edge": {"cidr": "10.50.0.0/24", "edge": True},
        "app": {"cidr": "10.50.1.0/24"},
        "db": {"cidr": "10.50.2.0/24"},
    },
    "flows": [{"source": "app", "destination": "db", "protocol": "tcp", "port_min": 5432}],
    "dns_nameservers": ["10.50.0.53"],
    "external_network": "ext-net",
}


def entry_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "labels": HEALTH,
        "region": REGION,
        "tier": "edge",
        "backend_tier": "app",
        "backends": [{"address": "10.50.1.10", "port": 8080}, {"address": "10.50.1.11", "port": 8080}],
        "external_network": "ext-net",
        "redirect_prefix": "https://www.example.fr",
    }
    args.update(overrides)
    return args


@pytest.fixture(scope="module")
def run() -> Run:
    def program() -> None:
        network = IsolatedNetwork("site", NETWORK, catalog=CATALOG)
        PublicEntry("www", entry_args(), network=network, certificate_ref=CERT, catalog=CATALOG)

    return Run(program)


def ingress(resources: list[Resource]) -> list[str]:
    return sorted(line for line in mandatory(resources) if line.startswith("no-public-ingress"))


def test_the_entry_publishes_a_website_without_any_waiver(run: Run) -> None:
    assert mandatory(run.resources) == []


def test_what_the_entry_builds(run: Run) -> None:
    balancer = run.one(LB, "www")
    assert "public_entry=https" in balancer.properties["tags"]
    assert balancer.properties["vip_subnet_id"] == "site-edge-subnet_id"
    assert balancer.properties["security_group_ids"] == ["www-vip-sg_id"]
    https = run.one(LISTENER, "www-https")
    assert https.properties["protocol"] == "TERMINATED_HTTPS"
    assert https.properties["protocol_port"] == 443
    assert https.properties["default_tls_container_ref"] == CERT
    assert https.properties["tls_versions"] == ["TLSv1.2", "TLSv1.3"]
    redirect = run.one(L7, "www-to-https")
    assert redirect.properties["action"] == "REDIRECT_PREFIX"
    assert redirect.properties["redirect_prefix"] == "https://www.example.fr"
    assert run.one(FIP_ASSOC, "www-fip").properties["port_id"] == "www_id-vip-port"
    assert sorted(r.properties["address"] for r in run.of_type(MEMBER)) == ["10.50.1.10", "10.50.1.11"]
    opened = sorted(
        (r.properties["port_range_min"], r.properties["remote_ip_prefix"])
        for r in run.of_type(RULE)
        if r.properties["security_group_id"] == "www-vip-sg_id"
    )
    assert opened == [(80, "0.0.0.0/0"), (443, "0.0.0.0/0")]
    backend_in = run.one(RULE, "www-to-app-tcp-8080")
    assert (backend_in.properties["security_group_id"], backend_in.properties["remote_ip_prefix"]) == (
        "site-app-sg_id",
        "10.50.0.0/24",
    )


def changed(run: Run, edit: Callable[[dict[str, Resource]], None]) -> list[str]:
    resources = copy.deepcopy(run.resources)
    by_name = {resource.name: resource for resource in resources}
    edit(by_name)
    return [line.split(": ", 2)[1].rsplit("::", 1)[-1] for line in ingress(resources)]


def test_the_tag_alone_or_the_structure_alone_sanctions_nothing(run: Run) -> None:
    def untag(r: dict[str, Resource]) -> None:
        r["www"].tags.pop("public_entry")

    assert changed(run, untag) == ["www-http", "www-https", "www-vip-tcp-443-in", "www-vip-tcp-80-in"]


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("protocol", "HTTPS"),  # TLS passthrough: the load balancer does not terminate it
        ("protocol", "TCP"),
        ("protocol_port", 8443),
        ("default_tls_container_ref", None),
        ("tls_versions", ["TLSv1.1", "TLSv1.2"]),
    ],
)
def test_a_listener_that_does_not_terminate_tls_on_443_is_not_an_entry(
    run: Run, prop: str, value: Any
) -> None:
    def edit(r: dict[str, Resource]) -> None:
        r["www-https"].properties[prop] = value

    # without a sanctioned TLS listener, nothing of the load balancer is sanctioned
    assert changed(run, edit) == ["www-http", "www-https", "www-vip-tcp-443-in", "www-vip-tcp-80-in"]


def test_plain_http_that_serves_a_pool_is_not_a_redirect(run: Run) -> None:
    def edit(r: dict[str, Resource]) -> None:
        r["www-http"].properties["default_pool_id"] = "www-pool_id"

    assert changed(run, edit) == ["www-http", "www-vip-tcp-80-in"]


def test_a_redirect_to_plain_http_is_not_a_redirect_to_the_entry(run: Run) -> None:
    def edit(r: dict[str, Resource]) -> None:
        r["www-to-https"].properties["redirect_prefix"] = "http://www.example.fr"

    assert changed(run, edit) == ["www-http", "www-vip-tcp-80-in"]


def test_other_ports_on_the_vip_group_are_judged_as_usual(run: Run) -> None:
    def widen(r: dict[str, Resource]) -> None:
        r["www-vip-tcp-443-in"].properties["port_range_min"] = 80  # 80-443: more than the two ports

    assert changed(run, widen) == ["www-vip-tcp-443-in"]

    def ssh(r: dict[str, Resource]) -> None:
        r["www-vip-tcp-80-in"].properties.update(port_range_min=22, port_range_max=22)

    assert changed(run, ssh) == ["www-vip-tcp-80-in"]


def test_the_same_port_on_another_group_is_not_sanctioned(run: Run) -> None:
    def edit(r: dict[str, Resource]) -> None:
        rule = r["www-vip-tcp-443-in"]
        rule.properties["security_group_id"] = "site-app-sg_id"
        kept = [d for d in rule.dependencies if "www-vip-sg" not in d]
        rule.dependencies = (*kept, r["site-app-sg"].address)

    assert changed(run, edit) == ["www-vip-tcp-443-in"]


def test_a_public_backend_is_a_finding(run: Run) -> None:
    def edit(r: dict[str, Resource]) -> None:
        r["www-member-1"].properties["address"] = "198.51.100.20"

    lines = [line for line in mandatory(_edited(run, edit)) if line.startswith("no-public-ingress")]
    assert len(lines) == 1
    assert lines[0].endswith(
        "www-member-1: member 198.51.100.20 of the public entry www is a public address: the backends of a "
        "public entry stay on a private network"
    )


def _edited(run: Run, edit: Callable[[dict[str, Resource]], None]) -> list[Resource]:
    resources = copy.deepcopy(run.resources)
    edit({resource.name: resource for resource in resources})
    return resources


def refusal(args: dict[str, Any], certificate: Any = CERT) -> str:
    seen: list[ComponentRefusedError] = []

    def program() -> None:
        network = IsolatedNetwork("site", NETWORK, catalog=CATALOG)
        with pytest.raises(ComponentRefusedError) as info:
            PublicEntry("www", args, network=network, certificate_ref=certificate, catalog=CATALOG)
        seen.append(info.value)

    run = Run(program)
    assert not run.of_type(LB)
    return str(seen[0])


def test_refusals() -> None:
    assert refusal(entry_args(tier="app")) == (
        "PublicEntry 'www': tier: app is not an edge tier of network 'site' (its edge tiers: edge); the "
        "entry's floating IP needs the edge router"
    )
    assert refusal(entry_args(backend_tier="edge")).startswith(
        "PublicEntry 'www': backend_tier: edge is an edge tier: backends go on a tier the internet "
        "cannot reach"
    )
    assert refusal(entry_args(backends=[{"address": "10.50.2.5", "port": 5432}])) == (
        "PublicEntry 'www': backends[0].address: 10.50.2.5 is not on the app tier (10.50.1.0/24)"
    )
    assert refusal(entry_args(), certificate="-----BEGIN CERTIFICATE-----") == (
        "PublicEntry 'www': certificate_ref: certificate_ref must be the https:// reference of a key-manager "
        "container or secret"
    )
    assert refusal(entry_args(redirect_prefix="http://www.example.fr")) == (
        "PublicEntry 'www': redirect_prefix: 'http://www.example.fr' is not an https:// URL: the redirect "
        "must lead to the TLS listener"
    )


def test_the_documented_site_and_entry_run_and_comply(monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    from pathlib import Path

    from component_support import CONFIG
    from souverain.components import _common

    doc = (Path(__file__).parent.parent / "docs" / "components.md").read_text(encoding="utf-8")
    snippets = re.findall(r"<!-- tested with the [^>]*-->\n```python\n(.*?)```", doc, re.DOTALL)
    assert len(snippets) == 2, "docs/components.md lost the site or public entry example"
    preamble = (
        "import pulumi\n"
        "from souverain.components import IsolatedNetwork, PublicEntry\n"
        "labels = {'owner': 'web-team', 'data_classification': 'internal', 'project': 'site'}\n"
        f"region = {REGION!r}\n"
    )
    code = compile(preamble + "\n".join(snippets), "docs/components.md", "exec")
    monkeypatch.setattr(_common, "default_catalog", lambda: CATALOG)
    config = {**CONFIG, "components:certificateRef": CERT}
    run = Run(lambda: exec(code, {"__name__": "__main__"}), config=config)  # noqa: S102 - our own doc
    assert len(run.of_type(LB)) == 1
    assert mandatory(run.resources) == []


# --- the same entry as Terraform writes it (ids known, as in a state): bound by ids, not dependencies ---


def terraform_entry(**changes: dict[str, Any]) -> list[Resource]:
    from conftest import terraform_resource

    after: dict[str, dict[str, Any]] = {
        "lb": {
            "id": "lb-1",
            "vip_subnet_id": "sub-1",
            "vip_port_id": "port-vip",
            "security_group_ids": ["sg-vip"],
            "tags": ["public_entry=https"],
        },
        "https": {
            "id": "li-443",
            "loadbalancer_id": "lb-1",
            "protocol": "TERMINATED_HTTPS",
            "protocol_port": 443,
            "default_tls_container_ref": CERT,
            "allowed_cidrs": None,
        },
        "http": {
            "id": "li-80",
            "loadbalancer_id": "lb-1",
            "protocol": "HTTP",
            "protocol_port": 80,
            "default_pool_id": None,
        },
        "redirect": {
            "id": "l7-1",
            "listener_id": "li-80",
            "action": "REDIRECT_TO_URL",
            "redirect_url": "https://www.example.fr/",
        },
        "pool": {"id": "pool-1", "listener_id": "li-443", "protocol": "HTTP", "lb_method": "ROUND_ROBIN"},
        "members": {
            "id": "mem-1",
            "pool_id": "pool-1",
            "member": [{"address": "10.50.1.10", "protocol_port": 8080}],
        },
        "sg": {"id": "sg-vip", "name": "vip"},
        "in443": {
            "id": "r-443",
            "security_group_id": "sg-vip",
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "port_range_min": 443,
            "port_range_max": 443,
            "remote_ip_prefix": "0.0.0.0/0",
        },
        "in80": {
            "id": "r-80",
            "security_group_id": "sg-vip",
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": "tcp",
            "port_range_min": 80,
            "port_range_max": 80,
            "remote_ip_prefix": "0.0.0.0/0",
        },
        "fip": {"id": "fip-1", "port_id": "port-vip", "pool": "ext-net"},
    }
    types = {
        "lb": "openstack_lb_loadbalancer_v2", "https": "openstack_lb_listener_v2",
        "http": "openstack_lb_listener_v2", "redirect": "openstack_lb_l7policy_v2",
        "pool": "openstack_lb_pool_v2",
        "members": "openstack_lb_members_v2",
        "sg": "openstack_networking_secgroup_v2", "in443": "openstack_networking_secgroup_rule_v2",
        "in80": "openstack_networking_secgroup_rule_v2", "fip": "openstack_networking_floatingip_v2",
    }  # fmt: skip
    for name, update in changes.items():
        after[name] = {**after[name], **update}
    return [terraform_resource(types[name], props, name=name) for name, props in after.items()]


def tf_ingress(resources: list[Resource]) -> list[str]:
    from component_support import policy_check

    found = policy_check(resources).findings
    return sorted(f"{f.resource}: {f.message}" for f in found if f.policy == "no-public-ingress")


def test_a_terraform_entry_bound_by_ids_passes() -> None:
    assert tf_ingress(terraform_entry()) == []


def test_a_terraform_entry_without_its_tag_or_with_a_public_member() -> None:
    untagged = tf_ingress(terraform_entry(lb={"tags": []}))
    assert [line.split(":")[0] for line in untagged] == [
        "openstack_lb_listener_v2.http",
        "openstack_lb_listener_v2.https",
        "openstack_networking_secgroup_rule_v2.in443",
        "openstack_networking_secgroup_rule_v2.in80",
    ]
    public = tf_ingress(
        terraform_entry(members={"member": [{"address": "203.0.113.9", "protocol_port": 80}]})
    )
    assert public == [
        "openstack_lb_members_v2.members: member 203.0.113.9 of the public entry lb is a public address: the "
        "backends of a public entry stay on a private network"
    ]
