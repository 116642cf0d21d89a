"""The graph in Graphviz's DOT language: tiers as clusters, red for what exposes a data store."""

from __future__ import annotations

from ._layout import RED, layout, node_text
from .graph import INTERNET, Graph, Node

_STYLE = {
    "internet": 'shape=ellipse, style=filled, fillcolor="#e3f2fd"',
    "tier": 'shape=box, style="rounded,filled", fillcolor="#f5f5f5"',
    "router": 'shape=diamond, style=filled, fillcolor="#eceff1"',
    "group": 'shape=box, style="rounded,filled", fillcolor="#ffffff"',
    "entry": 'shape=hexagon, style=filled, fillcolor="#fff8e1"',
    "bastion": 'shape=box, style="rounded,filled,bold", fillcolor="#ffe0b2", penwidth=2',
    "data_store": 'shape=cylinder, style=filled, fillcolor="#e8f5e9"',
}


def quote(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\\n`, control characters
    as spaces and lone surrogates (valid in JSON input, not encodable) as U+FFFD."""
    cleaned = "".join(
        "\ufffd" if "\ud800" <= ch <= "\udfff" else ch if ch >= " " or ch == "\n" else " " for ch in text
    )
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node(ident: str, node: Node) -> str:
    style = _STYLE.get(node.role, _STYLE["group"])
    # Classes for the SVG (`class="node role-entry"`): the browser test and stylesheets find roles by them.
    style += f', class="role-{node.role}{" exposed" if node.exposed else ""}"'
    if node.exposed:
        style += f', color="{RED}", penwidth=3, fontcolor="{RED}"'
    return f"{ident} [label={quote(chr(10).join(node_text(node)))}, {style}];"


def render(graph: Graph, title: str = "") -> str:
    plan = layout(graph)
    lines = [
        "digraph network {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.3, ranksep=0.6, compound=true'
        + (f", label={quote(title)}, labelloc=t" if title else "")
        + "];",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9, color="#546e7a"];',
    ]
    for index, (tier_id, members) in enumerate(plan.clusters.items()):
        tier = graph.nodes[tier_id]
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(
            f'    label={quote(chr(10).join(node_text(tier)))}; style="rounded,filled"; '
            'fillcolor="#fafafa"; color="#90a4ae";'
        )
        # An empty tier still shows: an invisible point keeps the cluster drawn.
        lines.append(f'    {plan.ids[tier_id]} [shape=point, style=invis, width=0, label=""];')
        for node in members:
            lines.append(f"    {_node(plan.ids[node.id], node)}")
        lines.append("  }")
    for node in plan.free:
        lines.append(f"  {_node(plan.ids[node.id], node)}")
    for edge in graph.edges:
        attrs = [f"label={quote(edge.label)}"] if edge.label else []
        classes = [f"edge-{edge.role}", *(["red"] if edge.red else [])]
        if edge.source == INTERNET:
            classes.append("from-internet")
        attrs.append(f'class="{" ".join(classes)}"')
        if edge.red:
            attrs += [f'color="{RED}"', f'fontcolor="{RED}"', "penwidth=3"]
        elif edge.role in {"route", "attached"}:
            attrs += ["style=dashed", "arrowhead=none" if edge.role == "route" else "arrowhead=normal"]
        source, target = plan.ids[edge.source], plan.ids[edge.target]
        if edge.source in plan.clusters:
            attrs.append(f"ltail=cluster_{list(plan.clusters).index(edge.source)}")
        if edge.target in plan.clusters:
            attrs.append(f"lhead=cluster_{list(plan.clusters).index(edge.target)}")
        lines.append(f"  {source} -> {target} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
