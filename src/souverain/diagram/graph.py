"""The network as a graph, from the normalized model: tiers, routers, groups, entry points, flows, data.

Provider-neutral: resources are told apart by their kind (`data/kinds.yaml`), inbound rules are read
through the neutral ingress facts (`souverain.facets.ingress_rules`), and references between resources
are found by value: a property that equals another resource's identifier (`id`, `name`, `self_link`, or
the type's own field in `data/topology.yaml`) points at it. No verdict is made here; the red paths are a
picture of what the internet can reach, not a finding.

- A *tier* is a network (with its subnets' CIDRs).
- A *group* is a security group or firewall; it sits in the tier(s) of the ports or instances it guards.
- A *flow* is an inbound rule: from the internet (a public CIDR), a tier (a private CIDR inside a subnet),
  or another group, to the rule's group, labelled with protocol and ports.
- An *entry* is a floating IP or load balancer; public rules of the group behind one are drawn through it.
- A *data store* (kinds.yaml `data_stores`) sits with the instance it is attached to, or in the tier it
  is connected to, else among the provider's managed services.
- A *bastion* is a host the internet reaches on SSH only and from which SSH flows lead to other groups.

Red: a data store is exposed when the internet reaches it in one hop: a public rule on the group of the
host it is attached to or the tier it sits in. A host that terminates connections (the bastion, from
which an operator opens SSH to the next host) is not a pass-through: what it reaches is not red.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import yaml

from .._data import package_data_text
from ..facets import IngressRule, ingress_rules, ingress_rules_of_shape
from ..kinds import is_data_store
from ..model import UNKNOWN, Plan, Resource, Secret

INTERNET = "internet"
SERVICES = "services"
"""The pseudo-tier of data stores reached through the provider's API rather than a network of the stack."""
AGGREGATE_ABOVE = 80
"""Above this many nodes, the diagram shows one node per tier and the flows between tiers."""

_GROUP_KINDS = frozenset({"security_group", "firewall_rule"})
_RULE_KINDS = frozenset({"security_group_rule", "firewall_rule", "security_group"})
_ENTRY_KINDS = frozenset({"floating_ip", "load_balancer", "lb_frontend"})
_HOST_KINDS = frozenset({"instance", "port", "database", "load_balancer", "kubernetes_cluster", "node_pool"})


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    label: str
    role: str
    """`internet`, `tier`, `router`, `group`, `entry`, `bastion`, `data_store`."""
    tier: str | None = None
    """The tier node it is drawn in, if any."""
    detail: str = ""
    exposed: bool = False
    """A data store the internet reaches in one hop (drawn red)."""
    family: str = ""
    """For a tier: what the aggregated view folds it into when there are too many tiers to draw one by
    one: its `tier` label, else its name with digits as `#` (`ps####-net` for 477 project spaces)."""


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    label: str
    role: str
    """`flow` (a rule), `entry` (internet to an entry point), `route` (router to tier), `attached`."""
    red: bool = False


@dataclass(slots=True)
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    aggregated: bool = False
    resources: int = 0
    """How many cloud resources the graph was drawn from."""

    _seen: set[Edge] = field(default_factory=set, repr=False)

    def add(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)

    def connect(self, edge: Edge) -> None:
        if edge.source in self.nodes and edge.target in self.nodes and edge not in self._seen:
            self._seen.add(edge)
            self.edges.append(edge)

    def edge_set(self) -> set[tuple[str, str, str]]:
        return {(e.source, e.target, e.label) for e in self.edges}


@cache
def _topology() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(package_data_text("topology.yaml"))
    return data


@cache
def _own_shapes() -> dict[str, Mapping[str, Any]]:
    shapes: dict[str, Mapping[str, Any]] = {}
    for shape in (_topology().get("ingress") or {}).values():
        for type_token in shape["types"]:
            shapes[type_token] = shape
    return shapes


def inbound_rules(resource: Resource) -> tuple[IngressRule, ...]:
    """The neutral inbound rules of a resource: `facets.yaml`'s shapes, else the diagram's own."""
    shape = _own_shapes().get(resource.type)
    return ingress_rules_of_shape(shape, resource) if shape is not None else ingress_rules(resource)


def _plain(value: Any) -> Any:
    return value.reveal() if isinstance(value, Secret) else value


