"""Maps source type tokens to provider-neutral kinds, from `data/kinds.yaml`.

Besides the kinds, the file holds the provider vocabulary that policies match against without naming a
provider: which properties ask for encryption at rest, which hold a secret's value, which make stored
data public. Each is a list of `PropertyRule`s per kind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import yaml

from ._data import package_data_text
from .model import UNKNOWN, Secret

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it: about 8x faster than the pure-Python one, on every run."""

Condition = Literal[
    "set", "true", "one_of", "ends_with", "contains", "encrypted_volume_type", "public_cidr", "public_policy"
]
_IS_CONDITIONS = frozenset({"set", "true", "encrypted_volume_type", "public_cidr", "public_policy"})
_LIST_CONDITIONS = ("one_of", "ends_with", "contains")


@dataclass(frozen=True, slots=True)
class PropertyRule:
    """A property of a resource and the values that make it say something (`encryption_at_rest: true`)."""

    path: tuple[str, ...]
    """Dotted path, split; lists met on the way are crossed item by item (Terraform blocks are lists)."""
    condition: Condition
    values: tuple[str, ...] = ()
    """Casefolded, for `one_of`, `ends_with` and `contains`."""

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@cache
def _data() -> dict[str, Any]:
    """`data/kinds.yaml`, parsed once per process (every `souverain check` reads it)."""
    text = package_data_text("kinds.yaml")
    data: dict[str, Any] = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    return data


