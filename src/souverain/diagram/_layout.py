"""What every renderer shares: short stable node ids, the tier each node is drawn in, one style per role."""

from __future__ import annotations

from dataclasses import dataclass

from .graph import SERVICES, Graph, Node

ROLE_NAMES = {
    "internet": "Internet",
    "tier": "tier",
    "router": "router",
    "group": "security group / firewall",
    "entry": "entry point",
    "bastion": "bastion",
    "data_store": "data store",
}
RED = "#c62828"


@dataclass(frozen=True, slots=True)
class Layout:
    ids: dict[str, str]
    """graph node id -> renderer id (`n0`, `n1`...): addresses hold characters no format accepts bare."""
    clusters: dict[str, list[Node]]
    """tier node id -> the nodes drawn inside it (tiers of an aggregated graph are plain nodes)."""
    free: list[Node]
    """Nodes drawn outside any tier."""


def layout(graph: Graph) -> Layout:
    ordered = sorted(graph.nodes.values(), key=lambda n: (n.role != "internet", n.role, n.label, n.id))
    ids = {node.id: f"n{index}" for index, node in enumerate(ordered)}
    clusters: dict[str, list[Node]] = {}
    free: list[Node] = []
    if not graph.aggregated:
        for node in ordered:
            if node.role == "tier":
                clusters.setdefault(node.id, [])
        for node in ordered:
            if node.role != "tier" and node.tier in clusters:
                clusters[node.tier].append(node)
            elif node.role != "tier":
                free.append(node)
        services = clusters.get(SERVICES)
        if services:
            clusters[SERVICES] = _folded(services, ids)
    else:
        free = ordered
    return Layout(ids, clusters, free)


def _folded(nodes: list[Node], ids: dict[str, str]) -> list[Node]:
    """The provider-API data stores, one node per kind (a stack holds dozens of buckets and secrets);
    an exposed one keeps its own node, to be drawn red."""
    kept = [node for node in nodes if node.exposed or node.role != "data_store"]
    by_kind: dict[str, list[Node]] = {}
    for node in nodes:
        if node not in kept:
            by_kind.setdefault(node.detail, []).append(node)
    for kind, members in sorted(by_kind.items()):
        first = members[0]
        names = [member.label for member in members]
        shown = "\n".join(names[:8]) + (f"\n+{len(names) - 8} more" if len(names) > 8 else "")
        folded = Node(f"{SERVICES}:{kind}", f"{kind} x{len(members)}", "data_store", SERVICES, shown)
        ids[folded.id] = ids[first.id]
        kept.append(folded)
    return kept


def node_text(node: Node) -> list[str]:
    """The lines of a node's label: its name, then what it holds or its CIDRs."""
    lines = [node.label]
    if node.role == "bastion":
        lines[0] = f"bastion: {node.label}"
    if node.detail:
        for line in node.detail.split("\n"):
            lines.append(line if len(line) <= 60 else line[:57] + "...")
    if node.exposed:
        lines.append("EXPOSED TO THE INTERNET")
    return lines
