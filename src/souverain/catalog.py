"""The sovereignty catalog: which offers are qualified, where, and who controls them.

Facts live in YAML (`data/catalog.yaml`), each with its source and date; this module only validates and
answers questions about them. The unit is the *offer*, because ANSSI qualifies an offer and its regions,
not a company. Agencies overlay their contract's own regions and endpoints with `--catalog FILE`.
The format is documented in docs/catalog.md.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec
import yaml
from msgspec import Meta

from ._data import package_data_text
from .errors import InputError
from .model import UNKNOWN, Secret, _Unknown
from .schema import FieldError, Strict, force, validate

CATALOG_SCHEMA_VERSION: Literal[1] = 1
BUILTIN = "<built-in>"

Scheme = Literal["secnumcloud", "hds"]
KeyManager = Literal["barbican", "provider-kms", "none"]

_PULUMI_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TERRAFORM_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_HOST_PATTERN = re.compile(
    r"^(\*\.|\.)?[a-z0-9*?]([a-z0-9*?_-]*[a-z0-9*?])?(\.[a-z0-9*?]([a-z0-9*?_-]*[a-z0-9*?])?)*$"
)


NonEmpty = Annotated[str, Meta(min_length=1)]


class Source(Strict, frozen=True, kw_only=True):
    """Where a fact comes from, and when it was checked. A contract reference is a fine `url`."""

    url: NonEmpty
    as_of: date
    note: str | None = None


class Qualification(Strict, frozen=True, kw_only=True):
    """A qualification or certification of an offer, for a scope and a period."""

    scheme: Scheme
    version: str | None = None
    scope: NonEmpty
    granted: date | None = None
    expires: date | None = None
    source: Source

    def __post_init__(self) -> None:
        if self.granted is not None and self.expires is not None and self.expires < self.granted:
            raise FieldError("expires", f"expires ({self.expires}) is before granted ({self.granted})")

    @property
    def name(self) -> str:
        return self.scheme

    def valid_on(self, day: date) -> bool:
        return (self.granted is None or self.granted <= day) and (self.expires is None or day <= self.expires)


_PARTIAL_DATE = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"


class QualificationInProgress(Strict, frozen=True, kw_only=True):
    """A qualification an offer has applied for (ANSSI's J0, then milestones) and does not hold: shown in
    messages and `souverain catalog`, never counted as qualified."""

    scheme: Scheme
    version: str | None = None
    since: Annotated[str, Meta(pattern=_PARTIAL_DATE)]
    """When the offer entered the process, as precisely as the source says: `"2025-01"`, `"2025-04-17"`
    (quoted: YAML reads an unquoted full date as a date)."""
    milestone: str | None = None
    """The last milestone the source reports (`J0`)."""
    scope: str | None = None
    source: Source


class EndpointSetting(Strict, frozen=True, kw_only=True):
    """The provider setting that decides which of a package's offers its API calls reach.

    Some packages reach several offers (`gcp` reaches Google Cloud and S3NS): what tells them apart is a
    setting of the provider's configuration that names a domain or an endpoint (`universe_domain`), and what
    the provider uses when it is unset. The value (or the default) is matched against the offers'
    `endpoints`.
    """

    setting: Annotated[str, Meta(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")]
    """The provider configuration property, snake_case (`universe_domain`: Terraform's `universe_domain`,
    Pulumi's `universeDomain` input or `gcp:universeDomain` stack config)."""
    default: NonEmpty
    """The host (or URL) the provider uses when the setting is unset (`googleapis.com`)."""
    per_service: bool = False
    """The setting maps each service of the package to its own endpoint (the AWS provider's `endpoints`:
    Terraform `endpoints { s3 = "https://..." }`, Pulumi `endpoints: [{s3: "https://..."}]`): a resource's
    calls go to its service's entry (`data/provider_services.yaml` says which service serves a resource
    type), or to `default` when that entry is unset."""
    packages: tuple[str, ...] = ()
    """The offer's packages the setting applies to (`[aws, hashicorp/aws]`); empty: all of them."""
    source: Source

    def __post_init__(self) -> None:
        host = setting_host(self.default)
        if host is None:
            raise FieldError("default", f"{self.default!r} is not a host name or URL")
        force(self, "default", host)
        force(self, "packages", tuple(_package_key(package) for package in self.packages))

    def applies_to(self, package: str) -> bool:
        return not self.packages or _package_key(package) in self.packages


def _setting_words(setting: EndpointSetting) -> str:
    per_service = ", per service" if setting.per_service else ""
    return f"the endpoint setting {setting.setting} (default {setting.default}{per_service})"


def _service_blocks(value: Any) -> list[Any] | None:
    """A per-service endpoint setting as a list of mappings: Terraform's block list `[{"s3": "..."}]`, a
    mapping, or the JSON text Pulumi sends for an object setting; None when it, or one of its blocks, is
    not known (UNKNOWN); [] when unset or not such a value."""
    if isinstance(value, Secret):
        value = value.reveal()
    if value is UNKNOWN:
        return None
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list | tuple):
        blocks = [item.reveal() if isinstance(item, Secret) else item for item in value]
        if any(block is UNKNOWN for block in blocks):
            return None
        return [block for block in blocks if isinstance(block, Mapping)]
    return []


def service_entry(value: Any, keys: Sequence[str]) -> Any:
    """The endpoint a per-service setting (`value`) gives the service spelt `keys` (`s3`, `s3api`): None
    when no key is set; UNKNOWN when the setting or a matching entry is unknown, or when two keys give
    different endpoints (the provider takes one of them; which one the configuration order decides)."""
    blocks = _service_blocks(value)
    if blocks is None:
        return UNKNOWN
    found: list[Any] = []
    for block in blocks:
        for key in keys:
            entry = block.get(key)
            if isinstance(entry, Secret):
                entry = entry.reveal()
            if entry is UNKNOWN:
                return UNKNOWN
            if entry is not None and entry != "" and entry not in found:
                found.append(entry)
    if len(found) > 1:
        return UNKNOWN
    return found[0] if found else None


def setting_host(value: str) -> str | None:
    """The host a provider setting names (`s3nsapis.fr`; `https://api.example.net:443/v1` names
    `api.example.net`), lower-cased, without a trailing dot; None when it names no host."""
    text = value.strip()
    try:
        host = urlsplit(text if "://" in text else "//" + text).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".")
    return host if _HOST_PATTERN.match(host) and "*" not in host and "?" not in host else None


