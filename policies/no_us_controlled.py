"""no-us-controlled-service: nothing is run by, or points at, a service under US control.

Two ways in: a resource's own package or provider (an `aws` bucket, a `pulumi:providers:datadog`), and any
string anywhere in its properties that names a US-controlled host or address (an image URL, a DNS
resolver, a webhook, a replication target, a registry). The test is the catalog's operating entity, not
the technology.

Strings are read as their consumers read them: encoded layers (base64, gzip, MIME parts) are decoded by
the decoder the secret scan uses (`_decode`), and one that cannot be decoded within its bounds is a
finding. A container image reference that names no registry (`postgres:16`) names the catalog's default
registry (`defaults: [{role: container-registry}]`, Docker Hub), in properties and in texts (`_hosts`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from souverain.catalog import Catalog, Offer, ipv4_value
from souverain.kinds import is_local_only_package
from souverain.model import UNKNOWN, Resource, Secret, _Unknown, walk_values
from souverain.policy import Context, Enforcement, Policy, Severity, Violation
from souverain.provider_services import ProviderCall, provider_services

from ._decode import decode, looks_encoded
from ._hosts import IMAGE_NAME_TYPES, image_references, image_registry, images_in_text, may_name_images
from ._support import (
    catalog_memo,
    endpoint_is_set,
    endpoint_unknown_words,
    endpoint_words,
    gather_string_leaves,
    package_endpoint,
    plain,
    string_leaves,
)

_DOTTED = re.compile(r"(?<![A-Za-z0-9_.-])[A-Za-z0-9_-]*\.[A-Za-z0-9_.-]*")
"""Runs of host characters that contain a dot: DNS names and dotted IPv4 in URLs, registry references
(`ghcr.io/org/image:tag`: the first segment is the host), e-mail addresses and free text. Anchored at the
start of a run, so a long run is read once."""
_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}")
_BRACKETED = re.compile(r"\[([0-9A-Fa-f:.]+)\]")
"""An IPv6 literal in a URL (`http://[2001:db8::1]:8080/`)."""
_QUAD_SOURCE = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,3}){3})(?:/[0-9]{1,3})?")
"""A whole string that is a dotted quad, or one with a prefix length (a CIDR): thousands per plan (subnet
addresses, rule sources), judged as the one address `_DOTTED` would find in them, by integer."""
_IPV6_SHAPED = re.compile(r"[0-9A-Fa-f:.]+(?:%.*)?", re.DOTALL)
"""What `ipaddress.IPv6Address` may accept (hex digits, `:` and `.`, then an optional `%scope`): a cheap
test before the parse, which fails slowly on timestamps and `host:port` strings."""

_MAX_LINES = 1 << 17
_MAX_LINE = 1024
"""How many lines `_Lookups` remembers, and how long (bounds whatever the inputs hold)."""

SKIPPED_KEYS = frozenset({"description"})
"""Prose for people: a domain named in a description is not a service the resource reaches."""

_NOT_IN_CATALOG = "unknown"
_HOST_NOT_IN_CATALOG = "unknown host"


class _Lookups:
    """Verdicts for one catalog, cached: checks run 10k-100k times and strings, hosts and packages repeat."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.address_lookup = getattr(catalog, "us_controlled_address", None) or catalog.us_controlled_host
        self.ipv4_lookup = getattr(catalog, "us_controlled_ipv4", None)
        self.hosts: dict[str, Offer | None] = {}
        self.packages: dict[tuple[str, str | None], Offer | str | None] = {}
        self.package_host = getattr(catalog, "package_host", None)
        if not getattr(catalog, "decides_by_endpoint", False):
            self.package_host = None  # no package is decided by its endpoint: skip the lookup per resource
        self.strings: dict[str, tuple[str, Offer] | None] = {}
        self.package_findings: dict[tuple[str, bool, object, bool, str], tuple[Violation, ...]] = {}
        self.clean: set[str] = set()
        """The strings of `strings` that name no US host: a resource whose strings are all here is clean."""
        self.lines: dict[str, tuple[tuple[str, Offer] | None, tuple[str, Offer] | None]] = {}
        """Per line of a multi-line string, its first bracketed and first dotted finding (`_scan_lines`)."""
        self.problems: dict[str, str] = {}
        """Strings whose encoded layers could not be decoded within bounds, and why (`_decode`)."""
        default = catalog.default_host("container-registry") if hasattr(catalog, "default_host") else None
        self.default_registry: tuple[str, Offer] | None = None
        """The default registry of image references, when the catalog records one and it is US-controlled."""
        if default is not None:
            offer = self.host(default[0], False) or (default[1] if default[1].us_controlled else None)
            if offer is not None:
                self.default_registry = (default[0], offer)

    def host(self, host: str, is_address: bool) -> Offer | None:
        key = host.casefold().rstrip(".")
        if key in self.hosts:
            return self.hosts[key]
        offer: Offer | None = self.address_lookup(key) if is_address else self.catalog.us_controlled_host(key)
        self.hosts[key] = offer
        return offer

    def package(self, package: str, host: str | None = None) -> Offer | str | None:
        """The US offer a package reaches (at `host`, its provider's endpoint when the catalog says which
        setting names it); `_NOT_IN_CATALOG` if the catalog does not know the package, `_HOST_NOT_IN_CATALOG`
        if none of its offers serves `host`; else None."""
        key = (package, host)
        if key in self.packages:
            return self.packages[key]
        verdict: Offer | str | None = None
        if not is_local_only_package(package):
            if host is not None:
                offers = self.catalog.offers_for_package_at(package, host)
                if not offers:
                    verdict = _HOST_NOT_IN_CATALOG
                elif all(offer.us_controlled for offer in offers):
                    verdict = offers[0]
            else:
                offer = self.catalog.us_controlled_package(package)
                if offer is not None:
                    verdict = offer
                elif not self.catalog.offers_for_package(package):
                    verdict = _NOT_IN_CATALOG
        self.packages[key] = verdict
        return verdict

    def string(self, text: str) -> tuple[str, Offer] | None:
        """The first US-controlled host or address in `text` or in the texts decoded from it, with its
        offer. A string whose layers could not be decoded is not clean either (see `problem`)."""
        if text in self.strings:
            return self.strings[text]
        found = self._scan(text) if "." in text or ":" in text else None
        if found is None and self.default_registry is not None and may_name_images(text):
            found = self._default_images(text)
        if found is None and looks_encoded(text):
            decoded = decode(text)
            if decoded.problem is not None:
                self.problems[text] = decoded.problem
            for inner in decoded.texts:
                found = self._scan(inner) or self._default_images(inner)
                if found is not None:
                    break
        self.strings[text] = found
        if found is None and text not in self.problems:
            self.clean.add(text)
        return found

    def problem(self, text: str) -> str | None:
        """Why `text` could not be decoded within bounds, once `string(text)` has read it."""
        return self.problems.get(text)

    def _default_images(self, text: str) -> tuple[str, Offer] | None:
        """The default registry, as the host of the first image reference in a text that names none."""
        if self.default_registry is None:
            return None
        for reference in images_in_text(text):
            registry = image_registry(reference)
            if registry is not None and not registry[1]:
                host, offer = self.default_registry
                return f"{host} (the default registry of image {reference!r})", offer
        return None

    def _scan(self, text: str) -> tuple[str, Offer] | None:
        if self.ipv4_lookup is not None and (quad := _QUAD_SOURCE.fullmatch(text)) is not None:
            value = ipv4_value(quad.group(1))
            if value is not None:
                offer = self.ipv4_lookup(value)
                return None if offer is None else (quad.group(1), offer)
        stripped = text.strip()
        if (
            ":" in stripped
            and "/" not in stripped
            and " " not in stripped
            and _IPV6_SHAPED.fullmatch(stripped)
        ):
            try:  # a bare IPv6 address (a DNS resolver), which the text patterns do not find
                address = str(ipaddress.IPv6Address(stripped))
            except ValueError:
                pass
            else:
                offer = self.host(address, True)
                if offer is not None:
                    return address, offer
        if "\n" in text:
            return self._scan_lines(text)
        if "[" in text:
            found = self._bracketed(text)
            if found is not None:
                return found
        if "." not in text:
            return None  # `_DOTTED` finds nothing: a timestamp, an id, a bare IPv6 address (judged above)
        return self._dotted(text)

    def _scan_lines(self, text: str) -> tuple[str, Offer] | None:
        """The rest of `_scan` for a multi-line string (cloud-init, a script), judged line by line: neither
        pattern spans a line, so the first bracketed finding of the first line that has one, else the first
        dotted finding so, is the whole text's. Such documents differ from resource to resource in a few
        lines only; each distinct line is judged once."""
        dotted: tuple[str, Offer] | None = None
        lines = self.lines
        for line in text.split("\n"):
            if "." not in line and "[" not in line:
                continue  # neither pattern finds anything
            hits = lines.get(line)
            if hits is None:
                hits = (
                    self._bracketed(line) if "[" in line else None,
                    self._dotted(line) if "." in line else None,
                )
                if len(line) <= _MAX_LINE and len(lines) < _MAX_LINES:
                    lines[line] = hits
            if hits[0] is not None:
                return hits[0]
            if dotted is None:
                dotted = hits[1]
        return dotted

    def _bracketed(self, text: str) -> tuple[str, Offer] | None:
        for match in _BRACKETED.finditer(text):
            offer = self.host(match.group(1), True)
            if offer is not None:
                return match.group(1), offer
        return None

    def _dotted(self, text: str) -> tuple[str, Offer] | None:
        for token in _DOTTED.findall(text):
            token = token.strip(".-_")
            if "." not in token:
                continue
            if _IPV4.fullmatch(token):
                offer = self.host(token, True)
            elif token.rsplit(".", 1)[1][:1].isalpha():
                offer = self.host(token, False)
            else:
                continue  # a version number, a decimal
            if offer is not None:
                return token, offer
        return None

    def all_clean(self, strings: Sequence[str]) -> bool:
        """Whether every one of `strings` is known to name no US-controlled host, judging those not yet
        judged: the common case, a resource with a few strings of its own (ids, dates) among known ones."""
        clean = self.clean
        if clean.issuperset(strings):
            return True
        for text in strings:
            if text not in clean:
                self.string(text)
        return clean.issuperset(strings)

    def hits(self, strings: Sequence[str]) -> bool:
        """Whether any of `strings` names a US-controlled host or cannot be decoded; those already known
        clean are skipped in C."""
        if self.clean.issuperset(strings):  # the common case
            return False
        return any(self.string(text) is not None or text in self.problems for text in strings)