def _identifiers(resource: Resource) -> set[str]:
    """The values other resources may use to name this one."""
    fields = ["id", "self_link", "name", *(_topology()["identity_fields"].get(resource.type) or ())]
    found = {v for f in fields if isinstance(v := _plain(resource.properties.get(f)), str) and v}
    if resource.source == "pulumi-mock":
        found.add(f"{resource.name}_id")  # the offline runtime's ids (souverain.offline)
    return found


_LONGEST_IDENTIFIER = 512
"""Longer strings (user data, policies, certificates) are never another resource's identifier."""


class _Index:
    """References between resources, found by value."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.by_token: dict[str, list[Resource]] = {}
        self.identifiers: dict[str, set[str]] = {}
        for resource in resources:
            if (
                resource.kind in _GROUP_KINDS | _HOST_KINDS | _ENTRY_KINDS
                or resource.kind
                in {
                    "network",
                    "subnet",
                    "router",
                }
                or is_data_store(resource.kind)
            ):
                own = self.identifiers[resource.address] = _identifiers(resource)
                for token in own:
                    self.by_token.setdefault(token, []).append(resource)

    def references(self, resource: Resource) -> list[tuple[str, Resource]]:
        """(path, resource) of every string property that names exactly one other resource, in order.

        One walk without building paths: a path is spelled only for the few strings that match (a 10k
        plan holds hundreds of thousands of strings, almost none of them identifiers).
        """
        own = self.identifiers.get(resource.address)
        if own is None:
            own = _identifiers(resource)
        by_token = self.by_token
        found: list[tuple[str, Resource]] = []
        skip = _not_references()
        stack: list[tuple[Any, Any]] = [
            (item, (None, key, False))
            for key, item in reversed(resource.properties.items())
            if key not in skip
        ]
        while stack:
            value, where = stack.pop()
            kind = type(value)
            if value is None or kind is int or kind is bool or kind is float:
                continue
            if kind is str:
                if len(value) <= _LONGEST_IDENTIFIER and value not in own:
                    targets = by_token.get(value)
                    if targets and len(targets) == 1 and targets[0] is not resource:
                        found.append((_spell(where), targets[0]))
            elif kind is dict:
                stack.extend((item, (where, key, False)) for key, item in reversed(value.items()))
            elif kind is list or kind is tuple:
                stack.extend((value[index], (where, index, True)) for index in range(len(value) - 1, -1, -1))
            elif isinstance(value, Secret):
                stack.append((value.reveal(), where))
            elif isinstance(value, Mapping):
                stack.extend((item, (where, key, False)) for key, item in reversed(list(value.items())))
            elif isinstance(value, list | tuple):
                stack.extend((value[index], (where, index, True)) for index in range(len(value) - 1, -1, -1))
        return found


@cache
def _not_references() -> frozenset[str]:
    return frozenset(_topology().get("not_references") or ())


def _spell(where: Any) -> str:
    """The dotted path (`rules[0].security_groups_members[0].security_group_id`) of a walk's position."""
    parts: list[str] = []
    while where is not None:
        where, key, indexed = where
        parts.append(f"[{key}]" if indexed else f".{key}")
    return "".join(reversed(parts)).lstrip(".")


_LINKING_KINDS = frozenset(
    {
        "subnet",
        "router",
        "router_interface",
        "volume_attachment",
        "floating_ip_association",
        "security_group_rule",
    }
)


def _draws(resource: Resource) -> bool:
    """Whether the picture needs this resource's references."""
    kind = resource.kind
    return (
        kind in _LINKING_KINDS
        or kind in _GROUP_KINDS
        or kind in _HOST_KINDS
        or kind in _ENTRY_KINDS
        or is_data_store(kind)
    )


def _is_source_path(path: str) -> bool:
    lowered = path.casefold()
    return any(marker in lowered for marker in _topology()["source_reference_markers"])


def _label(resource: Resource) -> str:
    name = _plain(resource.properties.get("name"))
    return name if isinstance(name, str) and name else resource.name


def _node_id(resource: Resource) -> str:
    return resource.address


def _protocol_ports(rule: IngressRule) -> str:
    protocol = rule.protocol
    if protocol is UNKNOWN:
        text = "?"
    elif protocol in (None, "", "-1", "all", "any"):
        text = "any"
    else:
        text = str(protocol).casefold()
        text = {"6": "tcp", "17": "udp", "1": "icmp"}.get(text, text)
    if rule.ports is None:
        return text if text in {"icmp", "any"} else f"{text}/any"
    spans = []
    for low, high in rule.ports:
        if low is UNKNOWN or high is UNKNOWN:
            spans.append("?")
        elif str(low) == str(high):
            spans.append(str(low))
        else:
            spans.append(f"{low}-{high}")
    return f"{text}/{','.join(spans)}"


