"""The HTML evidence report: what an auditor reads in it, escaped, self-contained.

The scenario (tests/report_scenario.py) has volumes `ok` (SNC-PAR-1, qualified), `pub` (PUB-1, waived),
`bad` (US-EAST-1, not qualified) and `unk` (region unknown); the catalog is fixtures/catalogs/small.yaml.
The expected values below are read from those two files by hand.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_scenario import address, scenario

from souverain.catalog import load_catalog
from souverain.reports import render
from souverain.reports.html import render as render_html

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "catalogs" / "small.yaml"


def small_catalog():  # type: ignore[no-untyped-def]
    return load_catalog([SMALL], replace=True)


class _Sections(HTMLParser):
    """The text under each `<section id=...>`, and every tag with a `src`/`href` attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.current: str | None = None
        self.text: dict[str, list[str]] = {}
        self.links: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "section":
            self.current = values.get("id")
            self.text.setdefault(self.current or "", [])
        for name in ("src", "href", "xlink:href", "action"):
            if values.get(name):
                self.links.append((tag, name, values[name] or ""))

    def handle_data(self, data: str) -> None:
        if self.current is not None:
            self.text[self.current].append(data)

    def section(self, name: str) -> str:
        return " ".join(" ".join(self.text.get(name, [])).split())


def parse(html: str) -> _Sections:
    parser = _Sections()
    parser.feed(html)
    return parser


PLAN_BYTES = b'{"resources": []}\n'
OVERLAY_BYTES = b"schema_version: 1\n"