def _lookups(catalog: Catalog) -> _Lookups:
    return catalog_memo(catalog, "no-us-controlled", _Lookups)


def us_host_in(text: str, catalog: Catalog) -> tuple[str, Offer] | None:
    """The first host or address in `text` that belongs to a US-controlled offer, with that offer."""
    return _lookups(catalog).string(text)


def _owner(offer: Offer) -> str:
    return f"{offer.name}, operated by {offer.operator.entity} ({offer.operator.country})"


def _property_findings(resource: Resource, context: Context, lookups: _Lookups) -> Iterator[Violation]:
    leaves = string_leaves(resource, context)
    if not lookups.hits(leaves.host_like) and not lookups.hits(leaves.dense):
        return
    for key, value in resource.properties.items():  # rare: a finding; the walk again, for the paths
        if key in SKIPPED_KEYS:
            continue
        own = gather_string_leaves({key: value})
        if not lookups.hits(own.host_like) and not lookups.hits(own.dense):
            continue
        for path, leaf in walk_values(value, str(key)):
            secret = isinstance(leaf, Secret)
            leaves_here = walk_values(leaf.reveal(), path) if secret else ((path, leaf),)
            for leaf_path, item in leaves_here:
                if not isinstance(item, str):
                    continue
                found = lookups.string(item)
                problem = lookups.problem(item)
                if problem is not None:
                    yield Violation(
                        f"{leaf_path} is encoded beyond what the gate decodes ({problem}), so it cannot be "
                        "shown to name no US-controlled host",
                        path=leaf_path,
                    )
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


