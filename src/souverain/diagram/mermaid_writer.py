"""The graph as a Mermaid flowchart, which GitHub and GitLab draw in Markdown (pull requests, summaries)."""

from __future__ import annotations

from ._layout import RED, layout, node_text
from .graph import Graph, Node

_SHAPE = {
    "internet": ("((", "))"),
    "router": ("{", "}"),
    "entry": ("{{", "}}"),
    "data_store": ("[(", ")]"),
}


def text(value: str) -> str:
    """A Mermaid quoted label: quotes, angle brackets, backticks and pipes as entity codes (a backtick
    could close the Markdown fence around the diagram; `<` would open HTML in a label)."""
    table = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;", "|": "#124;", "#": "#35;", "&": "#amp;"}
    cleaned = "".join(
        table.get(ch, "\ufffd" if "\ud800" <= ch <= "\udfff" else ch if ch >= " " else " ") for ch in value
    )
    return f'"{cleaned}"'


def _node(ident: str, node: Node) -> str:
    opening, closing = _SHAPE.get(node.role, ("[", "]"))
    return f"{ident}{opening}{text(' / '.join(node_text(node)))}{closing}"


def render(graph: Graph) -> str:
    plan = layout(graph)
    lines = ["flowchart LR"]
    for tier_id, members in plan.clusters.items():
        tier = graph.nodes[tier_id]
        lines.append(f"  subgraph {plan.ids[tier_id]}[{text(' / '.join(node_text(tier)))}]")
        for node in members:
            lines.append(f"    {_node(plan.ids[node.id], node)}")
        lines.append("  end")
    for node in plan.free:
        lines.append(f"  {_node(plan.ids[node.id], node)}")
    red_links: list[int] = []
    for number, edge in enumerate(graph.edges):
        arrow = "-.-" if edge.role == "route" else "-.->" if edge.role == "attached" else "-->"
        label = f"|{text(edge.label)}|" if edge.label else ""
        lines.append(f"  {plan.ids[edge.source]} {arrow}{label} {plan.ids[edge.target]}")
        if edge.red:
            red_links.append(number)
    for node in graph.nodes.values():
        if node.exposed:
            lines.append(f"  style {plan.ids[node.id]} stroke:{RED},stroke-width:3px")
    if red_links:
        lines.append(f"  linkStyle {','.join(map(str, red_links))} stroke:{RED},stroke-width:3px")
    return "\n".join(lines) + "\n"
