"""The graph as SVG, laid out by Graphviz (`dot`), run as a subprocess on the DOT text.

Graphviz is the reference layered layout for directed graphs (clusters, edge labels, orthogonal ranks),
maintained since the 1990s and packaged by every distribution (`apt-get install graphviz`); placing boxes
by hand or with a less-kept Python layout would draw worse pictures. The SVG it writes has no script and
no external reference; XML special characters in labels are escaped by Graphviz.
"""

from __future__ import annotations

import shutil
import subprocess

from . import dot_writer as dot
from .graph import Graph

TIMEOUT_SECONDS = 120


class DiagramUnavailableError(Exception):
    """The SVG cannot be drawn here (Graphviz missing or failing); the message says why and what to do."""


def render(graph: Graph, title: str = "") -> str:
    program = shutil.which("dot")
    if program is None:
        raise DiagramUnavailableError(
            "Graphviz's `dot` is not installed (apt-get install graphviz, brew install graphviz); "
            "--format mermaid and --format dot need nothing"
        )
    try:
        done = subprocess.run(
            [program, "-Tsvg"],
            input=dot.render(graph, title).encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiagramUnavailableError(f"Graphviz's `dot` failed: {exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiagramUnavailableError(f"Graphviz's `dot` failed: {reason[-1] if reason else done.returncode}")
    svg = done.stdout.decode("utf-8", "replace")
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