def _package_violations(
    lookups: _Lookups,
    package: str,
    is_provider: bool,
    host: str | _Unknown | None = None,
    explicit: bool = False,
    name: str = "",
) -> tuple[Violation, ...]:
    """The findings about a resource's own package, remembered per (package, provider or not, endpoint,
    setting name: `endpoints.s3` and `endpoints.ec2` of one provider are different questions)."""
    key = (package, is_provider, host, explicit, name)
    found = lookups.package_findings.get(key)
    if found is not None:
        return found
    what = "provider" if is_provider else "resource"
    found = ()
    if not name:
        setting = lookups.catalog.endpoint_setting(package) if host is not None else None
        name = setting.setting if setting is not None else "endpoint"
    if host is UNKNOWN:
        found = (
            Violation(
                f"{endpoint_unknown_words(lookups.catalog, package, name)}, so the offer this {what} reaches "
                "cannot be shown to be non-US",
                unknown=True,
            ),
        )
    elif not package:
        found = (
            Violation(
                f"the input does not say which provider manages this {what}, so its operator cannot be "
                "shown to be non-US"
            ),
        )
    else:
        verdict = lookups.package(package, host if isinstance(host, str) else None)
        how = endpoint_words(lookups.catalog, package, host, explicit, name) if isinstance(host, str) else ""
        if verdict == _HOST_NOT_IN_CATALOG:
            found = (
                Violation(
                    f"{what} of package {package!r}: {how}, which no offer the catalog lists for this "
                    "package serves, so its operator cannot be shown to be non-US"
                ),
            )
        elif isinstance(verdict, Offer) and host is not None:
            found = (Violation(f"{what} of package {package!r}: {how}, {_owner(verdict)}: US-controlled"),)
        elif verdict == _NOT_IN_CATALOG:
            found = (
                Violation(
                    f"provider {package!r} is not in the catalog, so its operator cannot be shown to be "
                    "non-US"
                ),
            )
        elif isinstance(verdict, Offer):
            found = (
                Violation(
                    f"{what} of package {package!r}, which reaches only {_owner(verdict)}: US-controlled"
                ),
            )
    lookups.package_findings[key] = found
    return found


