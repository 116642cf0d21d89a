"""The HTML report: evidence for the people who sign off a deployment (docs/evidence.md, docs/reports.md).

One self-contained file: inline CSS, an inline SVG diagram, no script, no font, no image, nothing fetched
(a Content-Security-Policy of `default-src 'none'` makes the browser refuse any request). Printable: a
print stylesheet opens every collapsed list and keeps tables whole.

Written by hand with `html.escape` rather than a template engine: the page is a handful of tables, and
every string goes through one function (`_Page.esc`) that scrubs secrets *then* escapes, which a template's
autoescape would not do for us. The diagram's SVG is Graphviz's output, scrubbed as text (Graphviz
escapes XML in labels).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from .._data import package_data_text
from ..catalog import Catalog, Offer
from ..engine import Evaluation, Finding
from ..kinds import is_data_store
from ..model import Resource
from ..policy import Policy
from . import REPORT_VERSION
from ._common import (
    TOOL_NAME,
    Scrubber,
    checked_pairs,
    count_summary,
    effective_enforcement,
    enabled_policies,
    input_path,
    status,
    tool_version,
)

HTML_REPORT_VERSION = "1.0"
"""The HTML report's own version (docs/reports.md): bumped when a section is removed or renamed."""
PASSES_SHOWN = 300
"""Passing resources listed per policy; beyond, a count (the JSON report lists them all)."""
EXPIRY_WINDOW = timedelta(days=183)
"""Qualifications that expire within six months are flagged."""
_ENCRYPTION_POLICY = "encrypted-storage"
_PROTECTION_POLICY = "protected-data-store"


def render(evaluation: Evaluation, *, scrub: Scrubber | None = None, today: date | None = None) -> str:
    page = _Page(evaluation, scrub or Scrubber(evaluation), today or datetime.now(UTC).date())
    return page.build()


def sha256_of(path: str) -> str | None:
    try:
        digest = hashlib.sha256()
        with Path(path).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


