"""`souverain catalog`: the catalog as JSON (a public interface, docs/catalog.md) or as text for people.

Qualifications are shown as they stand on one day (today unless told): a lapsed qualification stays in
`qualification_details` with `"current": false` but no longer counts in `qualifications` or on any region.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date
from typing import Any

import msgspec

from .catalog import Catalog, Offer, Source

CATALOG_VIEW_VERSION = "1"
FORMATS: tuple[str, ...] = ("text", "json")


def _source(source: Source | None) -> dict[str, Any] | None:
    return None if source is None else msgspec.to_builtins(source)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def offer_view(offer: Offer, catalog: Catalog, on: date) -> dict[str, Any]:
    """One `providers[]` entry: `"secnumcloud" in entry["qualifications"]` tells whether it holds it today."""
    return {
        "id": offer.id,
        "name": offer.name,
        "kind": offer.kind,
        "operator": msgspec.to_builtins(offer.operator),
        "us_controlled": offer.us_controlled,
        "apis": list(offer.apis),
        "qualifications": _unique(q.scheme for q in offer.current_qualifications(on)),
        "qualification_details": [
            {
                "name": q.scheme,
                "version": q.version,
                "scope": q.scope,
                "granted": _iso(q.granted),
                "expires": _iso(q.expires),
                "current": q.valid_on(on),
                "source": _source(q.source),
            }
            for q in offer.qualifications
        ],
        "qualifications_in_progress": [
            {
                "name": entry.scheme,
                "version": entry.version,
                "since": entry.since,
                "milestone": entry.milestone,
                "scope": entry.scope,
                "source": _source(entry.source),
            }
            for entry in offer.qualifications_in_progress
        ],
        "regions": [
            {
                "name": region.name,
                "aliases": list(region.aliases),
                "zones": list(region.zones),
                "qualifications": list(offer.region_schemes(region.name, on)),
                "declared_qualifications": list(region.qualifications),
                "source": _source(region.source),
            }
            for region in offer.regions
        ],
        "endpoints": msgspec.to_builtins(offer.endpoints),
        "capabilities": msgspec.to_builtins(offer.capabilities),
        "packages": msgspec.to_builtins(offer.packages),
        "defaults": [
            {"role": default.role, "host": default.host, "source": _source(default.source)}
            for default in offer.defaults
        ],
        "status": offer.status,
        "source": _source(offer.source),
        "catalog_file": catalog.origin(offer.id),
    }


def catalog_view(catalog: Catalog, on: date | None = None) -> dict[str, Any]:
    day = on or date.today()
    return {
        "version": CATALOG_VIEW_VERSION,
        "on": day.isoformat(),
        "sources": [{"file": name, "as_of": _iso(catalog.dates.get(name))} for name in catalog.sources],
        "providers": [offer_view(offer, catalog, day) for offer in catalog.offers],
    }


def render_catalog(catalog: Catalog, fmt: str, *, on: date | None = None, color: bool | None = None) -> str:
    """The catalog as `json` or `text`: rich tables on a terminal (`color=None` detects it), else plain."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown catalog format {fmt!r}")
    view = catalog_view(catalog, on)
    if fmt == "json":
        return json.dumps(view, indent=2, ensure_ascii=False) + "\n"
    if color is None:
        color = sys.stdout.isatty()
    return _rich_text(view) if color else _plain_text(view)


# --- text -------------------------------------------------------------------------------------------------


def _cite(source: dict[str, Any] | None) -> str:
    if not source:
        return ""
    note = f"; {source['note']}" if source.get("note") else ""
    return f"{source['url']} (as of {source['as_of']}{note})"