def _per_service(catalog: Catalog, package: str) -> bool:
    """Whether `package`'s endpoint setting is per service and the data records what its provider calls
    by itself: then the provider is judged on those calls. Without that data (an overlay making another
    package per service), the provider is judged like a resource whose service is not known: at the
    setting's default."""
    setting = catalog.endpoint_setting(package) if package else None
    return setting is not None and setting.per_service and provider_services(package) is not None


_TRUE = frozenset({True, "true", "True", "TRUE"})
"""A boolean provider setting that is true: Terraform's `true`, and the text Pulumi sends for a provider's
non-string inputs and stack config (`"true"`)."""


_UNSET_TEXTS = frozenset({"", "[]", "{}", "null"})
"""How Pulumi sends an object setting left empty (`assumeRole`), as text."""


def _call_condition(call: ProviderCall, properties: Mapping[str, Any]) -> tuple[bool, bool, str, str]:
    """Whether the provider makes `call`, whether that is only possibly (a deciding setting unknown until
    apply), why (`skip_credentials_validation is not true`), and the setting's part of the fix."""
    if call.when_set is not None:
        value = plain(properties.get(call.when_set))
        if (
            value is None
            or value == []
            or value == {}
            or (isinstance(value, str) and value.strip() in _UNSET_TEXTS)
        ):
            return False, False, "", ""
        unknown = value is UNKNOWN
        why = f"{call.when_set} is {'not known' if unknown else 'set'}"
        return True, unknown, why, f"remove {call.when_set}"
    assert call.unless_true is not None  # the data's validation requires one of the two
    skip = plain(properties.get(call.unless_true))
    if skip in _TRUE:
        return False, False, "", ""
    unknown = skip is UNKNOWN
    why = f"{call.unless_true} is {'not known' if unknown else 'not true'}"
    return True, unknown, why, f"set {call.unless_true} = true"


