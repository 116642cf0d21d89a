"""The sovereignty catalog: which offers are qualified, where, and who controls them.

Facts live in YAML (`data/catalog.yaml`), each with its source and date; this module only validates and
answers questions about them. The unit is the *offer*, because ANSSI qualifies an offer and its regions,
not a company. Agencies overlay their contract's own regions and endpoints with `--catalog FILE`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cached_property
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InputError

CATALOG_SCHEMA_VERSION = 1

Scheme = Literal["secnumcloud", "hds"]
KeyManager = Literal["barbican", "provider-kms", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a fact comes from, and when it was checked."""

    url: str = Field(min_length=1)
    as_of: date
    note: str | None = None


class Qualification(_Strict):
    """A qualification or certification of an offer, for a scope and a period."""

    scheme: Scheme
    version: str | None = None
    scope: str = Field(min_length=1)
    granted: date | None = None
    expires: date | None = None
    source: Source

    @property
    def name(self) -> str:
        return self.scheme

    def valid_on(self, day: date) -> bool:
        return (self.granted is None or self.granted <= day) and (self.expires is None or day <= self.expires)


class Region(_Strict):
    name: str = Field(min_length=1)
    qualifications: tuple[Scheme, ...] = ()
    aliases: tuple[str, ...] = ()
    """Other spellings of the same region (`GRA11` / `gra11`); matched case-insensitively anyway."""
    source: Source | None = None


class Endpoints(_Strict):
    keystone: tuple[str, ...] = ()
    """Keystone auth URL hosts, exact or `*.suffix` patterns."""
    domains: tuple[str, ...] = ()
    """API and service domains, exact or `*.suffix` patterns (`*.s3nsapis.fr`)."""


class Capabilities(_Strict):
    encrypted_volume_types: tuple[str, ...] = ()
    object_storage_encrypted: bool = False
    key_manager: KeyManager = "none"
    source: Source | None = None


class Packages(_Strict):
    pulumi: tuple[str, ...] = ()
    """Pulumi package names (`openstack`, `aws-native`)."""
    terraform: tuple[str, ...] = ()
    """Terraform provider sources, `namespace/name` (`hashicorp/aws`)."""


class Operator(_Strict):
    """The legal entity that operates the service: the test of US control, not the technology."""

    entity: str = Field(min_length=1)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166 country of control")
    source: Source

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class Offer(_Strict):
    """One cloud offer (or one service) with its operator, qualifications, regions and reach."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str = Field(min_length=1)
    operator: Operator
    us_controlled: bool
    kind: Literal["offer", "service"] = "offer"
    apis: tuple[str, ...] = ()
    qualifications: tuple[Qualification, ...] = ()
    regions: tuple[Region, ...] = ()
    endpoints: Endpoints = Endpoints()
    capabilities: Capabilities = Capabilities()
    packages: Packages = Packages()
    status: str | None = None
    """Free text on what is uncertain, shown by `souverain catalog`."""

    @model_validator(mode="after")
    def _us_control_is_consistent(self) -> Offer:
        if self.us_controlled and any(q.scheme == "secnumcloud" for q in self.qualifications):
            raise ValueError("a US-controlled offer cannot hold a SecNumCloud qualification")
        return self

    def region(self, name: str) -> Region | None:
        wanted = name.casefold()
        for region in self.regions:
            if region.name.casefold() == wanted or wanted in (a.casefold() for a in region.aliases):
                return region
        return None

    def has_scheme(self, scheme: str, on: date | None = None) -> bool:
        day = on or date.today()
        return any(q.scheme == scheme and q.valid_on(day) for q in self.qualifications)

    def region_qualified(self, name: str, scheme: str, on: date | None = None) -> bool:
        """A region holds a scheme only if the region lists it *and* the offer's qualification is current."""
        region = self.region(name)
        return region is not None and scheme in region.qualifications and self.has_scheme(scheme, on)


