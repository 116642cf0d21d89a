"""Which service endpoint a resource of a per-service provider calls, and what the provider calls itself.

Facts from `data/provider_services.yaml`, each package's with its source: the AWS provider's `endpoints`
setting has one entry per service (`s3`, `ec2`, `iam`...), so a bucket reaches whatever serves `s3` and an
instance whatever serves `ec2`; and the provider, once configured, validates its credentials and looks up
its account id through STS (and IAM) unless told not to. The catalog says which offers serve a host
(`Catalog.package_host`); this module says which entry of the setting to read. Format: docs/catalog.md.
"""

from __future__ import annotations

import fnmatch
from datetime import date
from functools import cache
from typing import Annotated, Literal

from msgspec import Meta

from ._data import package_data_text
from .catalog import Source, _package_key, parse_yaml
from .schema import FieldError, Strict, validate

_KEY = r"^[a-z][a-z0-9_]*$"


class Service(Strict, frozen=True, kw_only=True):
    """One service of a provider: the keys that name its entry (the first is its name), and the resource
    types that call it."""

    service: Annotated[str, Meta(pattern=_KEY)]
    keys: tuple[Annotated[str, Meta(pattern=_KEY)], ...]
    """The entry's key in the provider's endpoint setting, and the aliases the provider accepts."""
    types: tuple[Annotated[str, Meta(min_length=1)], ...]
    """Shell globs on the Terraform resource type or the Pulumi type token."""

    def __post_init__(self) -> None:
        if not self.keys:
            raise FieldError("keys", "list the service's key in the endpoint setting")

    def matches(self, type_: str) -> bool:
        return any(fnmatch.fnmatchcase(type_, pattern) for pattern in self.types)


class ProviderCall(Strict, frozen=True, kw_only=True):
    """A call the provider makes by itself once configured, to the endpoints of `services` (the first that
    cannot be shown non-US is reported): unless the provider setting `unless_true` is true, or when the
    setting `when_set` is set. Exactly one of the two."""

    what: Annotated[str, Meta(min_length=1)]
    services: tuple[Annotated[str, Meta(pattern=_KEY)], ...]
    unless_true: Annotated[str, Meta(pattern=_KEY)] | None = None
    when_set: Annotated[str, Meta(pattern=_KEY)] | None = None
    source: Source

    def __post_init__(self) -> None:
        if (self.unless_true is None) == (self.when_set is None):
            raise FieldError("unless_true", "give exactly one of `unless_true` and `when_set`")
        if not self.services:
            raise FieldError("services", "list the services the call reaches")


class ProviderServices(Strict, frozen=True, kw_only=True):
    pulumi: tuple[str, ...] = ()
    terraform: tuple[str, ...] = ()
    setting: Annotated[str, Meta(pattern=_KEY)]
    """The per-service endpoint setting (`endpoints`), as the catalog's `endpoint_setting.setting`."""
    source: Source
    services: tuple[Service, ...] = ()
    calls: tuple[ProviderCall, ...] = ()

    def service(self, type_: str) -> Service | None:
        """The service a resource type calls: the first whose pattern matches."""
        return next((service for service in self.services if service.matches(type_)), None)

    def keys(self, name: str) -> tuple[str, ...]:
        """The keys of service `name` (its aliases when listed, else the name itself: `sts`)."""
        found = next((service for service in self.services if service.service == name), None)
        return found.keys if found is not None else (name,)


class ProviderServicesFile(Strict, frozen=True, kw_only=True):
    schema_version: Literal[1] = 1
    as_of: date | None = None
    packages: tuple[ProviderServices, ...] = ()


@cache
def _table() -> dict[str, ProviderServices]:
    """`data/provider_services.yaml` by package key (`aws`, `hashicorp/aws`), read once per process."""
    name = "<built-in provider services>"
    data = parse_yaml(package_data_text("provider_services.yaml"), name)
    parsed = validate(data, ProviderServicesFile, name, "data")
    table: dict[str, ProviderServices] = {}
    for entry in parsed.packages:
        for package in (*entry.pulumi, *entry.terraform):
            table[_package_key(package)] = entry
    return table


def provider_services(package: str) -> ProviderServices | None:
    """The per-service facts of a package (`aws`, `registry.terraform.io/hashicorp/aws`), if recorded."""
    return _table().get(_package_key(package)) if package else None


@cache
def service_of(package: str, type_: str) -> Service | None:
    """The service a resource of `package` of type `type_` calls, if the data says; remembered per
    question (a plan has thousands of resources of a few types)."""
    entry = provider_services(package)
    return entry.service(type_) if entry is not None else None