def _rows(provider: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines for one offer; empty fields are left out."""
    operator = provider["operator"]
    control = "US-controlled" if provider["us_controlled"] else "not US-controlled"
    rows = [("operator", f"{operator['entity']} ({operator['country']}), {control}")]
    rows.append(("", f"source: {_cite(operator['source'])}"))
    if provider["apis"]:
        rows.append(("apis", ", ".join(provider["apis"])))
    for detail in provider["qualification_details"]:
        state = "current" if detail["current"] else "NOT CURRENT"
        version = f" {detail['version']}" if detail["version"] else ""
        granted = f"granted {detail['granted']}" if detail["granted"] else "grant date unknown"
        period = f"{granted}, expires {detail['expires'] or 'not published'}"
        rows.append(("qualification", f"{detail['name']}{version} [{state}] {detail['scope']}; {period}"))
        rows.append(("", f"source: {_cite(detail['source'])}"))
    for entry in provider["qualifications_in_progress"]:
        version = f" {entry['version']}" if entry["version"] else ""
        milestone = f" (last milestone: {entry['milestone']})" if entry["milestone"] else ""
        rows.append(
            ("in progress", f"{entry['name']}{version} since {entry['since']}{milestone}: NOT qualified")
        )
        rows.append(("", f"source: {_cite(entry['source'])}"))
    if provider["kind"] == "offer" and not provider["qualification_details"]:
        rows.append(("qualification", "none"))
    if provider["regions"]:
        for region in provider["regions"]:
            schemes = ", ".join(region["qualifications"]) or "not qualified"
            aliases = f" (also {', '.join(region['aliases'])})" if region["aliases"] else ""
            zones = f" [zones {', '.join(region['zones'])}]" if region["zones"] else ""
            rows.append(("region", f"{region['name']}{aliases}{zones}: {schemes}"))
    elif provider["kind"] == "offer":
        rows.append(("region", "none listed: declare your contract's regions in a catalog overlay"))
    endpoints = provider["endpoints"]
    for label, key in (("keystone", "keystone"), ("domains", "domains"), ("addresses", "ip_addresses")):
        if endpoints[key]:
            rows.append((label, ", ".join(endpoints[key])))
    capabilities = provider["capabilities"]
    if (
        capabilities["encrypted_volume_types"]
        or capabilities["object_storage_encrypted"]
        or capabilities["block_storage_encrypted"]
        or capabilities["database_encrypted"]
        or (capabilities["key_manager"] != "none")
    ):
        if capabilities["block_storage_encrypted"]:
            volumes = "block storage encrypted at rest"
        else:
            volumes = "volume types: " + (", ".join(capabilities["encrypted_volume_types"]) or "none")
        objects = (
            "encrypted at rest" if capabilities["object_storage_encrypted"] else "not known to be encrypted"
        )
        databases = "encrypted at rest" if capabilities["database_encrypted"] else "not known to be encrypted"
        rows.append(("encryption", f"{volumes}; object storage {objects}; managed databases {databases}"))
        rows.append(("key manager", capabilities["key_manager"]))
    packages = provider["packages"]
    if packages["pulumi"]:
        rows.append(("pulumi", ", ".join(packages["pulumi"])))
    if packages["terraform"]:
        rows.append(("terraform", ", ".join(packages["terraform"])))
    setting = packages.get("endpoint_setting")
    if setting:
        per_service = " (one entry per service)" if setting.get("per_service") else ""
        only = f" for {', '.join(setting['packages'])}" if setting.get("packages") else ""
        rows.append(
            (
                "endpoint",
                f"provider setting {setting['setting']}{per_service}{only}; default when unset: "
                f"{setting['default']}",
            )
        )
        rows.append(("", f"source: {_cite(setting['source'])}"))
    implied = packages.get("implied_region")
    if implied:
        rows.append(("region", f"{implied['region']} when a resource and its provider state none"))
        rows.append(("", f"source: {_cite(implied['source'])}"))
    for default in provider.get("defaults") or ():
        rows.append(("default", f"{default['role']}: {default['host']}"))
    if provider["status"]:
        rows.append(("status", provider["status"]))
    if provider["source"]:
        rows.append(("source", _cite(provider["source"])))
    if provider["catalog_file"] and provider["catalog_file"] != "<built-in>":
        rows.append(("from", provider["catalog_file"]))
    return rows


def _header(view: dict[str, Any]) -> list[str]:
    sources = "; ".join(
        f"{s['file']} (as of {s['as_of']})" if s["as_of"] else s["file"] for s in view["sources"]
    )
    return [
        f"Sovereignty catalog: {len(view['providers'])} entries from {sources}",
        f"Qualifications as they stand on {view['on']}. "
        "An uncertain or in-progress status is not a qualification.",
    ]


def _title(provider: dict[str, Any]) -> str:
    return f"{provider['id']}: {provider['name']} [{provider['kind']}]"


def _plain_text(view: dict[str, Any]) -> str:
    lines = _header(view)
    width = 14
    for provider in view["providers"]:
        lines.append("")
        lines.append(_title(provider))
        lines.extend(f"  {label:<{width}} {value}".rstrip() for label, value in _rows(provider))
    return "\n".join(lines) + "\n"


def _rich_text(view: dict[str, Any]) -> str:
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, highlight=False, soft_wrap=False)
    for line in _header(view):
        console.print(line, markup=False)
    for provider in view["providers"]:
        style = "bold red" if provider["us_controlled"] else "bold"
        table = Table(
            title=Text(_title(provider), style=style), box=box.SIMPLE, show_header=False, title_justify="left"
        )
        table.add_column(style="dim", no_wrap=True)
        table.add_column(overflow="fold")
        for label, value in _rows(provider):
            table.add_row(Text(label), Text(value))
        console.print(table)
    return buffer.getvalue()