class Region(Strict, frozen=True, kw_only=True):
    name: NonEmpty
    qualifications: tuple[Scheme, ...] = ()
    """Schemes that cover this region; each must also be one of the offer's qualifications."""
    aliases: tuple[str, ...] = ()
    """Other spellings of the same region (`GRA11` / `gra11`); matched case-insensitively anyway."""
    zones: tuple[str, ...] = ()
    """The region's zones (`fr-par-1`, `u-france-east1-a`, subregion `cloudgouv-eu-west-1a`): a resource
    placed in one is in this region. When a region lists its zones, a zone it does not list is not in it."""
    source: Source | None = None

    def __post_init__(self) -> None:
        for index, scheme in enumerate(self.qualifications):
            if scheme in self.qualifications[:index]:
                raise FieldError(f"qualifications[{index}]", f"{scheme!r} is listed twice")

    def names(self) -> tuple[str, ...]:
        """Every name that places a resource in this region: its name, aliases and zones."""
        return (self.name, *self.aliases, *self.zones)


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_ADDRESS = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
"""A dotted-quad IPv4 address exactly as `ipaddress` accepts it (decimal, no leading zero, each <= 255)."""


def ipv4_value(text: str) -> int | None:
    """`text` as an integer if it is exactly a dotted-quad IPv4 address that `ipaddress` accepts."""
    if _IPV4_ADDRESS.fullmatch(text) is None:
        return None
    a, b, c, d = text.split(".")
    return (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)


def _ip_version_and_int(host: str) -> tuple[int, int] | None:
    """`host` (`8.8.8.8`, `[2001:db8::1]`) as (IP version, integer), None if it is no IP address: plain IPv4
    without building an `ipaddress` object (the common case, thousands of times per plan); anything else
    through `ipaddress`."""
    text = host.strip().strip("[]")
    value = ipv4_value(text)
    if value is not None:
        return 4, value
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    return ip.version, int(ip)


def _normalize_host_pattern(value: str, where: str) -> str:
    pattern = value.strip().casefold().rstrip(".")
    if _ip_version_and_int(pattern) is not None:
        raise FieldError(where, f"{value!r} is an IP address: list it under `ip_addresses`")
    if "://" in pattern or "/" in pattern or ":" in pattern or not _HOST_PATTERN.match(pattern):
        raise FieldError(
            where,
            f"{value!r} is not a host name or `*.suffix` pattern (write `auth.example.net`, not a URL)",
        )
    return pattern


def _normalize_address(item: str, where: str) -> str:
    try:
        if "/" in item:
            return str(ipaddress.ip_network(item.strip(), strict=True))
        return str(ipaddress.ip_address(item.strip()))
    except ValueError:
        raise FieldError(where, f"{item!r} is not an IP address or network") from None


class Endpoints(Strict, frozen=True, kw_only=True):
    keystone: tuple[str, ...] = ()
    """Keystone auth URL hosts, exact or `*.suffix` patterns."""
    domains: tuple[str, ...] = ()
    """API and service domains, exact or `*.suffix` patterns (`*.s3nsapis.fr`)."""
    ip_addresses: tuple[str, ...] = ()
    """IP addresses or networks of the service (public DNS resolvers such as 8.8.8.8), normalized."""
    source: Source | None = None

    def __post_init__(self) -> None:
        for name in ("keystone", "domains"):
            hosts = getattr(self, name)
            force(self, name, tuple(_normalize_host_pattern(h, f"{name}[{i}]") for i, h in enumerate(hosts)))
        addresses = self.ip_addresses
        force(
            self,
            "ip_addresses",
            tuple(_normalize_address(a, f"ip_addresses[{i}]") for i, a in enumerate(addresses)),
        )


DefaultRole = Literal["container-registry"]