@lru_cache(maxsize=4096)
def _public(cidr: str) -> bool:
    """Public as no-public-ingress judges it (one definition of the internet for the check and the picture);
    what cannot be read as a network is drawn as the internet (fail closed)."""
    from souverain.policies._support import parse_network
    from souverain.policies.no_public_ingress import is_public

    network = parse_network(cidr)
    return network is None or is_public(network)


def extract(resources: Iterable[Resource], *, aggregate_above: int = AGGREGATE_ABOVE) -> Graph:
    """The network graph of `resources` (the cloud resources of a plan or evaluation)."""
    cloud = [r for r in resources if r.is_cloud_resource]
    index = _Index(cloud)
    graph = Graph(resources=len(cloud))
    # Only the kinds the picture places or links look for references (a plan's secrets, images and
    # keypairs are left alone).
    refs = {r.address: index.references(r) if _draws(r) else [] for r in cloud}
    by_address = {r.address: r for r in cloud}

    # Tiers: networks, and the subnets that belong to them.
    tier_of: dict[str, str] = {}
    """resource address -> tier node id, for networks, subnets and what is placed in them."""
    cidrs: dict[str, list[str]] = {}
    for r in cloud:
        if r.kind == "network":
            tier_of[r.address] = r.address
    for r in cloud:
        if r.kind == "subnet":
            parent = next((t.address for _, t in refs[r.address] if t.kind == "network"), r.address)
            tier_of[r.address] = parent
            cidr = _plain(
                r.properties.get("cidr") or r.properties.get("ip_cidr_range") or r.properties.get("ip_range")
            )
            if isinstance(cidr, str):
                cidrs.setdefault(parent, []).append(cidr)
    tier_ranges = _TierRanges(cidrs)
    for tier in sorted(set(tier_of.values())):
        resource = by_address[tier]
        family = resource.tags.get("tier") or _DIGITS.sub("#", _label(resource))
        graph.add(
            Node(tier, _label(resource), "tier", detail=", ".join(sorted(cidrs.get(tier, []))), family=family)
        )

    def tiers_of(address: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """The tiers a host is placed in: through its references to networks, subnets and ports."""
        if address in tier_of:
            return {tier_of[address]}
        found: set[str] = set()
        for _, target in refs.get(address, ()):
            if target.kind in {"network", "subnet"}:
                found.add(tier_of[target.address])
            elif target.kind == "port" and target.address not in seen:
                found |= tiers_of(target.address, seen | {address})
        return found

    # Groups and who they guard.
    members: dict[str, list[Resource]] = {}
    for r in cloud:
        for path, target in refs[r.address]:
            if target.kind in _GROUP_KINDS and r.kind in _HOST_KINDS and not _is_source_path(path):
                members.setdefault(target.address, []).append(r)
    group_tiers: dict[str, set[str]] = {}
    for group, hosts in members.items():
        group_tiers[group] = set().union(*(tiers_of(h.address) for h in hosts))
    # A group that guards nothing yet is drawn in the network that carries the same `tier` label.
    tier_labels: dict[str, set[str]] = {}
    for tier in set(tier_of.values()):
        label = by_address[tier].tags.get("tier")
        if label:
            tier_labels.setdefault(label, set()).add(tier)
    for r in cloud:
        if r.kind in _GROUP_KINDS and not group_tiers.get(r.address) and r.tags.get("tier") in tier_labels:
            group_tiers[r.address] = tier_labels[r.tags["tier"]]
    # A port's instance guards: the instance that references the port is a member of the port's groups.
    instance_of_port = {
        target.address: r
        for r in cloud
        if r.kind == "instance"
        for _, target in refs[r.address]
        if target.kind == "port"
    }
    for group, hosts in members.items():
        members[group] = [instance_of_port.get(h.address, h) for h in hosts]

    # Every group that guards something is drawn, whether or not it admits anything.
    for group_address, hosts in members.items():
        graph.add(
            Node(
                group_address,
                _label(by_address[group_address]),
                "group",
                tier=_single(group_tiers.get(group_address)),
                detail=", ".join(sorted({_label(m) for m in hosts})),
            )
        )

    # Flows: one per inbound rule.
    flows: list[tuple[str, str, str, bool]] = []
    """(source node or INTERNET, owning group or tier, label, public)."""
    for r in cloud:
        if r.kind not in _RULE_KINDS:
            continue
        rules = inbound_rules(r)
        if not rules:
            continue
        owners = [
            t for p, t in refs[r.address] if not _is_source_path(p) and t.kind in _GROUP_KINDS | {"network"}
        ]
        owner = r if r.kind in _GROUP_KINDS and r.kind != "security_group_rule" else None
        if owner is None or (r.kind == "firewall_rule" and owners and owners[0].kind == "network"):
            owner = owners[0] if owners else r
        owner_id = owner.address if owner.kind != "network" else tier_of.get(owner.address, owner.address)
        if owner.kind != "network":
            graph.add(
                Node(
                    owner_id,
                    _label(owner),
                    "group",
                    tier=_single(group_tiers.get(owner.address)),
                    detail=", ".join(sorted({_label(m) for m in members.get(owner.address, [])})),
                )
            )
        for rule in rules:
            label = _protocol_ports(rule)
            prefix = f"{rule.path}." if rule.path else ""
            sources = [
                t
                for p, t in refs[r.address]
                if _is_source_path(p) and t.kind in _GROUP_KINDS and (not prefix or p.startswith(prefix))
            ]
            for source_group in sources:
                graph.add(
                    Node(
                        source_group.address,
                        _label(source_group),
                        "group",
                        tier=_single(group_tiers.get(source_group.address)),
                        detail=", ".join(sorted({_label(m) for m in members.get(source_group.address, [])})),
                    )
                )
                flows.append((source_group.address, owner_id, label, False))
            for _, cidr in rule.sources:
                if cidr is UNKNOWN or not isinstance(cidr, str):
                    flows.append((INTERNET, owner_id, f"{label} (source unknown)", True))
                elif _public(cidr):
                    flows.append((INTERNET, owner_id, f"{label} from {cidr}", True))
                else:
                    holding = tier_ranges.holding(cidr)
                    if holding is not None:
                        flows.append((holding, owner_id, label, False))
            if any(means == "public" for _, means, _ in rule.named_sources):
                flows.append((INTERNET, owner_id, f"{label} from named internet sources", True))
            if not rule.sources and not rule.from_group and not sources and rule.no_source == "any":
                flows.append((INTERNET, owner_id, f"{label} from any", True))

    # Entry points: floating IPs and load balancers, and the groups or tiers behind them.
    entries_of: dict[str, list[str]] = {}
    """group or tier node -> entry nodes in front of it."""
    for r in cloud:
        if r.kind not in _ENTRY_KINDS and r.kind != "floating_ip_association":
            continue
        entry = r
        if r.kind == "floating_ip_association":
            entry = next((t for _, t in refs[r.address] if t.kind == "floating_ip"), None) or next(
                (
                    by_address[d]
                    for d in r.dependencies
                    if d in by_address and by_address[d].kind == "floating_ip"
                ),
                r,
            )
        detail = next(
            (
                value
                for holder in (entry, r)
                for key in ("address", "floating_ip", "public_ip", "ip_address")
                if isinstance(value := _plain(holder.properties.get(key)), str) and value
            ),
            "",
        )
        known = graph.nodes.get(entry.address)
        if known is None or (detail and not known.detail):
            graph.nodes[entry.address] = Node(entry.address, _label(entry), "entry", detail=detail)
        for _, target in refs[r.address]:
            hosts = [target]
            if target.kind == "port":
                hosts = [instance_of_port.get(target.address, target)]
            for host in hosts:
                for group, group_members in members.items():
                    if host in group_members or target in group_members:
                        entries_of.setdefault(group, []).append(entry.address)
                for tier in tiers_of(target.address):
                    if target.kind in {"network", "subnet"}:
                        entries_of.setdefault(tier, []).append(entry.address)

    graph.add(Node(INTERNET, "Internet", "internet"))
    for flow_source, flow_target, label, _is_public in flows:
        if flow_source == INTERNET:
            fronts = [e for e in entries_of.get(flow_target, []) if e in graph.nodes]
            if fronts:
                for front in dict.fromkeys(fronts):
                    graph.connect(Edge(INTERNET, front, label, "entry"))
                    graph.connect(Edge(front, flow_target, label, "flow"))
                continue
        graph.connect(Edge(flow_source, flow_target, label, "flow"))
    for guarded, fronts in entries_of.items():
        for front in fronts:
            if not any(e.source == front for e in graph.edges):
                graph.connect(Edge(front, guarded, "", "flow"))

    # Routers: their interfaces to tiers, their gateway to the internet.
    for r in cloud:
        if r.kind == "router":
            graph.add(Node(r.address, _label(r), "router"))
            gateways = _topology()["internet_gateways"]
            if r.type in gateways["types"] or any(
                r.properties.get(name) not in (None, "", [], {}) for name in gateways["fields"]
            ):
                graph.connect(Edge(r.address, INTERNET, "gateway", "route"))
        elif r.kind == "router_interface":
            router = next((t for _, t in refs[r.address] if t.kind == "router"), None)
            if router is not None:
                graph.add(Node(router.address, _label(router), "router"))
                for tier in tiers_of(r.address):
                    graph.connect(Edge(router.address, tier, "", "route"))

    # Bastions: reached from the internet on SSH only, the source of SSH flows to other groups.
    public_labels: dict[str, set[str]] = {}
    for _flow_source, flow_target, label, is_public in flows:
        if is_public:
            public_labels.setdefault(flow_target, set()).add(label.split(" ")[0])
    for group, labels in public_labels.items():
        ssh_out = any(s == group and lab.startswith("tcp/22") for s, _, lab, _ in flows)
        node = graph.nodes.get(group)
        if node is not None and node.role == "group" and labels == {"tcp/22"} and ssh_out:
            graph.nodes[group] = Node(node.id, node.label, "bastion", node.tier, node.detail)

    # Data stores: with the host they are attached to, or in their tier, else managed services.
    host_groups: dict[str, list[str]] = {}
    for group, hosts in members.items():
        for host in hosts:
            host_groups.setdefault(host.address, []).append(group)
    attached_to: dict[str, list[str]] = {}
    for r in cloud:
        if r.kind == "volume_attachment":
            targets = refs[r.address]
            volume = next((t for _, t in targets if is_data_store(t.kind)), None)
            instance = next((t for _, t in targets if t.kind == "instance"), None)
            if volume is not None and instance is not None:
                attached_to.setdefault(volume.address, []).append(instance.address)
    exposed_targets = set(public_labels)
    for r in cloud:
        if not is_data_store(r.kind) or r.kind in {
            "key_order",
            "secret_version",
            "object",
            "database_schema",
        }:
            continue
        holders: list[str] = []
        for host_address in attached_to.get(r.address, []):
            holders += host_groups.get(host_address, [])
        for _path, target in refs[r.address]:
            if target.kind in _GROUP_KINDS:
                holders.append(target.address)
            elif target.kind == "instance":
                holders += host_groups.get(target.address, [])
        tiers = tiers_of(r.address)
        if not holders:
            holders = sorted(tiers)
        exposed = any(h in exposed_targets for h in holders)
        store_tier = _single(tiers) or _single({graph.nodes[h].tier for h in holders if h in graph.nodes})
        if not holders and not tiers:
            store_tier = SERVICES
        graph.add(
            Node(r.address, _label(r), "data_store", tier=store_tier, detail=r.kind or "", exposed=exposed)
        )
        for holder in dict.fromkeys(holders):
            graph.connect(
                Edge(holder, r.address, "attached", "attached", red=exposed and holder in exposed_targets)
            )
    if any(n.tier == SERVICES for n in graph.nodes.values()):
        graph.add(Node(SERVICES, "Managed services (provider API)", "tier"))

    _paint_red(graph, exposed_targets)
    if len(graph.nodes) > aggregate_above:
        return aggregate(graph)
    return graph


def _paint_red(graph: Graph, exposed_targets: set[str]) -> None:
    """The internet's edges to a group or tier holding an exposed data store, and the entries on them."""
    holders = {e.source for e in graph.edges if e.role == "attached" and e.red}
    red_entries = {
        e.source
        for e in graph.edges
        if e.target in holders and e.role == "flow" and graph.nodes[e.source].role == "entry"
    }
    graph.edges = [
        Edge(e.source, e.target, e.label, e.role, red=True)
        if (e.source == INTERNET and (e.target in holders or e.target in red_entries))
        or (e.source in red_entries and e.target in holders)
        else e
        for e in graph.edges
    ]


class _TierRanges:
    """Which tier's subnet holds a private source range: each subnet parsed once, then a source is looked
    up by its supernets (at most 32 or 128 dictionary lookups), not compared with every subnet."""

    def __init__(self, cidrs: Mapping[str, list[str]]) -> None:
        self.by_network: dict[ipaddress.IPv4Network | ipaddress.IPv6Network, str] = {}
        for tier, ranges in sorted(cidrs.items()):
            for text in ranges:
                try:
                    self.by_network.setdefault(ipaddress.ip_network(text.strip(), strict=False), tier)
                except ValueError:
                    continue
        self.memo: dict[str, str | None] = {}

    def holding(self, cidr: str) -> str | None:
        if cidr in self.memo:
            return self.memo[cidr]
        found: str | None = None
        try:
            network = ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            network = None
        if network is not None and self.by_network:
            for prefix in range(network.prefixlen, -1, -1):
                found = self.by_network.get(network.supernet(new_prefix=prefix))
                if found is not None:
                    break
        self.memo[cidr] = found
        return found


def _single(values: set[str | None] | set[str] | None) -> str | None:
    values = {v for v in values or () if v}
    return next(iter(values)) if len(values) == 1 else None


FOLD_TIERS_ABOVE = 30
"""Above this many tiers, the aggregated view folds tiers of one family (`Node.family`) into one node."""
_DIGITS = re.compile(r"\d+")


def aggregate(graph: Graph) -> Graph:
    """One node per tier (with counts of what it holds), flows merged between tiers: for large estates.
    With more tiers than `FOLD_TIERS_ABOVE`, one node per family of tiers (477 project spaces: one node)."""
    out = Graph(aggregated=True, resources=graph.resources)
    where: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {}
    tiers = [node for node in graph.nodes.values() if node.role == "tier"]
    fold = len(tiers) > FOLD_TIERS_ABOVE
    family_of = {
        node.id: f"family:{node.family or node.label}" if fold and node.id != SERVICES else node.id
        for node in tiers
    }
    members: dict[str, int] = {}
    for place in family_of.values():
        members[place] = members.get(place, 0) + 1
    for node in graph.nodes.values():
        if node.role == "internet":
            where[node.id] = node.id
        elif node.role == "tier":
            where[node.id] = family_of[node.id]
        elif node.tier is not None:
            where[node.id] = family_of.get(node.tier, node.tier)
        elif node.role == "router":
            where[node.id] = "routers"
        elif node.role == "entry":
            where[node.id] = "entries"
        else:
            where[node.id] = "unplaced"
        if node.role not in {"internet", "tier"}:
            bucket = counts.setdefault(where[node.id], {})
            bucket[node.role] = bucket.get(node.role, 0) + 1
    exposed: dict[str, int] = {}
    for node in graph.nodes.values():
        if node.role == "data_store" and node.exposed:
            exposed[where[node.id]] = exposed.get(where[node.id], 0) + 1
    names = {
        "routers": "Routers",
        "entries": "Entry points (floating IPs, load balancers)",
        "unplaced": "Unplaced groups",
    }
    for place in sorted(set(where.values())):
        original = graph.nodes.get(place)
        label = original.label if original is not None else names.get(place, place)
        if place.startswith("family:"):
            label = place.removeprefix("family:")
            if members[place] > 1:
                label = f"{label} x{members[place]}"
        detail = ", ".join(f"{n} {role}" for role, n in sorted(counts.get(place, {}).items()))
        if exposed.get(place):
            detail += f"; {exposed[place]} data store(s) exposed"
        role = "internet" if place == INTERNET else "tier"
        out.add(Node(place, label, role, detail=detail, exposed=bool(exposed.get(place))))
    merged: dict[tuple[str, str], tuple[set[str], bool]] = {}
    for edge in graph.edges:
        source, target = where[edge.source], where[edge.target]
        if source == target:
            continue
        labels, red = merged.get((source, target), (set(), False))
        if edge.label:
            labels.add(edge.label.split(" ")[0])
        merged[(source, target)] = (labels, red or edge.red)
    for (source, target), (labels, red) in sorted(merged.items()):
        shown = sorted(labels)
        text = ", ".join(shown[:4]) + (f" +{len(shown) - 4}" if len(shown) > 4 else "")
        out.connect(Edge(source, target, text, "flow", red=red))
    return out


def from_plan(plan: Plan) -> Graph:
    return extract(plan.resources)
