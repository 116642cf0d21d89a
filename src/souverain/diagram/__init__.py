"""The network as a picture, from the normalized model (`souverain diagram`, the HTML and Markdown reports).

`graph.extract` builds a provider-neutral graph; `dot_writer`, `mermaid_writer` and `svg_writer` draw
it. `mermaid(model)` is the entry point the Markdown summary uses.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..engine import Evaluation
from ..model import Plan, Resource
from .graph import Graph, extract

FORMATS = ("svg", "mermaid", "dot")


def graph_of(model: Evaluation | Plan | Iterable[Resource]) -> Graph:
    """The graph of an evaluation, a plan, or a list of resources."""
    resources = model.resources if isinstance(model, Evaluation | Plan) else model
    return extract(resources)


def render(graph: Graph, fmt: str, title: str = "") -> str:
    """The graph as `svg`, `mermaid` or `dot` text, not scrubbed: callers scrub it (the report's Scrubber)."""
    if fmt == "mermaid":
        from . import mermaid_writer as writer

        return writer.render(graph)
    if fmt == "dot":
        from . import dot_writer

        return dot_writer.render(graph, title)
    if fmt == "svg":
        from . import svg_writer

        return svg_writer.render(graph, title)
    raise ValueError(f"unknown diagram format {fmt!r}")


def mermaid(model: Evaluation | Plan | Iterable[Resource]) -> str:
    """The Mermaid flowchart of a model, for Markdown (GitHub and GitLab draw it in pull requests)."""
    from . import mermaid_writer as writer

    return writer.render(graph_of(model))


__all__ = ["FORMATS", "Graph", "extract", "graph_of", "mermaid", "render"]