class DefaultEndpoint(Strict, frozen=True, kw_only=True):
    """A host a tool reaches when a value names none: `postgres:16` is pulled from Docker Hub (docker.io).

    The gate judges the value as if it named this host, so a default is a fact with a source, not code.
    """

    role: DefaultRole
    """`container-registry`: the registry of a container image reference without a registry host."""
    host: NonEmpty
    source: Source

    def __post_init__(self) -> None:
        host = _normalize_host_pattern(self.host, "host")
        if "*" in host or "?" in host or host.startswith("."):
            raise FieldError("host", f"{self.host!r} is a pattern: a default is one host name")
        force(self, "host", host)


class Capabilities(Strict, frozen=True, kw_only=True):
    """What the offer encrypts at rest and where keys live. Each flag defaults to false: a fact the sources
    do not state is not assumed (encrypted-storage then asks the resource to request encryption itself)."""

    encrypted_volume_types: tuple[str, ...] = ()
    """Volume types that are encrypted (OpenStack Cinder `-luks` types, OVHcloud's `classic-luks`...)."""
    object_storage_encrypted: bool = False
    """Object storage is encrypted at rest whatever the bucket asks."""
    key_manager: KeyManager = "none"
    block_storage_encrypted: bool = False
    """Every block volume or disk (and a Kubernetes node's disk) is encrypted at rest, whatever its type."""
    database_encrypted: bool = False
    """Managed database instances are encrypted at rest whatever they ask."""
    source: Source | None = None

    def is_default(self) -> bool:
        return self == Capabilities(source=self.source)


def normalize_terraform_provider(value: str) -> str | None:
    """`registry.terraform.io/hashicorp/aws` or `hashicorp/aws` -> `hashicorp/aws`; None if malformed."""
    parts = value.strip().split("/")
    if len(parts) == 3:
        parts = parts[1:]
    if len(parts) != 2 or not all(_TERRAFORM_PART.match(part) for part in parts):
        return None
    return "/".join(parts)


class ImpliedRegion(Strict, frozen=True, kw_only=True):
    """The one region a package's resources land in when neither they nor their provider name one, for a
    provider that reaches exactly one region by construction (Cloud Temple's has no region setting)."""

    region: NonEmpty
    """One of the offer's regions (its name or an alias)."""
    source: Source


class Packages(Strict, frozen=True, kw_only=True):
    pulumi: tuple[str, ...] = ()
    """Pulumi package names, as the first part of a type token (`openstack`, `aws-native`)."""
    terraform: tuple[str, ...] = ()
    """Terraform provider sources, `namespace/name` (`hashicorp/aws`); a registry host is dropped."""
    endpoint_setting: EndpointSetting | None = None
    """For packages that reach other offers too: the provider setting whose value (or default) is one of
    this offer's `endpoints` when the package reaches this offer."""
    implied_region: ImpliedRegion | None = None
    """For a provider with no region setting whose offer has one region: the region its resources are in
    when they state none. Applied only when every offer the package reaches says the same."""

    def __post_init__(self) -> None:
        for index, name in enumerate(self.pulumi):
            if not _PULUMI_PACKAGE.match(name):
                raise FieldError(
                    f"pulumi[{index}]",
                    f"{name!r} is not a Pulumi package name (lowercase, as in the type token `aws:s3/...`)",
                )
        normalized = []
        for index, source in enumerate(self.terraform):
            provider = normalize_terraform_provider(source)
            if provider is None:
                raise FieldError(
                    f"terraform[{index}]", f"{source!r} is not a Terraform provider source `namespace/name`"
                )
            normalized.append(provider)
        force(self, "terraform", tuple(normalized))


class Operator(Strict, frozen=True, kw_only=True):
    """The legal entity that operates the service: the test of US control, not the technology."""

    entity: NonEmpty
    country: Annotated[str, Meta(min_length=2, max_length=2)]
    """ISO 3166 country of the controlling entity (upper-cased when read)."""
    source: Source

    def __post_init__(self) -> None:
        force(self, "country", self.country.upper())


class Supersedes(Strict, frozen=True, kw_only=True):
    """An overlay's citation for claiming what the shipped catalog gives another, non-qualified offer.

    The shipped catalog says, with a source, that a region (`GRA11`) or an endpoint (`auth.cloud.ovh.net`)
    belongs to an offer that is not SecNumCloud-qualified. An overlay that declares the same region or
    endpoint qualified contradicts that fact; it must name the offer it supersedes and the source that
    says otherwise (a contract, a newer qualification). See docs/catalog.md.
    """

    offer: NonEmpty
    """The id of the shipped offer whose region or endpoint the overlay claims."""
    source: Source