class _Page:
    def __init__(self, evaluation: Evaluation, scrub: Scrubber, today: date) -> None:
        self.ev = evaluation
        self.scrub = scrub
        self.today = today
        self.parts: list[str] = []
        self.by_address = {r.address: r for r in evaluation.resources}

    def esc(self, value: Any) -> str:
        """Every string the page shows: secrets scrubbed first, then HTML-escaped (quotes included)."""
        if isinstance(value, date):
            value = value.isoformat()
        return escape(self.scrub("" if value is None else str(value)), quote=True)

    def add(self, *html: str) -> None:
        self.parts.extend(html)

    # -- the page -----------------------------------------------------------------------------------
    def build(self) -> str:
        plan = self.ev.plan
        stack = plan.stack if plan is not None and plan.stack else "-"
        verdict = "PASS" if self.ev.passed else "FAIL"
        self.add(
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'\">",
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="{TOOL_NAME} {self.esc(tool_version())}">',
            f'<meta name="souverain-html-report" content="{HTML_REPORT_VERSION}">',
            f"<title>{self.esc(f'souverain evidence: {stack} — {verdict}')}</title>",
            f"<style>{package_data_text('report.css')}</style></head><body>",
        )
        self._header(stack, verdict)
        self._inputs()
        self._requirements()
        self._waivers()
        self._catalog()
        self._inventory()
        self._diagram()
        self.add("</body></html>\n")
        return "".join(self.parts)

    def _header(self, stack: str, verdict: str) -> None:
        summary = count_summary(self.ev)
        css = "pass" if self.ev.passed else "fail"
        self.add(
            "<header>",
            f'<h1>Sovereignty evidence <span class="verdict {css}" id="verdict">{verdict}</span></h1>',
            '<table class="facts">',
            self._row("Target", input_path(self.ev) or "-"),
            self._row("Stack", stack),
            self._row("Date (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M")),
            self._row("souverain", tool_version()),
            self._row("Report format", f"html {HTML_REPORT_VERSION} (reports {REPORT_VERSION})"),
            self._row(
                "Counts",
                f"{summary['cloud_resources']} cloud resources, {summary['policies']} policies, "
                f"{summary['mandatory']} mandatory, {summary['advisory']} advisory, "
                f"{summary['waived']} waived",
            ),
            "</table></header>",
        )

    def _row(self, *cells: Any, head: bool = False, css: str = "") -> str:
        tag = "th" if head else "td"
        klass = f' class="{css}"' if css else ""
        first, *rest = cells
        return (
            f"<tr{klass}><th>{self.esc(first)}</th>"
            + "".join(f"<{tag}>{self.esc(c)}</{tag}>" for c in rest)
            + "</tr>"
        )

    def _inputs(self) -> None:
        self.add('<section id="inputs"><h2>Inputs and their SHA-256</h2>')
        self.add(
            "<p>Anyone holding these files can replay the check and must get the same verdict "
            "(docs/evidence.md).</p>"
        )
        self.add("<table><thead><tr><th>Role</th><th>File</th><th>SHA-256</th></tr></thead><tbody>")
        from ..catalog import builtin_catalog_text

        shipped = hashlib.sha256(builtin_catalog_text().encode("utf-8")).hexdigest()
        rows = [("catalog (shipped)", f"souverain {tool_version()} data/catalog.yaml", shipped)]
        for role, path in self.ev.input_files:
            rows.append((role, _shown_path(path), sha256_of(path) or "unreadable"))
        for role, path, digest in rows:
            self.add(
                f"<tr><td>{self.esc(role)}</td><td>{self.esc(path)}</td>"
                f'<td class="hash">{self.esc(digest)}</td></tr>'
            )
        self.add("</tbody></table></section>")

    # -- requirements -------------------------------------------------------------------------------
    def _requirements(self) -> None:
        pairs = checked_pairs(self.ev)
        policies = {p.id: p for p in enabled_policies(self.ev)}
        by_requirement: dict[str, list[Policy]] = {}
        for policy in policies.values():
            for requirement in policy.requirements or ("(no requirement recorded)",):
                by_requirement.setdefault(requirement, []).append(policy)
        self.add('<section id="requirements"><h2>Requirements</h2>')
        self.add(
            "<p>Per SecNumCloud 3.2 section and HDS requirement, the policies that serve it and, for "
            "each, the resources that pass and those that fail, with the fix.</p>"
        )
        for requirement in sorted(by_requirement, key=_requirement_order):
            served = sorted(by_requirement[requirement], key=lambda p: p.id)
            outcomes = [self._outcome(pairs.get(p.id, []), p) for p in served]
            failed = sum(o[1] for o in outcomes)
            css = "fail" if failed else "pass"
            self.add(
                f'<article class="requirement"><h3><span class="dot {css}"></span>'
                f"{self.esc(requirement)}</h3>"
            )
            for policy, (passes, fails, others) in zip(served, outcomes, strict=True):
                self._policy(policy, passes, fails, others)
            self.add("</article>")
        self._other_findings(pairs, policies)
        self.add("</section>")

    def _other_findings(self, pairs: Mapping[str, list[Any]], policies: Mapping[str, Policy]) -> None:
        """Findings of checks that are not policies with requirements: the waivers file's own (an invalid
        or unused waiver). They count in the verdict like any finding, so the page shows them."""
        others = [(pid, [f for pair in found for f in pair.findings]) for pid, found in pairs.items()]
        others = [(pid, findings) for pid, findings in others if pid not in policies and findings]
        if not others:
            return
        dot = "fail" if any(status(f) == "mandatory" for _, findings in others for f in findings) else "pass"
        self.add(
            f'<article class="requirement" id="other-findings"><h3><span class="dot {dot}"></span>'
            "Findings about the check's own inputs (waivers)</h3>"
        )
        for pid, findings in others:
            self.add(
                f'<div class="policy"><h4><code>{self.esc(pid)}</code></h4>'
                '<table class="findings"><thead><tr><th>Resource</th><th>Status</th><th>Finding</th>'
                "</tr></thead><tbody>"
            )
            for finding in findings:
                state = status(finding)
                self.add(
                    f'<tr class="{state}"><td>{self.esc(finding.resource)}</td><td>{self.esc(state)}</td>'
                    f"<td>{self.esc(finding.message)}</td></tr>"
                )
            self.add("</tbody></table></div>")
        self.add("</article>")

    def _outcome(self, pairs: list[Any], policy: Policy) -> tuple[list[str], int, list[Finding]]:
        applies = policy.applies_to
        passes: list[str] = []
        findings: list[Finding] = []
        for pair in pairs:
            if pair.findings:
                findings.extend(pair.findings)
                continue
            resource = self.by_address.get(pair.resource)
            if applies is not None and resource is not None and not applies(resource.kind):
                continue
            passes.append(pair.resource)
        failing = sum(1 for f in findings if status(f) == "mandatory")
        return passes, failing, findings

    def _policy(self, policy: Policy, passes: list[str], failing: int, findings: list[Finding]) -> None:
        level = effective_enforcement(self.ev, policy).value
        self.add(
            f'<div class="policy" id="policy-{self.esc(policy.id)}"><h4>{self.esc(policy.title)} '
            f'<code>{self.esc(policy.id)}</code> <span class="tag">{self.esc(policy.severity.value)}</span> '
            f'<span class="tag">{self.esc(level)}</span></h4>',
            f'<p class="counts">{len(passes)} pass, {len(findings)} finding(s), {failing} mandatory</p>',
        )
        if findings:
            self.add(
                '<table class="findings"><thead><tr><th>Resource</th><th>Status</th><th>Finding</th>'
                "</tr></thead><tbody>"
            )
            for finding in findings:
                state = status(finding)
                self.add(
                    f'<tr class="{state}"><td>{self.esc(finding.resource)}</td><td>{self.esc(state)}</td>'
                    f"<td>{self.esc(finding.message)}</td></tr>"
                )
            self.add("</tbody></table>")
            self.add(f'<p class="fix"><b>Fix:</b> {self.esc(policy.remediation)}</p>')
        if passes:
            shown = passes[:PASSES_SHOWN]
            more = len(passes) - len(shown)
            self.add(f'<details><summary>{len(passes)} passing resource(s)</summary><ul class="passes">')
            self.add("".join(f"<li>{self.esc(address)}</li>" for address in shown))
            if more:
                self.add(f"<li>… and {more} more (the JSON report lists every resource)</li>")
            self.add("</ul></details>")
        self.add("</div>")

    # -- waivers ------------------------------------------------------------------------------------
    def _waivers(self) -> None:
        covered: dict[tuple[Any, Any], list[Finding]] = {}
        for finding in self.ev.findings:
            if finding.waiver is not None:
                covered.setdefault((finding.waiver.get("file"), finding.waiver.get("index")), []).append(
                    finding
                )
        waivers = list(self.ev.waivers_in_force)
        known = {(w.get("file"), w.get("index")) for w in waivers}
        waivers += [f.waiver for key, fs in covered.items() if key not in known for f in fs[:1] if f.waiver]
        self.add('<section id="waivers"><h2>Waivers in force</h2>')
        if not waivers:
            self.add("<p>No waiver.</p></section>")
            return
        self.add(
            "<table><thead><tr><th>Policy</th><th>Resources</th><th>Owner</th><th>Justification</th>"
            "<th>Ticket</th><th>Expires</th><th>Covers</th></tr></thead><tbody>"
        )
        for waiver in waivers:
            hits = covered.get((waiver.get("file"), waiver.get("index")), [])
            covers = "; ".join(sorted({f.resource for f in hits})) or "no finding of this run"
            self.add(
                "<tr>"
                + "".join(
                    f"<td>{self.esc(waiver.get(key) or '-')}</td>"
                    for key in ("policy", "resource", "owner", "justification", "ticket", "expires")
                )
                + f"<td>{self.esc(covers)}</td></tr>"
            )
        self.add("</tbody></table></section>")

    # -- catalog ------------------------------------------------------------------------------------
    def _offers_relied_on(self) -> dict[str, tuple[Offer, set[str]]]:
        """The offers the verdicts rested on: those that hold a region or reach a package of the plan."""
        catalog = self.ev.catalog
        used: dict[str, tuple[Offer, set[str]]] = {}
        if catalog is None:
            return used
        for resource in self.ev.resources:
            if not resource.is_cloud_resource:
                continue
            region = resource.region if isinstance(resource.region, str) else None
            offers = catalog.offers_for_region(region) if region else []
            if not offers and resource.package:
                offers = catalog.offers_for_package(resource.package)
            for offer in offers:
                _, regions = used.setdefault(offer.id, (offer, set()))
                if region:
                    regions.add(region)
        return used

    def _catalog(self) -> None:
        catalog = self.ev.catalog
        self.add('<section id="catalog"><h2>Catalog facts relied on</h2>')
        if catalog is None:
            self.add("<p>The catalog is not recorded in this evaluation.</p></section>")
            return
        used = self._offers_relied_on()
        expiring: list[tuple[Offer, Any]] = []
        self.add(
            "<p>Catalog files: "
            + ", ".join(f"<code>{self.esc(_shown_path(s))}</code>" for s in catalog.sources)
            + "</p>"
        )
        if not used:
            self.add("<p>No offer of the catalog holds a region or package of this plan.</p>")
        for offer_id, (offer, regions) in sorted(used.items()):
            origin = _shown_path(catalog.origin(offer_id) or "-")
            operator = offer.operator
            self.add(
                f'<article class="offer"><h3>{self.esc(offer.name)} <code>{self.esc(offer.id)}</code></h3>',
                '<table class="facts">',
                self._row(
                    "Operator",
                    f"{operator.entity} ({operator.country}) — source {operator.source.url}, "
                    f"as of {operator.source.as_of.isoformat()}",
                ),
                self._row("US-controlled", "yes" if offer.us_controlled else "no"),
                self._row("Regions used", ", ".join(sorted(regions)) or "-"),
                self._row("Defined in", origin),
                "</table>",
            )
            contracts = sorted({s.url for s in _sources(offer) if s.url.startswith("contract:")})
            if contracts:
                self.add(
                    "<p>Contract references: "
                    + ", ".join(f"<code>{self.esc(c)}</code>" for c in contracts)
                    + "</p>"
                )
            if offer.qualifications:
                self.add(
                    '<table class="qualifications"><thead><tr><th>Scheme</th><th>Version</th><th>Scope</th>'
                    "<th>Granted</th>"
                    "<th>Expires</th><th>Source</th><th>As of</th></tr></thead><tbody>"
                )
                for q in offer.qualifications:
                    soon = q.expires is not None and q.expires <= self.today + EXPIRY_WINDOW
                    if soon:
                        expiring.append((offer, q))
                    self.add(
                        f'<tr class="{"expiring" if soon else ""}">'
                        + "".join(
                            f"<td>{self.esc(v or '-')}</td>"
                            for v in (
                                q.scheme,
                                q.version,
                                q.scope,
                                q.granted,
                                q.expires,
                                q.source.url,
                                q.source.as_of,
                            )
                        )
                        + "</tr>"
                    )
                self.add("</tbody></table>")
            else:
                self.add("<p>No qualification recorded.</p>")
            self.add("</article>")
        self.add('<h3 id="expiring">Qualifications expiring within 6 months</h3>')
        if expiring:
            self.add(
                "<ul>"
                + "".join(
                    f'<li class="expiring">{self.esc(o.name)}: {self.esc(q.scheme)} '
                    f"{self.esc(q.version or '')} "
                    f"expires {self.esc(q.expires)}</li>"
                    for o, q in expiring
                )
                + "</ul>"
            )
        else:
            self.add(f"<p>None before {self.esc(self.today + EXPIRY_WINDOW)}.</p>")
        self.add("</section>")

    # -- inventory ----------------------------------------------------------------------------------
    def _inventory(self) -> None:
        cloud = [r for r in self.ev.resources if r.is_cloud_resource]
        offer_of = self._offer_names()
        counts = Counter(
            (offer_of(r), r.region if isinstance(r.region, str) else "unknown", r.kind or r.type)
            for r in cloud
        )
        self.add('<section id="inventory"><h2>Inventory</h2><h3>Resources per offer, region and kind</h3>')
        self.add(
            "<table><thead><tr><th>Offer</th><th>Region</th><th>Kind</th><th>Count</th></tr></thead><tbody>"
        )
        for (offer, region, kind), n in sorted(counts.items()):
            self.add(
                f"<tr><td>{self.esc(offer)}</td><td>{self.esc(region)}</td><td>{self.esc(kind)}</td>"
                f'<td class="num">{n}</td></tr>'
            )
        self.add("</tbody></table>")
        self._data_stores(cloud)
        self.add("</section>")

    def _offer_names(self) -> Any:
        catalog: Catalog | None = self.ev.catalog
        memo: dict[tuple[Any, str], str] = {}

        def offer_of(resource: Resource) -> str:
            key = (resource.region if isinstance(resource.region, str) else None, resource.package)
            found = memo.get(key)
            if found is None:
                offers: list[Offer] = []
                if catalog is not None and key[0]:
                    offers = catalog.offers_for_region(key[0])
                found = memo[key] = ", ".join(sorted(o.name for o in offers)) or "no catalog offer"
            return found

        return offer_of

    def _data_stores(self, cloud: Iterable[Resource]) -> None:
        verdicts: dict[tuple[str, str], list[Finding]] = {}
        for finding in self.ev.findings:
            verdicts.setdefault((finding.policy, finding.resource), []).append(finding)
        ran = {p.id for p in enabled_policies(self.ev)}
        stores = [r for r in cloud if is_data_store(r.kind)]
        self.add(f"<h3>Data stores ({len(stores)})</h3>")
        if not stores:
            self.add("<p>None.</p>")
            return
        self.add(
            "<table><thead><tr><th>Resource</th><th>Kind</th><th>Region</th><th>Encryption</th>"
            "<th>Key</th><th>Protection</th></tr></thead><tbody>"
        )
        for r in sorted(stores, key=lambda r: r.address):
            encryption = _verdict(
                verdicts.get((_ENCRYPTION_POLICY, r.address)), _ENCRYPTION_POLICY in ran, "encrypted at rest"
            )
            protection = _verdict(
                verdicts.get((_PROTECTION_POLICY, r.address)), _PROTECTION_POLICY in ran, "protected"
            )
            flags = [
                name for name, on in (("protect", r.protect), ("retain on delete", r.retain_on_delete)) if on
            ]
            if flags:
                protection += f" ({', '.join(flags)})"
            self.add(
                f"<tr><td>{self.esc(r.address)}</td><td>{self.esc(r.kind)}</td>"
                f"<td>{self.esc(r.region if isinstance(r.region, str) else 'unknown')}</td>"
                f"<td>{self.esc(encryption)}</td><td>{self.esc(_key_reference(r))}</td>"
                f"<td>{self.esc(protection)}</td></tr>"
            )
        self.add("</tbody></table>")

    # -- diagram ------------------------------------------------------------------------------------
    def _diagram(self) -> None:
        from ..diagram import graph_of, render
        from ..diagram.svg_writer import DiagramUnavailableError

        graph = graph_of(self.ev)
        self.add('<section id="diagram"><h2>Network</h2>')
        note = (
            f"Aggregated view: {graph.resources} resources, one node per tier. " if graph.aggregated else ""
        )
        exposed = sorted(n.label for n in graph.nodes.values() if n.role == "data_store" and n.exposed)
        if exposed:
            verdict = (
                f'<b class="fail" id="exposed">In red: the internet reaches {len(exposed)} data store(s): '
                f"{self.esc(', '.join(exposed))}.</b>"
            )
        else:
            verdict = '<span id="exposed">No path from the internet to a data store.</span>'
        self.add(
            f"<p>{self.esc(note)}Tiers (networks), security groups, flows allowed by inbound rules "
            f"(protocol/port), entry points from the internet and data stores. {verdict}</p>"
        )
        try:
            svg = render(graph, "svg")
        except DiagramUnavailableError as exc:
            self.add(
                f'<p class="fail">The picture needs Graphviz: {self.esc(exc)}. Its Mermaid source:</p>'
                f"<pre>{self.esc(render(graph, 'mermaid'))}</pre></section>"
            )
            return
        self.add(f'<figure class="diagram">{self.scrub.text(svg)}</figure></section>')


