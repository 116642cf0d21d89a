"""The HTML report opened in a real headless Chromium (Debian's `chromium`, installed by .ci/run): it renders,
logs no console error, requests nothing from the network, and its diagram shows the Health Data Hub prod
stack's tiers, flows and single SSH entry.

The expected tiers, ports and entry below are read by hand from stacks/health-data-hub (Pulumi.prod.yaml
and __main__.py): three platform tiers and one network per research project, HTTPS from admin to app,
PostgreSQL from app to data, SSH from the bastion, and one floating IP in front of the bastion.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import Page, browser, chromium
from click.testing import CliRunner
from souverain.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
EXECUTABLE = browser()
pytestmark = [
    pytest.mark.skipif(
        EXECUTABLE is None,
        reason="Chromium is not installed here (apt-get install chromium; .ci/run installs it)",
    ),
    pytest.mark.skipif(
        shutil.which("dot") is None,
        reason="Graphviz is not installed here (apt-get install graphviz; .ci/run installs it)",
    ),
]


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    assert EXECUTABLE is not None
    with chromium(EXECUTABLE) as process:
        yield Page(process)


@pytest.fixture(scope="module")
def prod_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("html") / "prod.html"
    result = CliRunner().invoke(
        main,
        [
            "check",
            str(ROOT / "stacks" / "health-data-hub"),
            "--stack",
            "prod",
            "--format",
            "html",
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    return target


def test_the_request_recorder_sees_a_page_that_fetches(page: Page, tmp_path: Path) -> None:
    """The control: a page with a remote image and a console error is caught, so the checks below can fail."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><img src="https://cdn.example.test/logo.png">'
        "<script>console.error('boom')</script></body></html>",
        encoding="utf-8",
    )
    run = page.open(bad)
    assert run.requests == ["https://cdn.example.test/logo.png"]
    assert ("error", "boom") in run.console


def test_the_prod_report_renders_offline_without_errors(page: Page, prod_report: Path) -> None:
    run = page.open(prod_report)
    assert run.requests == []
    assert [entry for entry in run.console if entry[0] in {"error", "assert", "warning"}] == []
    assert [entry for entry in run.log if entry[0] in {"error", "warning"}] == []
    assert run.exceptions == []
    assert page.evaluate("document.getElementById('verdict').textContent") == "PASS"
    sections = page.evaluate("[...document.querySelectorAll('section')].map(s => s.id)")
    assert sections == ["inputs", "requirements", "waivers", "catalog", "inventory", "diagram"]
    # Laid out, not just present: the diagram has a size on screen.
    width = page.evaluate("document.querySelector('figure.diagram svg').getBoundingClientRect().width")
    assert width > 400


def test_the_prod_diagram_shows_tiers_flows_and_one_ssh_entry(page: Page, prod_report: Path) -> None:
    page.open(prod_report)
    clusters = page.evaluate(
        "[...document.querySelectorAll('figure.diagram g.cluster text')].map(t => t.textContent)"
    )
    for tier in (
        "hdh-admin-net",
        "hdh-app-net",
        "hdh-data-net",
        "maladies-rares-net",
        "parcours-cancer-net",
        "pharmacovigilance-2026-net",
    ):
        assert tier in clusters
    labels = set(
        page.evaluate("[...document.querySelectorAll('figure.diagram g.edge text')].map(t => t.textContent)")
    )
    assert {"tcp/443", "tcp/5432", "tcp/22"} <= labels
    entries = page.evaluate(
        "[...document.querySelectorAll('figure.diagram g.node.role-entry')]"
        ".map(n => [n.querySelector('title').textContent,"
        " [...n.querySelectorAll('text')].map(t => t.textContent)])"
    )
    assert len(entries) == 1
    entry_id, entry_text = entries[0]
    assert entry_text == ["bastion-fip", "203.0.113.62"]
    from_internet = page.evaluate(
        "[...document.querySelectorAll('figure.diagram g.edge.from-internet')]"
        ".map(e => [e.querySelector('title').textContent, e.querySelector('text').textContent])"
    )
    # Every way in from the internet is SSH to the one floating IP (one edge per admin range).
    assert from_internet
    assert {title.split("->")[1] for title, _ in from_internet} == {entry_id}
    assert all(label.startswith("tcp/22 from ") for _, label in from_internet)
    assert page.evaluate("document.querySelectorAll('figure.diagram g.node.role-bastion').length") == 1
    assert page.evaluate("document.querySelectorAll('figure.diagram g.edge.red').length") == 0