class Offer(Strict, frozen=True, kw_only=True):
    """One cloud offer (or one service) with its operator, qualifications, regions and reach."""

    id: Annotated[str, Meta(min_length=1, pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    name: NonEmpty
    operator: Operator
    us_controlled: bool
    kind: Literal["offer", "service"] = "offer"
    apis: tuple[str, ...] = ()
    qualifications: tuple[Qualification, ...] = ()
    regions: tuple[Region, ...] = ()
    endpoints: Endpoints = msgspec.field(default_factory=Endpoints)
    capabilities: Capabilities = msgspec.field(default_factory=Capabilities)
    packages: Packages = msgspec.field(default_factory=Packages)
    defaults: tuple[DefaultEndpoint, ...] = ()
    """Hosts this offer serves when a value names no host (Docker Hub for image references)."""
    qualifications_in_progress: tuple[QualificationInProgress, ...] = ()
    """Qualifications applied for and not held: never counted, named in messages."""
    status: str | None = None
    """Free text on what is uncertain, shown by `souverain catalog`. Never a qualification by itself."""
    source: Source | None = None
    """Where the offer's description, regions and status come from, when they have no source of their own."""
    supersedes: tuple[Supersedes, ...] | Supersedes = ()
    """In an overlay: the shipped offers whose regions or endpoints this offer claims, each with the source
    that supersedes the shipped fact (one mapping or a list)."""

    def __post_init__(self) -> None:
        if isinstance(self.supersedes, Supersedes):
            force(self, "supersedes", (self.supersedes,))
        if self.operator.country == "US" and not self.us_controlled:
            raise FieldError(
                "us_controlled", "the operator's country is US, so the offer is US-controlled: set it to true"
            )
        if self.us_controlled:
            for index, qualification in enumerate(self.qualifications):
                if qualification.scheme == "secnumcloud":
                    raise FieldError(
                        f"qualifications[{index}]",
                        "a US-controlled offer cannot hold a SecNumCloud qualification",
                    )
        held = {qualification.scheme for qualification in self.qualifications}
        seen: dict[str, str] = {}
        for r_index, region in enumerate(self.regions):
            for q_index, scheme in enumerate(region.qualifications):
                if scheme not in held:
                    raise FieldError(
                        f"regions[{r_index}].qualifications[{q_index}]",
                        f"{scheme!r} is not one of the offer's qualifications: add it under `qualifications` "
                        "with its scope and source, or remove it here",
                    )
            for n_index, name in enumerate(region.names()):
                if n_index == 0:
                    where = f"regions[{r_index}].name"
                elif n_index <= len(region.aliases):
                    where = f"regions[{r_index}].aliases[{n_index - 1}]"
                else:
                    where = f"regions[{r_index}].zones[{n_index - 1 - len(region.aliases)}]"
                key = name.casefold()
                if key in seen:
                    raise FieldError(where, f"region name {name!r} is already used by {seen[key]}")
                seen[key] = f"regions[{r_index}]"
        setting = self.packages.endpoint_setting
        if setting is not None:
            own = {_package_key(package) for package in (*self.packages.pulumi, *self.packages.terraform)}
            for index, package in enumerate(setting.packages):
                if package not in own:
                    raise FieldError(
                        f"packages.endpoint_setting.packages[{index}]",
                        f"{package!r} is not one of the offer's packages: list it under `pulumi` or "
                        "`terraform`",
                    )
        implied = self.packages.implied_region
        if implied is not None and implied.region.casefold() not in seen:
            raise FieldError(
                "packages.implied_region.region",
                f"{implied.region!r} is not one of the offer's regions: list it under `regions`",
            )

    def region(self, name: str) -> Region | None:
        wanted = name.casefold()
        for region in self.regions:
            if any(candidate.casefold() == wanted for candidate in region.names()):
                return region
        return None

    def current_qualifications(self, on: date | None = None) -> tuple[Qualification, ...]:
        day = on or date.today()
        return tuple(q for q in self.qualifications if q.valid_on(day))

    def has_scheme(self, scheme: str, on: date | None = None) -> bool:
        return any(q.scheme == scheme for q in self.current_qualifications(on))

    def region_schemes(self, name: str, on: date | None = None) -> tuple[str, ...]:
        """The schemes that actually cover a region on a day: listed there *and* current for the offer."""
        region = self.region(name)
        if region is None:
            return ()
        return tuple(scheme for scheme in region.qualifications if self.has_scheme(scheme, on))

    def region_qualified(self, name: str, scheme: str, on: date | None = None) -> bool:
        """A region holds a scheme only if the region lists it *and* the offer's qualification is current."""
        return scheme in self.region_schemes(name, on)

    def reached_by(self, package: str) -> bool:
        key = _package_key(package)
        return any(key == _package_key(own) for own in (*self.packages.pulumi, *self.packages.terraform))

    def serves_host(self, host: str) -> bool:
        """Whether `host` is one of the offer's Keystone hosts or domains."""
        return host_matches(host, (*self.endpoints.keystone, *self.endpoints.domains))

    def in_progress(self, scheme: str) -> QualificationInProgress | None:
        return next((entry for entry in self.qualifications_in_progress if entry.scheme == scheme), None)


class CatalogFile(Strict, frozen=True, kw_only=True):
    schema_version: Literal[1] = CATALOG_SCHEMA_VERSION
    as_of: date | None = None
    offers: tuple[Offer, ...] = ()

    def __post_init__(self) -> None:
        seen: dict[str, int] = {}
        for index, offer in enumerate(self.offers):
            if offer.id in seen:
                raise FieldError(
                    f"offers[{index}].id",
                    f"offer id {offer.id!r} is already used by offers[{seen[offer.id]}]",
                )
            seen[offer.id] = index


def _package_key(package: str) -> str:
    key = package.strip().casefold()
    if "/" in key:
        return normalize_terraform_provider(key) or key
    return key


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """`host` equals a pattern, or ends under a `*.suffix` / `.suffix` pattern (case-insensitive)."""
    host = host.casefold().rstrip(".")
    for pattern in patterns:
        pattern = pattern.casefold().rstrip(".")
        if pattern.startswith("*."):
            suffix = pattern[1:]
            if host.endswith(suffix) or host == pattern[2:]:
                return True
        elif pattern.startswith("."):
            if host.endswith(pattern) or host == pattern[1:]:
                return True
        elif "*" in pattern or "?" in pattern:
            if fnmatch.fnmatchcase(host, pattern):
                return True
        elif host == pattern:
            return True
    return False


class Catalog:
    """The validated catalog plus the lookups that policies need."""

    def __init__(
        self,
        offers: Iterable[Offer],
        sources: Iterable[str] = (BUILTIN,),
        *,
        dates: Mapping[str, date | None] | None = None,
        origins: Mapping[str, str] | None = None,
    ) -> None:
        self.offers: tuple[Offer, ...] = tuple(offers)
        self.sources = tuple(sources)
        self.dates: dict[str, date | None] = dict(dates or {})
        """Each source file's `as_of` date."""
        self.origins: dict[str, str] = dict(origins or {})
        """Which source file each offer id comes from (the last one that defined it)."""
        self._by_id = {offer.id: offer for offer in self.offers}
        # The catalog never changes once built, and a plan asks the same questions for thousands of
        # resources: answers are memoized.
        self._host_memo: dict[str, tuple[Offer, ...]] = {}
        self._qualified_memo: dict[tuple[str, str, str | None, date, str | None], bool] = {}
        """`region_qualified` answers keyed by the question as asked: normalizing the region and package
        first would cost more than the few spellings a plan uses."""
        self.memos: dict[str, Any] = {}
        """Values that policies derive from the catalog once (`policies._support.catalog_memo`)."""
        self._endpoint_settings = self._index_endpoint_settings()
        self.decides_by_endpoint = bool(self._endpoint_settings)
        """Whether some package's offer is decided by an endpoint setting (else policies skip the lookup)."""
        self._setting_memo: dict[str, EndpointSetting | None] = {}
        self._implied_memo: dict[str, str | None] = {}

    def _index_endpoint_settings(self) -> dict[str, EndpointSetting]:
        """Each package's endpoint setting; offers reaching one package must not disagree on it."""
        settings: dict[str, EndpointSetting] = {}
        declared_by: dict[str, Offer] = {}
        for offer in self.offers:
            setting = offer.packages.endpoint_setting
            if setting is None:
                continue
            for package in (*offer.packages.pulumi, *offer.packages.terraform):
                if not setting.applies_to(package):
                    continue
                key = _package_key(package)
                known = settings.get(key)
                if known is None:
                    settings[key] = setting
                    declared_by[key] = offer
                elif (known.setting, known.default, known.per_service) != (
                    setting.setting,
                    setting.default,
                    setting.per_service,
                ):
                    other = declared_by[key]
                    raise InputError(
                        self.origins.get(offer.id, BUILTIN),
                        f"offer {offer.id!r} gives package {package!r} the endpoint setting "
                        f"{_setting_words(setting)}, but offer {other.id!r} "
                        f"({self.origins.get(other.id, BUILTIN)}) gives it {_setting_words(known)}: "
                        "make them agree",
                        field=f"offer {offer.id!r}: packages.endpoint_setting",
                    )
        return settings

    def endpoint_setting(self, package: str) -> EndpointSetting | None:
        """The provider setting that decides which offer `package` reaches, if the catalog records one."""
        if not self._endpoint_settings:
            return None
        memo = self._setting_memo
        if package in memo:
            return memo[package]
        setting = memo[package] = self._endpoint_settings.get(_package_key(package))
        return setting

    def package_host(
        self, package: str, settings: Mapping[str, Any] | None, keys: Sequence[str] = ()
    ) -> str | _Unknown | None:
        """The host a package's API calls go to, from its provider's `settings` (snake_case configuration,
        None when the input does not show it): the value of its endpoint setting, else the catalog's default
        for it. For a per-service setting, the value is the entry of the service named by `keys` (its key
        and the aliases the provider accepts: `s3`, `s3api`); without keys, or with the entry unset, the
        default. UNKNOWN when the value is not known (until apply, or not in the input); the value itself
        when it names no host (no offer serves it); None when the catalog records no endpoint setting."""
        setting = self.endpoint_setting(package)
        if setting is None:
            return None
        if settings is None:
            return UNKNOWN
        value = settings.get(setting.setting)
        if setting.per_service:
            value = service_entry(value, keys) if keys else None
        if isinstance(value, Secret):
            value = value.reveal()
        if value is None or value == "":
            return setting.default
        if isinstance(value, str):
            return setting_host(value) or value.strip()
        return UNKNOWN if value is UNKNOWN else str(value)

    def implied_region(self, package: str) -> str | None:
        """The region `package`'s resources are in when they and their provider state none: the offers'
        `packages.implied_region`, when every offer the package reaches names the same one; else None."""
        memo = self._implied_memo
        if package in memo:
            return memo[package]
        offers = self.offers_for_package(package) if package else []
        regions = {
            offer.packages.implied_region.region.casefold() if offer.packages.implied_region else None
            for offer in offers
        }
        found = None
        if offers and None not in regions and len(regions) == 1:
            implied = offers[0].packages.implied_region
            found = implied.region if implied is not None else None
        memo[package] = found
        return found

    def offers_for_package_at(self, package: str, host: str) -> list[Offer]:
        """The offers `package` reaches whose endpoints serve `host`."""
        return [offer for offer in self.offers_for_package(package) if offer.serves_host(host)]

    def get(self, offer_id: str) -> Offer | None:
        return self._by_id.get(offer_id)

    def origin(self, offer_id: str) -> str | None:
        return self.origins.get(offer_id)

    @cached_property
    def _region_index(self) -> dict[str, list[Offer]]:
        index: dict[str, list[Offer]] = {}
        for offer in self.offers:
            for region in offer.regions:
                for name in region.names():
                    index.setdefault(name.casefold(), []).append(offer)
        return index

    @cached_property
    def _package_index(self) -> dict[str, list[Offer]]:
        index: dict[str, list[Offer]] = {}
        for offer in self.offers:
            for package in (*offer.packages.pulumi, *offer.packages.terraform):
                bucket = index.setdefault(_package_key(package), [])
                if offer not in bucket:
                    bucket.append(offer)
        return index

    def default_host(self, role: str) -> tuple[str, Offer] | None:
        """The host a value without one reaches for `role` (`container-registry`), and the offer declaring
        it. When several offers declare one, the last wins: an overlay's offers come after the shipped."""
        found: tuple[str, Offer] | None = None
        for offer in self.offers:
            for default in offer.defaults:
                if default.role == role:
                    found = (default.host, offer)
        return found

    def knows_host(self, host: str) -> bool:
        """Whether any offer or service of the catalog lists `host` (a name or an IP address), whoever
        operates it: what `known-external-host` asks before calling a host unknown."""
        return bool(self.offers_for_host(host))

    def offers_for_region(self, region: str) -> list[Offer]:
        return list(self._region_index.get(region.casefold(), ()))

    def offers_for_package(self, package: str) -> list[Offer]:
        """Offers reached by a Pulumi package or a Terraform provider (`registry.../ns/name` or `ns/name`)."""
        return list(self._package_index.get(_package_key(package), ()))

    def us_controlled_package(
        self, package: str, *, region: str | None = None, host: str | None = None
    ) -> Offer | None:
        """The US-controlled offer or service that a package or provider reaches, if that is what it reaches.

        A package that reaches only US-controlled offers answers at once. One that reaches both (`gcp` reaches
        Google Cloud and S3NS; `openstack` reaches OVHcloud and OVHcloud US) is told apart by the `host` its
        API calls go to (checked first) or its `region`: the US offer when they belong to it, None otherwise.
        A host or region in no offer's list also answers None: proving it qualified is the job of the
        region and endpoint checks, which fail closed on what the catalog does not know.
        """
        offers = self.offers_for_package(package)
        us = [offer for offer in offers if offer.us_controlled]
        if not us:
            return None
        if len(us) == len(offers):
            return us[0]
        if host is not None:
            matched = [offer for offer in self.offers_for_host(host) if offer.reached_by(package)]
            if any(not offer.us_controlled for offer in matched):
                return None
            return next((offer for offer in matched if offer.us_controlled), None)
        if region is not None:
            if any(not offer.us_controlled and offer.region(region) is not None for offer in offers):
                return None
            return next((offer for offer in us if offer.region(region) is not None), None)
        return None

    @cached_property
    def _networks(self) -> list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Offer]]:
        return [
            (ipaddress.ip_network(item), offer)
            for offer in self.offers
            for item in offer.endpoints.ip_addresses
        ]

    @cached_property
    def _network_masks(self) -> list[tuple[int, int, int, Offer]]:
        """`_networks` as (version, network address, netmask) integers: containment is one `&`."""
        return [
            (network.version, int(network.network_address), int(network.netmask), offer)
            for network, offer in self._networks
        ]

    def offers_for_address(self, address: str) -> list[Offer]:
        """Offers whose listed IP addresses or networks contain `address` (`8.8.8.8`, `[2001:db8::1]`)."""
        parsed = _ip_version_and_int(address)
        if parsed is None:
            return []
        version, value = parsed
        found: list[Offer] = []
        for network_version, network, mask, offer in self._network_masks:
            if version == network_version and value & mask == network and offer not in found:
                found.append(offer)
        return found

    def us_controlled_address(self, address: str) -> Offer | None:
        for offer in self.offers_for_address(address):
            if offer.us_controlled:
                return offer
        return None

    @cached_property
    def _us_ipv4_masks(self) -> list[tuple[int, int, Offer]]:
        return [
            (network, mask, offer)
            for version, network, mask, offer in self._network_masks
            if version == 4 and offer.us_controlled
        ]

    def us_controlled_ipv4(self, value: int) -> Offer | None:
        """`us_controlled_address` of an IPv4 address given as an integer (`ipv4_value`): the offer of the
        first listed network holding it that is US-controlled, without parsing or listing all offers."""
        for network, mask, offer in self._us_ipv4_masks:
            if value & mask == network:
                return offer
        return None

    def offers_for_host(self, host: str) -> list[Offer]:
        """Offers whose Keystone hosts or domains match `host`; an IP literal matches listed addresses."""
        key = host.casefold().rstrip(".")
        found = self._host_memo.get(key)
        if found is None:
            is_address = _ip_version_and_int(key) is not None
            found = self._host_memo[key] = (
                tuple(self.offers_for_address(key)) if is_address else self._match_host(key)
            )
        return list(found)

    @cached_property
    def _host_index(self) -> tuple[dict[str, set[str]], dict[str, set[str]], list[tuple[str, str]]]:
        """Exact hosts, `*.suffix` suffixes, and glob patterns, each to the ids of the offers listing them."""
        exact: dict[str, set[str]] = {}
        suffixes: dict[str, set[str]] = {}
        globs: list[tuple[str, str]] = []
        for offer in self.offers:
            for pattern in (*offer.endpoints.keystone, *offer.endpoints.domains):
                pattern = pattern.casefold().rstrip(".")
                if pattern.startswith(("*.", ".")):
                    suffix = pattern.split(".", 1)[1]
                    suffixes.setdefault(suffix, set()).add(offer.id)
                    exact.setdefault(suffix, set()).add(offer.id)
                elif "*" in pattern or "?" in pattern:
                    globs.append((pattern, offer.id))
                else:
                    exact.setdefault(pattern, set()).add(offer.id)
        return exact, suffixes, globs

    def _match_host(self, host: str) -> tuple[Offer, ...]:
        """What `host_matches` answers for each offer, through an index instead of a scan."""
        exact, suffixes, globs = self._host_index
        ids = set(exact.get(host, ()))
        labels = host.split(".")
        for start in range(1, len(labels)):
            ids.update(suffixes.get(".".join(labels[start:]), ()))
        ids.update(offer_id for pattern, offer_id in globs if fnmatch.fnmatchcase(host, pattern))
        return tuple(offer for offer in self.offers if offer.id in ids)

    def us_controlled_host(self, host: str) -> Offer | None:
        for offer in self.offers_for_host(host):
            if offer.us_controlled:
                return offer
        return None

    def region_qualified(
        self,
        region: str,
        scheme: str,
        package: str | None = None,
        on: date | None = None,
        *,
        host: str | None = None,
    ) -> bool:
        """Whether some non-US offer (reached by `package`, when given, at `host`, when given: see
        `package_host`) qualifies `region` for `scheme`."""
        day = on or date.today()
        key = (region, scheme, package, day, host)
        answer = self._qualified_memo.get(key)
        if answer is None:
            answer = self._qualified_memo[key] = self._region_qualified(region, scheme, package, day, host)
        return answer

    def _region_qualified(
        self, region: str, scheme: str, package: str | None, on: date, host: str | None = None
    ) -> bool:
        return any(
            offer.region_qualified(region, scheme, on) for offer in self.offers_serving(region, package, host)
        )

    def offers_serving(self, region: str, package: str | None = None, host: str | None = None) -> list[Offer]:
        """The non-US offers among `offers_reaching(region, package, host)`."""
        return [offer for offer in self.offers_reaching(region, package, host) if not offer.us_controlled]

    def offers_reaching(
        self, region: str, package: str | None = None, host: str | None = None
    ) -> list[Offer]:
        """The offers listing `region` that `package` (when given) reaches, at `host` (when given: see
        `package_host`), US-controlled ones included. An offer that names no package is reached by any; one
        that names packages must also serve `host`. Every policy that asks which offer holds a resource asks
        this: a `gcp` disk in S3NS's region without S3NS's universe domain is not on S3NS."""
        found = []
        for offer in self.offers_for_region(region):
            reached_by_packages = bool(offer.packages.pulumi or offer.packages.terraform)
            if package is not None and reached_by_packages and not offer.reached_by(package):
                continue
            if host is not None and reached_by_packages and not offer.serves_host(host):
                continue
            found.append(offer)
        return found


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~8x faster


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """Safe YAML that refuses a repeated key: a second `qualifications:` must not silently win."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    loader.flatten_mapping(node)
    keys: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            repeated = key in keys
        except TypeError:
            repeated = False
        if repeated:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice in one mapping", key_node.start_mark
            )
        if isinstance(key, str | int | float | bool | date | type(None)):
            keys.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, path: str) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f": {problem}" if problem else ""
        raise InputError(path, f"catalog is not valid YAML{where}{detail}") from None
    except RecursionError:
        raise InputError(path, "catalog YAML is nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible date such as 2026-13-01
        raise InputError(path, f"catalog YAML holds an invalid value: {exc}") from None


def _read_yaml(path: Path) -> Any:
    from .readers._json import read_bounded

    try:
        text = read_bounded(path, str(path), "catalog").decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(str(path), "catalog is not UTF-8 text") from None
    return parse_yaml(text, str(path))


def parse_catalog(data: Any, path: str) -> CatalogFile:
    if data is None:
        raise InputError(path, "catalog is empty: expected a mapping with `schema_version` and `offers`")
    if not isinstance(data, Mapping):
        raise InputError(path, "catalog must be a YAML mapping with an `offers` list")
    return validate(data, CatalogFile, path, "catalog")


def builtin_catalog_text() -> str:
    return package_data_text("catalog.yaml")


@cache
def builtin_catalog_file() -> CatalogFile:
    """The shipped catalog, parsed once per process (it is immutable)."""
    return parse_catalog(parse_yaml(builtin_catalog_text(), "<built-in catalog>"), "<built-in catalog>")


def _superseded(offer: Offer) -> set[str]:
    cited = offer.supersedes if isinstance(offer.supersedes, tuple) else (offer.supersedes,)
    return {entry.offer for entry in cited}


def _not_qualified_for_region(offer: Offer, region: str) -> bool:
    return offer.us_controlled or not offer.region_qualified(region, "secnumcloud")


def _not_qualified(offer: Offer) -> bool:
    return offer.us_controlled or not offer.has_scheme("secnumcloud")


def _hosts(offer: Offer) -> tuple[str, ...]:
    return (*offer.endpoints.keystone, *offer.endpoints.domains)


def refuse_unsupported_claims(overlay: CatalogFile, shipped: Iterable[Offer], path: str) -> None:
    """An overlay offer that declares qualified a region or an endpoint the shipped catalog attributes to
    a non-qualified (or US-controlled) offer is refused, unless it cites what supersedes the shipped fact
    (`supersedes: {offer: <id>, source: {url, as_of}}`).

    Without this, one line in an overlay (`GRA11`, or `auth.cloud.ovh.net` as a contract's Keystone)
    would turn OVHcloud's non-qualified Public Cloud into a qualified offer, and the shipped fact, with
    its source, would be silently overridden. Only claims the overlay makes qualified are judged: an
    unqualified overlay offer changes no verdict.
    """
    shipped = tuple(shipped)
    if not shipped:
        return
    for index, offer in enumerate(overlay.offers):
        if offer.us_controlled or not offer.has_scheme("secnumcloud"):
            continue
        cited = _superseded(offer)
        for r_index, region in enumerate(offer.regions):
            if "secnumcloud" not in offer.region_schemes(region.name):
                continue
            for name in region.names():
                for other in shipped:
                    if (
                        other.id in cited
                        or other.region(name) is None
                        or not _not_qualified_for_region(other, name)
                    ):
                        continue
                    raise InputError(
                        path,
                        f"region {name!r} belongs to {other.name} ({other.id}) in the shipped catalog, which "
                        "is not SecNumCloud-qualified there; an overlay cannot declare it qualified without "
                        f"citing what supersedes that fact: add `supersedes: {{offer: {other.id}, source: "
                        "{url: ..., as_of: ...}}` to this offer",
                        field=f"offers[{index}].regions[{r_index}]",
                    )
        for host in _hosts(offer):
            for other in shipped:
                if other.id in cited or not _not_qualified(other):
                    continue
                theirs = _hosts(other)
                if host_matches(host, theirs) or any(host_matches(pattern, (host,)) for pattern in theirs):
                    raise InputError(
                        path,
                        f"endpoint {host!r} is {other.name}'s ({other.id}) in the shipped catalog, an offer "
                        "that is not SecNumCloud-qualified; an overlay cannot declare it qualified without "
                        f"citing what supersedes that fact: add `supersedes: {{offer: {other.id}, source: "
                        "{url: ..., as_of: ...}}` to this offer",
                        field=f"offers[{index}].endpoints",
                    )


def load_catalog(overlays: Iterable[str | Path] = (), *, replace: bool = False) -> Catalog:
    """The shipped catalog with each overlay applied in order; `replace` drops the shipped one.

    An overlay offer with the id of an existing offer replaces it whole; new ids are added.
    """
    overlays = list(overlays)
    if replace and not overlays:
        raise InputError(
            "--replace-catalog", "needs at least one --catalog FILE to use instead of the shipped one"
        )
    offers: dict[str, Offer] = {}
    sources: list[str] = []
    dates: dict[str, date | None] = {}
    origins: dict[str, str] = {}
    if not replace:
        builtin = builtin_catalog_file()
        for offer in builtin.offers:
            offers[offer.id] = offer
            origins[offer.id] = BUILTIN
        sources.append(BUILTIN)
        dates[BUILTIN] = builtin.as_of
    shipped = () if replace else builtin_catalog_file().offers
    for overlay in overlays:
        path = Path(overlay)
        parsed = parse_catalog(_read_yaml(path), str(path))
        refuse_unsupported_claims(parsed, shipped, str(path))
        for offer in parsed.offers:
            offers[offer.id] = offer
            origins[offer.id] = str(path)
        sources.append(str(path))
        dates[str(path)] = parsed.as_of
    return Catalog(offers.values(), sources, dates=dates, origins=origins)
