"""The network graph drawn from the normalized model, on small hand-made models of several providers.

Every expected node and edge below is written by hand from the model in the test: which tiers exist,
which flows the inbound rules allow (protocol/port), where the internet comes in, and which data store
the internet reaches (red). Each red case has a compliant twin that differs by one rule.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from souverain.diagram import graph_of, mermaid, render
from souverain.diagram.graph import INTERNET, Graph, extract
from souverain.kinds import kind_of
from souverain.model import Resource

OS = "terraform-provider-openstack/openstack"


def res(where: str, type_token: str, /, **properties: Any) -> Resource:
    kind = kind_of(type_token)
    assert kind is not None, type_token
    return Resource(
        where,
        type_token,
        where.split(".")[-1],
        kind=kind,
        package=OS,
        properties=properties,
        region="R1",
        source="terraform-plan",
    )


def edges(graph: Graph) -> set[tuple[str, str, str]]:
    return graph.edge_set()


def red(graph: Graph) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in graph.edges if e.red}


def openstack(db_from_internet: bool) -> list[Resource]:
    """Two tiers (app, data); a web group open on 443, a bastion on SSH from an admin range behind a floating
    IP, a database host reached from web on 5432 and from the bastion on 22, with a volume attached."""
    db_source: dict[str, Any] = (
        {"remote_ip_prefix": "0.0.0.0/0"} if db_from_internet else {"remote_group_id": "sg-web"}
    )
    return [
        res(
            "openstack_networking_network_v2.app", "openstack_networking_network_v2", id="net-app", name="app"
        ),
        res(
            "openstack_networking_subnet_v2.app",
            "openstack_networking_subnet_v2",
            id="sub-app",
            network_id="net-app",
            cidr="10.0.1.0/24",
            name="app-subnet",
        ),
        res(
            "openstack_networking_network_v2.data",
            "openstack_networking_network_v2",
            id="net-data",
            name="data",
        ),
        res(
            "openstack_networking_subnet_v2.data",
            "openstack_networking_subnet_v2",
            id="sub-data",
            network_id="net-data",
            cidr="10.0.2.0/24",
            name="data-subnet",
        ),
        res(
            "openstack_networking_secgroup_v2.web",
            "openstack_networking_secgroup_v2",
            id="sg-web",
            name="web",
        ),
        res("openstack_networking_secgroup_v2.db", "openstack_networking_secgroup_v2", id="sg-db", name="db"),
        res(
            "openstack_networking_secgroup_v2.bastion",
            "openstack_networking_secgroup_v2",
            id="sg-bastion",
            name="bastion",
        ),
        res(
            "openstack_networking_secgroup_rule_v2.web_https",
            "openstack_networking_secgroup_rule_v2",
            direction="ingress",
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=443,
            port_range_max=443,
            remote_ip_prefix="0.0.0.0/0",
            security_group_id="sg-web",
        ),
        res(
            "openstack_networking_secgroup_rule_v2.db_pg",
            "openstack_networking_secgroup_rule_v2",
            direction="ingress",
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=5432,
            port_range_max=5432,
            security_group_id="sg-db",
            **db_source,
        ),
        res(
            "openstack_networking_secgroup_rule_v2.db_egress",
            "openstack_networking_secgroup_rule_v2",
            direction="egress",
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=53,
            port_range_max=53,
            remote_ip_prefix="0.0.0.0/0",
            security_group_id="sg-db",
        ),
        res(
            "openstack_networking_secgroup_rule_v2.bastion_ssh",
            "openstack_networking_secgroup_rule_v2",
            direction="ingress",
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=22,
            port_range_max=22,
            remote_ip_prefix="203.0.113.0/24",
            security_group_id="sg-bastion",
        ),
        res(
            "openstack_networking_secgroup_rule_v2.db_ssh",
            "openstack_networking_secgroup_rule_v2",
            direction="ingress",
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=22,
            port_range_max=22,
            remote_group_id="sg-bastion",
            security_group_id="sg-db",
        ),
        res(
            "openstack_networking_port_v2.web",
            "openstack_networking_port_v2",
            id="port-web",
            network_id="net-app",
            security_group_ids=["sg-web"],
        ),
        res(
            "openstack_compute_instance_v2.web",
            "openstack_compute_instance_v2",
            id="vm-web",
            name="web-1",
            network=[{"port": "port-web"}],
        ),
        res(
            "openstack_networking_port_v2.bastion",
            "openstack_networking_port_v2",
            id="port-bastion",
            network_id="net-app",
            security_group_ids=["sg-bastion"],
        ),
        res(
            "openstack_compute_instance_v2.bastion",
            "openstack_compute_instance_v2",
            id="vm-bastion",
            name="jump-1",
            network=[{"port": "port-bastion"}],
        ),
        res(
            "openstack_networking_floatingip_v2.bastion",
            "openstack_networking_floatingip_v2",
            id="fip-1",
            address="198.51.100.7",
            pool="ext",
        ),
        res(
            "openstack_networking_floatingip_associate_v2.bastion",
            "openstack_networking_floatingip_associate_v2",
            floating_ip="198.51.100.7",
            port_id="port-bastion",
        ),
        res(
            "openstack_compute_instance_v2.db",
            "openstack_compute_instance_v2",
            id="vm-db",
            name="db-1",
            network=[{"uuid": "net-data"}],
            security_groups=["db"],
        ),
        res(
            "openstack_blockstorage_volume_v3.pgdata",
            "openstack_blockstorage_volume_v3",
            id="vol-1",
            name="pgdata",
            size=100,
        ),
        res(
            "openstack_compute_volume_attach_v2.pgdata",
            "openstack_compute_volume_attach_v2",
            instance_id="vm-db",
            volume_id="vol-1",
        ),
        res(
            "openstack_networking_router_v2.edge",
            "openstack_networking_router_v2",
            id="r-1",
            name="edge",
            external_network_id="ext-net",
        ),
        res(
            "openstack_networking_router_interface_v2.app",
            "openstack_networking_router_interface_v2",
            router_id="r-1",
            subnet_id="sub-app",
        ),
    ]


APP, DATA = "openstack_networking_network_v2.app", "openstack_networking_network_v2.data"
WEB, DB, BASTION = (f"openstack_networking_secgroup_v2.{n}" for n in ("web", "db", "bastion"))
FIP = "openstack_networking_floatingip_v2.bastion"
VOLUME = "openstack_blockstorage_volume_v3.pgdata"
ROUTER = "openstack_networking_router_v2.edge"


def test_openstack_tiers_groups_flows_entry_bastion_and_data_store() -> None:
    graph = extract(openstack(db_from_internet=False))
    roles = {node_id: node.role for node_id, node in graph.nodes.items()}
    assert roles == {
        INTERNET: "internet",
        APP: "tier",
        DATA: "tier",
        WEB: "group",
        DB: "group",
        BASTION: "bastion",
        FIP: "entry",
        VOLUME: "data_store",
        ROUTER: "router",
    }
    assert graph.nodes[APP].detail == "10.0.1.0/24"
    assert (graph.nodes[WEB].tier, graph.nodes[DB].tier, graph.nodes[BASTION].tier) == (APP, DATA, APP)
    assert graph.nodes[FIP].detail == "198.51.100.7"
    assert edges(graph) == {
        (INTERNET, WEB, "tcp/443 from 0.0.0.0/0"),
        (INTERNET, FIP, "tcp/22 from 203.0.113.0/24"),
        (FIP, BASTION, "tcp/22 from 203.0.113.0/24"),
        (WEB, DB, "tcp/5432"),
        (BASTION, DB, "tcp/22"),
        (DB, VOLUME, "attached"),
        (ROUTER, INTERNET, "gateway"),
        (ROUTER, APP, ""),
    }
    assert not red(graph)
    assert not graph.nodes[VOLUME].exposed


def test_openstack_database_open_to_the_internet_is_drawn_red() -> None:
    graph = extract(openstack(db_from_internet=True))
    assert (INTERNET, DB, "tcp/5432 from 0.0.0.0/0") in edges(graph)
    assert (WEB, DB, "tcp/5432") not in edges(graph)
    assert red(graph) == {(INTERNET, DB), (DB, VOLUME)}
    assert graph.nodes[VOLUME].exposed
    # The web tier is public too, but holds no data: its edge stays plain.
    assert (INTERNET, WEB) not in red(graph)


GCP = "hashicorp/google"


def gres(where: str, type_token: str, /, **properties: Any) -> Resource:
    resource = res(where, type_token, **properties)
    resource.package = GCP
    return resource


def google(public_sql_port: bool) -> list[Resource]:
    """One VPC with a subnet, a Cloud SQL instance with a private address in it, and a firewall on the VPC:
    SSH from an admin range (compliant twin) or PostgreSQL from anywhere (red)."""
    net_link = "https://www.googleapis.com/compute/v1/projects/p/global/networks/hdh"
    firewall = (
        {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["5432"]}]}
        if public_sql_port
        else {"source_ranges": ["10.8.0.0/24"], "allow": [{"protocol": "tcp", "ports": ["5432"]}]}
    )
    return [
        gres("google_compute_network.hdh", "google_compute_network", name="hdh", self_link=net_link),
        gres(
            "google_compute_subnetwork.data",
            "google_compute_subnetwork",
            name="hdh-data",
            network=net_link,
            ip_cidr_range="10.8.0.0/24",
        ),
        gres(
            "google_compute_firewall.sql",
            "google_compute_firewall",
            name="sql",
            network="hdh",
            direction="INGRESS",
            **firewall,
        ),
        gres(
            "google_sql_database_instance.main",
            "google_sql_database_instance",
            name="main",
            settings=[{"ip_configuration": [{"ipv4_enabled": False, "private_network": net_link}]}],
        ),
    ]


NET, SQL = "google_compute_network.hdh", "google_sql_database_instance.main"


def test_google_firewall_flows_land_on_the_network_tier() -> None:
    graph = extract(google(public_sql_port=False))
    assert {n.id: n.role for n in graph.nodes.values()} == {
        INTERNET: "internet",
        NET: "tier",
        SQL: "data_store",
    }
    assert graph.nodes[NET].detail == "10.8.0.0/24"
    assert graph.nodes[SQL].tier == NET
    # From the tier's own range to the tier: a flow inside the tier, and the database held by the tier.
    assert edges(graph) == {(NET, NET, "tcp/5432"), (NET, SQL, "attached")}
    assert not red(graph)


def test_google_sql_port_open_to_the_internet_is_drawn_red() -> None:
    graph = extract(google(public_sql_port=True))
    assert edges(graph) == {(INTERNET, NET, "tcp/5432 from 0.0.0.0/0"), (NET, SQL, "attached")}
    assert red(graph) == {(INTERNET, NET), (NET, SQL)}
    assert graph.nodes[SQL].exposed


OSC = "outscale/outscale"


def ores(where: str, type_token: str, /, **properties: Any) -> Resource:
    resource = res(where, type_token, **properties)
    resource.package = OSC
    return resource


def test_outscale_groups_by_their_own_id_fields_and_rules_between_groups() -> None:
    """Outscale names resources by `net_id`, `subnet_id`, `security_group_id`, `vm_id`, `public_ip`."""
    model = [
        ores("outscale_net.main", "outscale_net", net_id="vpc-1", ip_range="10.1.0.0/16"),
        ores(
            "outscale_subnet.front",
            "outscale_subnet",
            subnet_id="subnet-1",
            net_id="vpc-1",
            ip_range="10.1.1.0/24",
        ),
        ores(
            "outscale_security_group.front",
            "outscale_security_group",
            security_group_id="sg-1",
            security_group_name="front",
            net_id="vpc-1",
        ),
        ores(
            "outscale_security_group.back",
            "outscale_security_group",
            security_group_id="sg-2",
            security_group_name="back",
            net_id="vpc-1",
        ),
        ores(
            "outscale_security_group_rule.front_https",
            "outscale_security_group_rule",
            flow="Inbound",
            security_group_id="sg-1",
            from_port_range=443,
            to_port_range=443,
            ip_protocol="tcp",
            ip_range="0.0.0.0/0",
        ),
        ores(
            "outscale_security_group_rule.back_app",
            "outscale_security_group_rule",
            flow="Inbound",
            security_group_id="sg-2",
            rules=[
                {
                    "from_port_range": 8080,
                    "to_port_range": 8080,
                    "ip_protocol": "tcp",
                    "security_groups_members": [{"security_group_id": "sg-1"}],
                }
            ],
        ),
        ores(
            "outscale_vm.front", "outscale_vm", vm_id="i-1", subnet_id="subnet-1", security_group_ids=["sg-1"]
        ),
        ores(
            "outscale_public_ip.front",
            "outscale_public_ip",
            public_ip_id="eipalloc-1",
            public_ip="192.0.2.10",
        ),
        ores("outscale_public_ip_link.front", "outscale_public_ip_link", public_ip="192.0.2.10", vm_id="i-1"),
    ]
    graph = extract(model)
    front, back = "outscale_security_group.front", "outscale_security_group.back"
    entry = "outscale_public_ip.front"
    assert graph.nodes[front].tier == "outscale_net.main"
    assert graph.nodes[entry].role == "entry"
    assert graph.nodes[entry].detail == "192.0.2.10"
    assert edges(graph) == {
        (INTERNET, entry, "tcp/443 from 0.0.0.0/0"),
        (entry, front, "tcp/443 from 0.0.0.0/0"),
        (front, back, "tcp/8080"),
    }


def test_large_estates_are_drawn_per_tier() -> None:
    """Above the threshold, one node per tier: the flows between tiers are merged, red kept."""
    graph = extract(openstack(db_from_internet=True), aggregate_above=3)
    assert graph.aggregated
    assert {n.id for n in graph.nodes.values()} == {INTERNET, APP, DATA, "entries", "routers"}
    assert edges(graph) == {
        (INTERNET, APP, "tcp/443"),
        (INTERNET, DATA, "tcp/5432"),
        (INTERNET, "entries", "tcp/22"),
        ("entries", APP, "tcp/22"),
        (APP, DATA, "tcp/22"),
        ("routers", INTERNET, "gateway"),
        ("routers", APP, ""),
    }
    assert red(graph) == {(INTERNET, DATA)}
    assert "1 data store(s) exposed" in graph.nodes[DATA].detail


def _with_db_name(name: str) -> list[Resource]:
    model = openstack(db_from_internet=False)
    for resource in model:
        if resource.address == DB:
            resource.properties["name"] = name
    return model


def test_a_quote_in_a_name_cannot_end_a_dot_or_mermaid_label() -> None:
    model = _with_db_name('db"; evil [label="x')
    dot = render(graph_of(model), "dot")
    assert 'db\\"; evil [label=\\"x' in dot
    assert 'db"; evil' not in dot
    flowchart = mermaid(model)
    assert "db#quot;; evil [label=#quot;x" in flowchart
    assert 'db"' not in flowchart


def test_markup_in_a_name_stays_text_in_mermaid_and_svg() -> None:
    model = _with_db_name("db`\n```\n<script>alert(1)</script>")
    flowchart = mermaid(model)
    assert "```" not in flowchart
    assert "<script>" not in flowchart
    assert "db#96; #96;#96;#96; #lt;script#gt;" in flowchart
    if shutil.which("dot") is None:
        pytest.skip("Graphviz (dot) is not installed: apt-get install graphviz")
    svg = render(graph_of(model), "svg")
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_mermaid_marks_red_links_and_exposed_stores() -> None:
    flowchart = mermaid(openstack(db_from_internet=True))
    assert flowchart.startswith("flowchart LR\n")
    assert "linkStyle" in flowchart
    assert "stroke:#c62828" in flowchart
    assert "EXPOSED TO THE INTERNET" in flowchart
    assert "linkStyle" not in mermaid(openstack(db_from_internet=False))


def test_many_tiers_of_one_family_fold_into_one_node() -> None:
    """35 project networks named `ps01-net` ... `ps35-net`, each with a group open to the internet on 443:
    above 30 tiers the aggregated view draws one `ps#-net x35` node, reached from the internet on 443."""
    model: list[Resource] = []
    for n in range(1, 36):
        model += [
            res(
                f"openstack_networking_network_v2.ps{n}",
                "openstack_networking_network_v2",
                id=f"net-{n}",
                name=f"ps{n:02d}-net",
            ),
            res(
                f"openstack_networking_secgroup_v2.ps{n}",
                "openstack_networking_secgroup_v2",
                id=f"sg-{n}",
                name=f"ps{n:02d}-sg",
            ),
            res(
                f"openstack_networking_port_v2.ps{n}",
                "openstack_networking_port_v2",
                id=f"port-{n}",
                network_id=f"net-{n}",
                security_group_ids=[f"sg-{n}"],
            ),
            res(
                f"openstack_networking_secgroup_rule_v2.ps{n}",
                "openstack_networking_secgroup_rule_v2",
                direction="ingress",
                protocol="tcp",
                port_range_min=443,
                port_range_max=443,
                remote_ip_prefix="0.0.0.0/0",
                security_group_id=f"sg-{n}",
            ),
        ]
    graph = extract(model, aggregate_above=40)  # 71 nodes: 35 tiers, 35 groups, the internet
    assert graph.aggregated
    assert {node.label for node in graph.nodes.values()} == {"Internet", "ps#-net x35"}
    folded = next(node for node in graph.nodes.values() if node.label == "ps#-net x35")
    assert folded.detail == "35 group"
    assert edges(graph) == {(INTERNET, folded.id, "tcp/443")}


def test_a_group_that_admits_nothing_is_still_drawn_with_its_data() -> None:
    """Without the database group's three rules, its host and volume are still in the data tier."""
    model = [
        r
        for r in openstack(db_from_internet=False)
        if r.address
        not in {f"openstack_networking_secgroup_rule_v2.{n}" for n in ("db_pg", "db_egress", "db_ssh")}
    ]
    graph = extract(model)
    assert graph.nodes[DB].role == "group"
    assert graph.nodes[DB].tier == DATA
    assert graph.nodes[VOLUME].tier == DATA
    assert {e for e in edges(graph) if DB in e[:2]} == {(DB, VOLUME, "attached")}