def _sources(offer: Offer) -> Iterable[Any]:
    yield from (
        s
        for s in (offer.source, offer.operator.source, offer.endpoints.source, offer.capabilities.source)
        if s is not None
    )
    yield from (q.source for q in offer.qualifications)
    yield from (r.source for r in offer.regions if r.source is not None)


def _verdict(findings: list[Finding] | None, ran: bool, good: str) -> str:
    if not ran:
        return "not checked (policy disabled)"
    if not findings:
        return good
    return "; ".join(f"{status(f)}: {f.message}" for f in findings)


def _key_reference(resource: Resource) -> str:
    """The key a data store names for its encryption, by the property that holds it (`kms_key_name`)."""
    for name, value in sorted(resource.properties.items()):
        lowered = name.casefold()
        if (
            "key" in lowered and "pair" not in lowered and lowered not in {"key", "public_key"}
        ) and isinstance(value, str):
            return f"{name}: {value}"
        if isinstance(value, Mapping) and "key" in lowered:
            return f"{name}: set"
    return "-"


def _requirement_order(requirement: str) -> tuple[int, list[Any]]:
    """SecNumCloud first, then HDS, then others; section numbers in numeric order (§10.5 before §12.12)."""
    scheme = 0 if requirement.startswith("SecNumCloud") else 1 if requirement.startswith("HDS") else 2
    return scheme, [
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in _NUMBERS.split(requirement)
    ]


_NUMBERS = re.compile(r"(\d+)")


def _shown_path(path: str) -> str:
    """A path as reports name it: relative to the working directory when under it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd()).as_posix()
    except (ValueError, OSError):
        return path