def _provider_call_violations(lookups: _Lookups, resource: Resource) -> tuple[Violation, ...]:
    """What a provider whose endpoints are per service (the AWS provider) calls by itself once configured
    (`data/provider_services.yaml`: STS to validate its credentials, STS or IAM for its account id, STS to
    assume a role), unless a setting skips the call: each call whose endpoints cannot all be shown non-US
    is a finding naming the setting that skips it. The provider's resources are judged at their own
    service's endpoint."""
    catalog = lookups.catalog
    package = resource.package
    services = provider_services(package)
    setting = catalog.endpoint_setting(package)
    if services is None or setting is None:
        return ()
    properties = resource.properties
    found: list[Violation] = []
    for call in services.calls:
        made, maybe, why, fix = _call_condition(call, properties)
        if not made:
            continue
        deciding = call.when_set or call.unless_true or ""
        for service in call.services:
            keys = services.keys(service)
            host = catalog.package_host(package, properties, keys)
            name = f"{setting.setting}.{service}"
            if host is UNKNOWN:
                found.append(
                    Violation(
                        f"provider of package {package!r} {call.what} ({why}), and its {name} is not known "
                        "(set at apply time), so the offer it calls cannot be shown to be non-US: "
                        f"{fix}, or set {name} to a non-US offer's endpoint",
                        path=deciding,
                        unknown=True,
                    )
                )
                break
            if not isinstance(host, str):
                continue
            verdict = lookups.package(package, host)
            if verdict is None:
                continue
            how = endpoint_words(catalog, package, host, endpoint_is_set(setting, properties, keys), name)
            if isinstance(verdict, Offer):
                whose = f"{_owner(verdict)}: US-controlled"
            else:
                whose = (
                    "which no offer the catalog lists for this package serves, so it cannot be shown non-US"
                )
            found.append(
                Violation(
                    f"provider of package {package!r} {call.what} ({why}): {how}, {whose}; {fix}, or set "
                    f"{name} to a non-US offer's endpoint",
                    path=deciding,
                    unknown=maybe,
                )
            )
            break
    return tuple(found)


def _image_findings(resource: Resource, lookups: _Lookups) -> Iterator[Violation]:
    """Container image references in properties that name no registry: pulled from the default one."""
    if lookups.default_registry is None:
        return
    host, offer = lookups.default_registry
    for path, reference, secret in image_references(resource):
        registry = image_registry(reference)
        if registry is None or registry[1]:
            continue  # not a reference, or one naming its registry: judged as any host (`string`)
        shown = "a secret image reference" if secret else f"image {reference!r}"
        yield Violation(
            f"{path} is {shown}, which names no registry: it is pulled from {host}, the default registry, "
            f"a host of {_owner(offer)}, US-controlled",
            path=path,
        )


def check(resource: Resource, context: Context) -> Sequence[Violation]:
    """A sequence, not a generator: this runs on every resource and almost always finds nothing."""
    if not resource.custom:
        return ()
    lookups = _lookups(context.catalog)
    if resource.is_provider and lookups.package_host and _per_service(lookups.catalog, resource.package):
        found: Sequence[Violation] = _provider_call_violations(lookups, resource)
    else:
        host, explicit, name = (
            package_endpoint(lookups.catalog, resource) if lookups.package_host else (None, False, "")
        )
        found = _package_violations(lookups, resource.package, resource.is_provider, host, explicit, name)
    leaves = string_leaves(resource, context)
    keys = leaves.keys_in_clear
    images = "image" in keys or "registry_image" in keys or resource.type in IMAGE_NAME_TYPES
    if not images and lookups.all_clean(leaves.host_like) and lookups.all_clean(leaves.dense):
        return found  # nothing to find
    return [
        *found,
        *_property_findings(resource, context, lookups),
        *(_image_findings(resource, lookups) if images else ()),
    ]


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
        "endpoint. With the AWS provider on an AWS-compatible offer (OUTSCALE OOS and FCU, Scaleway or "
        "OVHcloud Object Storage), set the `endpoints` entry of every service the stack uses to the "
        "offer's hosts, and skip_credentials_validation and skip_requesting_account_id to true. Add a "
        "provider the catalog does not know to an overlay, with its operator and a source."
    ),
    requirements=("SecNumCloud 3.2 §19.6", "SecNumCloud 3.2 §19.2", "HDS v2 (arrêté du 26 avril 2024)"),
    check_resource=check,
)
