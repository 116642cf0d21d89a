"""`souverain diagram`: formats, output file, exit codes, and the one-line error when Graphviz is missing.

The Health Data Hub prod stack's expected tiers and SSH entry are read by hand from stacks/health-data-hub.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from souverain.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
STACK = str(ROOT / "stacks" / "health-data-hub")


def test_mermaid_of_the_prod_stack_names_its_tiers_and_its_one_entry() -> None:
    result = CliRunner().invoke(main, ["diagram", STACK, "--stack", "prod", "--format", "mermaid"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("flowchart LR\n")
    for tier in ("hdh-admin-net / 10.10.0.0/24", "hdh-app-net / 10.10.1.0/24", "hdh-data-net / 10.10.2.0/24"):
        assert f'["{tier}"]' in text
    # One hexagon (entry point): the bastion's floating IP, reached on SSH from the two admin ranges.
    assert text.count("{{") == 1
    assert '{{"bastion-fip / 203.0.113.62"}}' in text
    assert text.count('|"tcp/22 from ') == 4  # internet -> fip, fip -> bastion, for each admin range
    assert "linkStyle" not in text


def test_dot_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "prod.dot"
    result = CliRunner().invoke(
        main, ["diagram", STACK, "--stack", "prod", "--format", "dot", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("digraph network {")
    assert 'label="hdh-data-net\\n10.10.2.0/24"' in text


def test_a_project_without_stack_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["diagram", STACK, "--format", "mermaid"])
    assert result.exit_code == 2
    assert "needs --stack NAME" in result.stderr


def test_svg_without_graphviz_exits_2_and_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("souverain.diagram.svg_writer.shutil.which", lambda name: None)
    result = CliRunner().invoke(main, ["diagram", STACK, "--stack", "prod", "--format", "svg"])
    assert result.exit_code == 2
    assert "apt-get install graphviz" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz is not installed (apt-get install graphviz)"
)
def test_svg_of_the_prod_stack() -> None:
    result = CliRunner().invoke(main, ["diagram", STACK, "--stack", "prod"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<svg")
    assert "hdh&#45;admin&#45;net" in result.stdout  # Graphviz writes "-" as a character reference


def test_the_markdown_summary_embeds_the_network_as_mermaid() -> None:
    result = CliRunner().invoke(main, ["check", STACK, "--stack", "prod", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    start = text.index("<details><summary>Network</summary>\n\n```mermaid\nflowchart LR\n")
    body = text[start:].split("```mermaid\n", 1)[1]
    flowchart, after = body.split("\n```\n", 1)
    assert after.strip() == "</details>"
    assert '["hdh-data-net / 10.10.2.0/24"]' in flowchart
    assert flowchart.count("{{") == 1  # the one entry point
    assert "```" not in flowchart


def test_the_markdown_summary_of_a_plan_without_network_has_no_diagram() -> None:
    from souverain.engine import Evaluation
    from souverain.reports import render

    assert "mermaid" not in render(Evaluation([], [], [], None), "markdown")