def test_inputs_are_listed_with_their_sha256(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_bytes(PLAN_BYTES)
    overlay = tmp_path / "overlay.yaml"
    overlay.write_bytes(OVERLAY_BYTES)
    evaluation = scenario(small_catalog())
    evaluation.input_files = (("plan", str(plan)), ("catalog overlay", str(overlay)))
    inputs = parse(render(evaluation, "html")).section("inputs")
    assert f"plan {plan} {hashlib.sha256(PLAN_BYTES).hexdigest()}" in inputs
    assert f"catalog overlay {overlay} {hashlib.sha256(OVERLAY_BYTES).hexdigest()}" in inputs


def test_requirements_list_the_policies_with_failing_and_passing_resources_and_the_fix() -> None:
    html = render(scenario(small_catalog()), "html")
    requirements = parse(html).section("requirements")
    # qualified-region serves SecNumCloud §19.2 and §19.6 and HDS; `bad` fails it, `ok` passes it.
    for heading in ("SecNumCloud 3.2 §19.2", "SecNumCloud 3.2 §19.6", "HDS v2 (arrêté du 26 avril 2024)"):
        assert heading in requirements
    assert requirements.index("SecNumCloud 3.2 §19.2") < requirements.index("HDS v2")
    block = html[html.index('id="policy-qualified-region"') :]
    block = block[: block.index("</div>")]
    assert f"<td>{address('bad')}</td><td>mandatory</td>" in block
    assert f"<td>{address('pub')}</td><td>waived</td>" in block
    assert f"<li>{address('ok')}</li>" in block
    assert "Fix:</b> Set the resource&#x27;s `region`" in block


def test_waivers_in_force_show_owner_justification_expiry_and_what_they_cover() -> None:
    evaluation = scenario(small_catalog())
    waivers = parse(render(evaluation, "html")).section("waivers")
    assert "qualified-region *::pub team-platform migration ticket SEC-42 - 2099-01-31" in waivers
    assert waivers.endswith(address("pub"))


def test_a_waiver_that_covers_nothing_is_still_listed() -> None:
    evaluation = scenario(small_catalog())
    evaluation.waivers_in_force = (
        {
            "file": "w.yaml",
            "index": 9,
            "policy": "no-public-ingress",
            "resource": "web-*",
            "owner": "ops",
            "justification": "load test",
            "expires": "2099-02-01",
            "ticket": "OPS-7",
        },
    )
    waivers = parse(render(evaluation, "html")).section("waivers")
    assert "no-public-ingress web-* ops load test OPS-7 2099-02-01 no finding of this run" in waivers


def test_catalog_facts_relied_on_and_expiring_qualifications(tmp_path: Path) -> None:
    overlay = tmp_path / "contract.yaml"
    overlay.write_text(
        SMALL.read_text(encoding="utf-8").replace(
            'expires: 2028-01-01,\n         source: {url: "https://example.test/acme/snc"',
            'expires: 2026-05-31,\n         source: {url: "contract:ACME-2026-001 annex 2"',
        ),
        encoding="utf-8",
    )
    evaluation = scenario(load_catalog([overlay], replace=True))
    early = parse(render_html(evaluation, today=date(2025, 11, 1))).section("catalog")
    late = parse(render_html(evaluation, today=date(2026, 1, 1))).section("catalog")
    # The plan reaches SNC-PAR-1 (Acme Sovereign IaaS), PUB-1 (Acme Public Cloud) and, through a provider's
    # region, US-EAST-1 (Acme US Cloud): the verdicts rested on all three.
    assert "Acme US Cloud acme-us" in late
    assert "US-controlled yes" in late
    assert "Acme Sovereign IaaS acme-snc" in late
    assert "Acme Public Cloud (not qualified) acme-public" in late
    assert "Operator Acme Cloud SAS (FR) — source https://example.test/acme, as of 2026-01-01" in late
    assert "Contract references: contract:ACME-2026-001 annex 2" in late
    assert "secnumcloud 3.2 IaaS 2025-01-01 2026-05-31 contract:ACME-2026-001 annex 2 2026-01-01" in late
    # 2026-05-31 is within six months of 2026-01-01, not of 2025-11-01.
    assert "Acme Sovereign IaaS: secnumcloud 3.2 expires 2026-05-31" in late
    assert "expires 2026-05-31" not in early
    assert "None before 2026-05-03" in early


def test_inventory_counts_per_offer_region_and_kind_and_data_store_status() -> None:
    inventory = parse(render(scenario(small_catalog()), "html")).section("inventory")
    assert "Acme Sovereign IaaS SNC-PAR-1 volume 2" in inventory  # ok and adv-vol
    assert "Acme Public Cloud (not qualified) PUB-1 volume 1" in inventory
    assert "no catalog offer unknown volume 1" in inventory  # unk
    assert "Data stores (5)" in inventory


HOSTILE = '<img src=x onerror="alert(1)">&amp;<script>alert(2)</script>'


def test_every_string_is_escaped_and_nothing_is_fetched() -> None:
    evaluation = scenario(small_catalog())
    for resource in evaluation.resources:
        if resource.name == "bad":
            resource.address = f"urn:pulumi:dev::proj::x::{HOSTILE}"
            resource.properties["name"] = HOSTILE
    hostile_address = f"urn:pulumi:dev::proj::x::{HOSTILE}"
    evaluation.findings = [
        replace(f, resource=hostile_address, message=HOSTILE) if f.resource.endswith("::bad") else f
        for f in evaluation.findings
    ]
    html = render(evaluation, "html")
    page = parse(html)
    assert "script" not in page.tags
    assert "img" not in page.tags
    assert page.links == []
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;amp;&lt;script&gt;" in html
    assert not re.search(r"url\(|@import|https?://[^\s<\"']*\.(js|css|woff2?|ttf|png|svg)", html)
    assert "Content-Security-Policy" in html
    assert "default-src 'none'" in html


@pytest.mark.parametrize("stack", ["prod"])
def test_the_prod_stack_report_embeds_its_diagram(stack: str, tmp_path: Path) -> None:
    import shutil

    from click.testing import CliRunner
    from souverain.cli.main import main

    target = tmp_path / "report.html"
    root = Path(__file__).resolve().parents[1]
    result = CliRunner().invoke(
        main,
        [
            "check",
            str(root / "stacks" / "health-data-hub"),
            "--stack",
            stack,
            "--format",
            "html",
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    diagram = html[html.index('<section id="diagram">') :]
    if shutil.which("dot") is None:
        assert "The picture needs Graphviz" in diagram
        assert "flowchart LR" in diagram
    else:
        assert "<svg" in diagram
    assert "No path from the internet to a data store." in diagram


def test_findings_about_the_waivers_file_are_shown_with_the_requirements() -> None:
    from souverain.engine import Finding
    from souverain.policy import Enforcement

    message = "waiver 3 (no-public-ingress on 'x') waives nothing: expired on 2020-01-01"
    bad = Finding("waiver-invalid", Enforcement.MANDATORY, "high", "waivers.yaml", "waiver", message)
    html = render(scenario(small_catalog(), extra_waiver_findings=[bad]), "html")
    requirements = parse(html).section("requirements")
    expected = "Findings about the check's own inputs (waivers) waiver-invalid Resource Status Finding"
    assert f"{expected} waivers.yaml mandatory {message}" in requirements