class CatalogFile(_Strict):
    schema_version: Literal[1] = CATALOG_SCHEMA_VERSION
    as_of: date | None = None
    offers: tuple[Offer, ...] = ()


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

    def __init__(self, offers: Iterable[Offer], sources: Iterable[str] = ("<built-in>",)) -> None:
        self.offers: tuple[Offer, ...] = tuple(offers)
        self.sources = tuple(sources)
        self._by_id = {offer.id: offer for offer in self.offers}

    def get(self, offer_id: str) -> Offer | None:
        return self._by_id.get(offer_id)

    @cached_property
    def _region_index(self) -> dict[str, list[Offer]]:
        index: dict[str, list[Offer]] = {}
        for offer in self.offers:
            for region in offer.regions:
                for name in (region.name, *region.aliases):
                    index.setdefault(name.casefold(), []).append(offer)
        return index

    @cached_property
    def _package_index(self) -> dict[str, list[Offer]]:
        index: dict[str, list[Offer]] = {}
        for offer in self.offers:
            for package in (*offer.packages.pulumi, *offer.packages.terraform):
                index.setdefault(package.casefold(), []).append(offer)
        return index

    def offers_for_region(self, region: str) -> list[Offer]:
        return list(self._region_index.get(region.casefold(), ()))

    def offers_for_package(self, package: str) -> list[Offer]:
        """Offers reached by a Pulumi package or a Terraform provider (`registry.../ns/name` or `ns/name`)."""
        key = package.casefold()
        if key.count("/") >= 2:  # registry.terraform.io/hashicorp/aws -> hashicorp/aws
            key = "/".join(key.split("/")[-2:])
        return list(self._package_index.get(key, ()))

    def us_controlled_package(self, package: str) -> Offer | None:
        """The US-controlled offer or service that a package or provider reaches only, if any."""
        offers = self.offers_for_package(package)
        if offers and all(offer.us_controlled for offer in offers):
            return offers[0]
        return None

    def offers_for_host(self, host: str) -> list[Offer]:
        return [
            offer
            for offer in self.offers
            if host_matches(host, (*offer.endpoints.keystone, *offer.endpoints.domains))
        ]

    def us_controlled_host(self, host: str) -> Offer | None:
        for offer in self.offers_for_host(host):
            if offer.us_controlled:
                return offer
        return None

    def region_qualified(
        self, region: str, scheme: str, package: str | None = None, on: date | None = None
    ) -> bool:
        """Whether some non-US offer (reached by `package`, when given) qualifies `region` for `scheme`."""
        for offer in self.offers_for_region(region):
            if offer.us_controlled:
                continue
            if package is not None and offer.packages.pulumi + offer.packages.terraform:
                if offer not in self.offers_for_package(package):
                    continue
            if offer.region_qualified(region, scheme, on):
                return True
        return False


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read catalog: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "catalog is not UTF-8 text") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(str(path), f"catalog is not valid YAML{where}") from None


def _validation_error(path: str, exc: ValidationError) -> InputError:
    first = exc.errors()[0]
    field_path = ".".join(str(part) for part in first["loc"]) or None
    return InputError(path, first["msg"], field=field_path)


def parse_catalog(data: Any, path: str) -> CatalogFile:
    if not isinstance(data, Mapping):
        raise InputError(path, "catalog must be a YAML mapping with an `offers` list")
    try:
        return CatalogFile.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(path, exc) from None
    except (RecursionError, ValueError, TypeError) as exc:
        raise InputError(path, f"catalog is not valid: {exc}") from None


def builtin_catalog_text() -> str:
    return importlib_resources.files("souverain").joinpath("data/catalog.yaml").read_text(encoding="utf-8")


def load_catalog(overlays: Iterable[str | Path] = (), *, replace: bool = False) -> Catalog:
    """The shipped catalog with each overlay applied in order; `replace` drops the shipped one.

    An overlay offer with the id of an existing offer replaces it whole; new ids are added.
    """
    offers: dict[str, Offer] = {}
    sources: list[str] = []
    if not replace:
        builtin = parse_catalog(yaml.safe_load(builtin_catalog_text()), "<built-in catalog>")
        offers.update((offer.id, offer) for offer in builtin.offers)
        sources.append("<built-in>")
    for overlay in overlays:
        path = Path(overlay)
        parsed = parse_catalog(_read_yaml(path), str(path))
        seen: set[str] = set()
        for offer in parsed.offers:
            if offer.id in seen:
                raise InputError(str(path), f"offer id {offer.id!r} appears twice", field="offers")
            seen.add(offer.id)
            offers[offer.id] = offer
        sources.append(str(path))
    return Catalog(offers.values(), sources)