def kind_blocks() -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every block of kinds: `kinds` (OpenStack) first, then each block of `provider_kinds`."""
    data = _data()
    yield "kinds", data["kinds"]
    for name, block in (data.get("provider_kinds") or {}).items():
        yield f"provider_kinds.{name}", block


@cache
def _tables() -> tuple[dict[str, str], frozenset[str]]:
    by_type: dict[str, str] = {}
    where: dict[str, str] = {}
    for block_name, block in kind_blocks():
        for kind, sources in block.items():
            for token in [*(sources.get("pulumi") or []), *(sources.get("terraform") or [])]:
                if token in by_type:
                    raise ValueError(
                        f"kinds.yaml: {block_name}.{kind}: {token!r} is already mapped in {where[token]}"
                    )
                by_type[token] = kind
                where[token] = f"{block_name}.{kind}"
    return by_type, frozenset(_data()["data_stores"])


def kind_of(type_token: str) -> str | None:
    """The neutral kind of a Pulumi type token or Terraform resource type, or None if unmapped."""
    return _tables()[0].get(type_token)


@cache
def all_kinds() -> frozenset[str]:
    """Every kind some type maps to, in any block."""
    return frozenset(_tables()[0].values())


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


def _rule(raw: Mapping[str, Any], where: str) -> PropertyRule:
    path = raw.get("path")
    if not isinstance(path, str) or not path:
        raise ValueError(f"kinds.yaml: {where}: a rule needs a `path`")
    conditions = [name for name in ("is", *_LIST_CONDITIONS) if name in raw]
    if len(conditions) != 1 or set(raw) != {"path", conditions[0]}:
        allowed = ", ".join(("is", *_LIST_CONDITIONS))
        raise ValueError(f"kinds.yaml: {where}: a rule has a `path` and one of {allowed}")
    name = conditions[0]
    if name == "is":
        value = str(raw["is"]).casefold()  # YAML reads `true` as a bool
        if value not in _IS_CONDITIONS:
            raise ValueError(f"kinds.yaml: {where}: unknown condition `is: {raw['is']}`")
        return PropertyRule(tuple(path.split(".")), value)  # type: ignore[arg-type]
    values = raw[name]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ValueError(f"kinds.yaml: {where}: `{name}` takes a list of strings")
    return PropertyRule(tuple(path.split(".")), name, tuple(v.casefold() for v in values))  # type: ignore[arg-type]


@cache
def _rules(section: str) -> dict[str, tuple[PropertyRule, ...]]:
    raw = _data().get(section) or {}
    return {
        kind: tuple(_rule(item, f"{section}.{kind}[{index}]") for index, item in enumerate(items))
        for kind, items in raw.items()
    }


def encryption_requests(kind: str | None) -> tuple[PropertyRule, ...]:
    """The properties by which a resource of `kind` asks its provider to encrypt it at rest."""
    return _rules("encryption_requests").get(kind or "", ())


def deletion_protection_rules(kind: str | None) -> tuple[PropertyRule, ...]:
    """The properties by which a provider refuses to delete a resource of `kind` (`deletion_protection`)."""
    return _rules("deletion_protection").get(kind or "", ())


def public_access_rules(kind: str | None) -> tuple[PropertyRule, ...]:
    """The properties whose values make the data of a resource of `kind` readable by anyone."""
    return _rules("public_access").get(kind or "", ())


@cache
def secret_value_paths(kind: str | None) -> tuple[tuple[str, ...], ...]:
    """The properties that hold the secret value of a resource of `kind` (Barbican `payload`...)."""
    paths = (_data().get("secret_values") or {}).get(kind or "", [])
    return tuple(tuple(path.split(".")) for path in paths)


@cache
def secret_reference_keys(kind: str | None) -> frozenset[str]:
    """Top-level properties of `kind` that name its secret without holding it (a version's `secret`)."""
    return frozenset((_data().get("secret_references") or {}).get(kind or "", []))


@cache
def computed_when_unset(resource_type: str) -> tuple[str, ...]:
    """Top-level arguments a Terraform provider computes when the configuration leaves them out
    (`computed_when_unset`): unknown in a plan, yet not asked by the configuration."""
    names = (_data().get("computed_when_unset") or {}).get(resource_type, [])
    if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
        raise ValueError(f"kinds.yaml: computed_when_unset.{resource_type}: a list of argument names")
    return tuple(names)


def values_at(value: Any, path: Sequence[str], *, reveal: bool = True) -> Iterator[Any]:
    """The values under `path` in `value`, lists crossed item by item (also at the end). Secrets are
    revealed, or with `reveal=False` yielded as they are (a value under a secret is not in clear). A value
    unknown until apply on the way (a whole block computed from another resource) yields UNKNOWN."""
    if isinstance(value, Secret):
        if not reveal:
            yield value
            return
        value = value.reveal()
    if value is UNKNOWN:  # a block or map unknown until apply: every value under it is unknown
        yield UNKNOWN
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from values_at(item, path, reveal=reveal)
        return
    if not path:
        yield value
        return
    if isinstance(value, Mapping):
        child = value.get(path[0])
        if child is not None:
            yield from values_at(child, path[1:], reveal=reveal)


def _leaf_matches(
    rule: PropertyRule,
    value: Any,
    encrypted_types: frozenset[str],
    is_public_cidr: Any,
    is_public_policy: Any = None,
) -> bool:
    condition = rule.condition
    if condition == "public_policy":  # a policy document, as JSON text or as an object
        return value is not UNKNOWN and value not in (None, "") and bool(is_public_policy(value))
    if condition == "set":  # a value unknown until apply may turn out empty: `rule_unknown` tells
        return value is not UNKNOWN and value not in (None, "", False, {}, [])
    if condition == "true":
        return value is True or (isinstance(value, str) and value.casefold() == "true")
    if not isinstance(value, str):
        return False
    if condition == "encrypted_volume_type":
        return value in encrypted_types
    if condition == "public_cidr":
        return bool(is_public_cidr(value))
    text = value.casefold()
    if condition == "one_of":
        return text in rule.values
    if condition == "ends_with":
        return text.endswith(rule.values)
    return any(part in text for part in rule.values)  # contains


def rule_matches(
    rule: PropertyRule,
    properties: Mapping[str, Any],
    *,
    encrypted_types: frozenset[str] = frozenset(),
    is_public_cidr: Any = None,
    is_public_policy: Any = None,
) -> bool:
    """Whether some value under the rule's path satisfies it. `is_public_cidr(text)` answers `public_cidr`,
    `is_public_policy(document)` answers `public_policy`: the policy that asks decides."""
    return any(
        _leaf_matches(rule, leaf, encrypted_types, is_public_cidr, is_public_policy)
        for leaf in values_at(properties, rule.path)
    )


def rule_unknown(rule: PropertyRule, properties: Mapping[str, Any]) -> bool:
    """Whether some value under the rule's path is unknown until apply (so the rule cannot be decided)."""
    return any(leaf is UNKNOWN for leaf in values_at(properties, rule.path))
