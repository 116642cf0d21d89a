"""Maps source type tokens to provider-neutral kinds, from `data/kinds.yaml`."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from ._data import package_data_text

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it: about 8x faster than the pure-Python one, on every run."""


@cache
def _data() -> dict[str, Any]:
    """`data/kinds.yaml`, parsed once per process (every `souverain check` reads it)."""
    text = package_data_text("kinds.yaml")
    data: dict[str, Any] = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    return data


@cache
def _tables() -> tuple[dict[str, str], frozenset[str]]:
    data = _data()
    by_type: dict[str, str] = {}
    # OpenStack's kinds, then one block per provider and area
    blocks = [data["kinds"], *(data.get("provider_kinds") or {}).values()]
    for block in blocks:
        for kind, sources in block.items():
            for token in [*(sources.get("pulumi") or []), *(sources.get("terraform") or [])]:
                by_type[token] = kind
    return by_type, frozenset(data["data_stores"])


def kind_of(type_token: str) -> str | None:
    """The neutral kind of a Pulumi type token or Terraform resource type, or None if unmapped."""
    return _tables()[0].get(type_token)


def is_data_store(kind: str | None) -> bool:
    """Whether resources of this kind hold data that a delete or replace would lose."""
    return kind is not None and kind in _tables()[1]


@cache
def _local_only() -> frozenset[str]:
    data = _data().get("local_only_packages") or {}
    return frozenset(name.casefold() for name in [*data.get("pulumi", []), *data.get("terraform", [])])


def is_local_only_package(package: str) -> bool:
    """Whether a Pulumi package or Terraform provider never reaches a cloud (`random`, `hashicorp/tls`)."""
    key = package.casefold()
    if key.count("/") >= 2:  # registry.terraform.io/hashicorp/random -> hashicorp/random
        key = "/".join(key.split("/")[-2:])
    return key in _local_only()
