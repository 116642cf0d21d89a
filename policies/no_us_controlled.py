"""no-us-controlled-service: nothing is run by, or points at, a service under US control.

Two ways in: a resource's own package or provider (an `aws` bucket, a `pulumi:providers:datadog`), and any
string anywhere in its properties that names a US-controlled host or address (an image URL, a DNS
resolver, a webhook, a replication target, a registry). The test is the catalog's operating entity, not
the technology.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any

from souverain.catalog import Catalog, Offer
from souverain.kinds import is_local_only_package
from souverain.model import Resource, Secret, walk_values
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import catalog_memo

_CANDIDATES = re.compile(
    r"(?<![\w.-])(?P<ip4>(?:\d{1,3}\.){3}\d{1,3})(?![\w.])"
    r"|\[(?P<ip6>[0-9a-f:.]+)\]"
    r"|(?<![\w.-])(?P<host>(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?)(?![\w-])",
    re.IGNORECASE,
)
"""Hosts in free text: dotted IPv4, bracketed IPv6 (in URLs), and DNS names. A registry reference such as
`ghcr.io/org/image:tag` has no scheme but its first segment is a DNS name, so it is found the same way."""

SKIPPED_KEYS = frozenset({"description"})
"""Prose for people: a domain named in a description is not a service the resource reaches."""

_NOT_IN_CATALOG = "unknown"


def _address_offer(catalog: Catalog, text: str) -> Offer | None:
    """The US-controlled offer listing an IP address among its `endpoints.ip_addresses`, if any."""
    lookup = getattr(catalog, "us_controlled_address", None) or catalog.us_controlled_host
    offer: Offer | None = lookup(text)
    return offer


def _host_verdicts(catalog: Catalog) -> dict[str, Offer | None]:
    return {}


def _us_host(catalog: Catalog, host: str, is_address: bool) -> Offer | None:
    verdicts = catalog_memo(catalog, "us-hosts", _host_verdicts)
    key = host.casefold().rstrip(".")
    if key in verdicts:
        return verdicts[key]
    offer = _address_offer(catalog, key) if is_address else catalog.us_controlled_host(key)
    verdicts[key] = offer
    return offer


def _package_verdicts(catalog: Catalog) -> dict[str, Offer | str | None]:
    return {}


def _package_verdict(catalog: Catalog, package: str) -> Offer | str | None:
    """The US offer a package reaches; `_NOT_IN_CATALOG` if the catalog does not know it; else None."""
    verdicts = catalog_memo(catalog, "us-packages", _package_verdicts)
    if package in verdicts:
        return verdicts[package]
    verdict: Offer | str | None = None
    if not is_local_only_package(package):
        offer = catalog.us_controlled_package(package)
        if offer is not None:
            verdict = offer
        elif not catalog.offers_for_package(package):
            verdict = _NOT_IN_CATALOG
    verdicts[package] = verdict
    return verdict


def us_host_in(text: str, catalog: Catalog) -> tuple[str, Offer] | None:
    """The first host or address in `text` that belongs to a US-controlled offer, with that offer."""
    if "." not in text and ":" not in text:
        return None
    stripped = text.strip()
    if ":" in stripped and "/" not in stripped and " " not in stripped:
        try:  # a bare IPv6 address (a DNS resolver), which the text patterns do not find
            address = str(ipaddress.IPv6Address(stripped))
        except ValueError:
            pass
        else:
            offer = _us_host(catalog, address, True)
            if offer is not None:
                return address, offer
    for match in _CANDIDATES.finditer(text):
        host = match.group("host")
        if host is not None:
            offer = _us_host(catalog, host, False)
        else:
            host = match.group("ip4") or match.group("ip6")
            offer = _us_host(catalog, host, True)
        if offer is not None:
            return host, offer
    return None


def _owner(offer: Offer) -> str:
    return f"{offer.name}, operated by {offer.operator.entity} ({offer.operator.country})"


def _property_findings(properties: Mapping[str, Any], catalog: Catalog) -> Iterator[Violation]:
    for key, value in properties.items():
        if key in SKIPPED_KEYS:
            continue
        for path, leaf in walk_values(value, str(key)):
            secret = isinstance(leaf, Secret)
            leaves = walk_values(leaf.reveal(), path) if secret else ((path, leaf),)
            for leaf_path, item in leaves:
                if not isinstance(item, str):
                    continue
                found = us_host_in(item, catalog)
                if found is None:
                    continue
                host, offer = found
                if secret:
                    message = (
                        f"secret property {leaf_path} points at a host of {_owner(offer)}, US-controlled"
                    )
                else:
                    message = f"{leaf_path} points at {host}, a host of {_owner(offer)}, US-controlled"
                yield Violation(message, path=leaf_path)


def check(resource: Resource, context: Context) -> Iterator[Violation]:
    if not resource.custom:
        return
    catalog = context.catalog
    what = "provider" if resource.is_provider else "resource"
    package = resource.package
    if not package:
        yield Violation(
            f"the input does not say which provider manages this {what}, so its operator cannot be "
            "shown to be non-US"
        )
    else:
        verdict = _package_verdict(catalog, package)
        if verdict == _NOT_IN_CATALOG:
            yield Violation(
                f"provider {package!r} is not in the catalog, so its operator cannot be shown to be non-US"
            )
        elif isinstance(verdict, Offer):
            yield Violation(
                f"{what} of package {package!r}, which reaches only {_owner(verdict)}: US-controlled"
            )
    yield from _property_findings(resource.properties, catalog)


POLICY = Policy(
    id="no-us-controlled-service",
    title="No resource uses or points at a US-controlled service",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "A service whose operating entity is under US control is reachable by US law (CLOUD Act, FISA 702) "
        "whatever its region: the reason the Health Data Hub leaves Azure. That holds for a whole provider "
        "(an AWS bucket) and for one property that sends data or trust there: a container image pulled from "
        "Docker Hub, a DNS resolver at 8.8.8.8, a webhook, a replication target."
    ),
    remediation=(
        "Use the qualified offer's own service, or a European one recorded in the catalog: mirror "
        "images into the offer's registry, use the offer's resolvers, send alerts to an EU-hosted "
        "endpoint. Add a provider the catalog does not know to an overlay, with its operator and a source."
    ),
    requirements=("SecNumCloud 3.2 §19.6", "SecNumCloud 3.2 §19.2", "HDS v2 (arrêté du 26 avril 2024)"),
    check_resource=check,
)
