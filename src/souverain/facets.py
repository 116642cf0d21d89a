"""Neutral facts that several policies judge, read from each provider's own resource shapes.

Providers spell the same fact differently: a Scaleway security group keeps its inbound rules in
`inbound_rule` blocks and lets everything in by default, a Google firewall lists `source_ranges` once for
all its `allow` blocks, an Outscale rule says `flow = "Inbound"`. `data/facets.yaml` records where each
type keeps these facts and what the provider does when a field is unset; this module reads a resource
through that table and hands the policies ingress rules and boot data in one shape. No verdict here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import yaml

from ._data import package_data_text
from .model import UNKNOWN, Resource, Secret, _Unknown, config_address

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PortRange = tuple[Any, Any]
"""(low, high) as written (ints or digit strings), either possibly UNKNOWN."""


@dataclass(frozen=True, slots=True)
class IngressRule:
    """One rule that may let traffic in, whatever the provider's shape."""

    path: str
    """Where the rule is in the resource (`inbound_rule[1]`, `allow[0]`, or `` for the resource itself)."""
    source_field: str
    """The source field a finding about a rule without sources points at (`inbound_rule[1].ip_range`)."""
    sources: tuple[tuple[str, Any], ...]
    """Each source CIDR as written (UNKNOWN if unknown until apply) with its path; empty when none is set."""
    from_group: bool
    """Its source is restricted to other groups, tags or accounts, so an empty `sources` admits no address."""
    unknown_groups: tuple[str, ...]
    """The group fields whose value is unknown until apply (they may turn out empty): with no other source,
    whether the rule admits every address is unknown, not ruled out."""
    named_sources: tuple[tuple[str, str, str], ...]
    """Sources that are not CIDRs, as (path, `public` or `unclear`, why): internet hosts named by domain,
    country or threat list (public), address groups kept in another resource (unclear)."""
    no_source: str
    """What a rule with neither sources nor groups admits: `any` or `unclear`."""
    no_source_reason: str
    protocol: Any
    """The protocol as written (`tcp`, `6`, `-1`...), None for every protocol, UNKNOWN if unknown."""
    ports: tuple[PortRange, ...] | None
    """The port ranges it opens; None for every port."""
    gate_unknown: str | None
    """`direction`, `action`, `disabled` or `exposure` when whether the rule admits traffic from the
    internet at all is unknown until apply."""


@dataclass(frozen=True, slots=True)
class OpenDefault:
    """A group whose inbound default admits every address, whatever its rules."""

    path: str
    reason: str
    unknown: bool


@cache
def _table() -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(package_data_text("facets.yaml"), Loader=_Loader)  # noqa: S506 - safe loader
    return data


@cache
def _by_type(section: str) -> dict[str, Mapping[str, Any]]:
    shapes: dict[str, Mapping[str, Any]] = {}
    for shape in (_table().get(section) or {}).values():
        for type_token in shape["types"]:
            shapes[type_token] = shape
    return shapes


_INGRESS_TYPES: dict[str, Mapping[str, Any]] | None = None
_BOOT_DATA_TYPES: dict[str, Mapping[str, Any]] | None = None
"""`_by_type` of each section, kept in module globals: asked once per resource of 10k-100k plans."""


def _ingress_types() -> dict[str, Mapping[str, Any]]:
    global _INGRESS_TYPES  # a lazy module constant
    if _INGRESS_TYPES is None:
        _INGRESS_TYPES = _by_type("ingress")
    return _INGRESS_TYPES


def _boot_data_types() -> dict[str, Mapping[str, Any]]:
    global _BOOT_DATA_TYPES  # a lazy module constant
    if _BOOT_DATA_TYPES is None:
        _BOOT_DATA_TYPES = _by_type("boot_data")
    return _BOOT_DATA_TYPES


def has_ingress_shape(resource: Resource) -> bool:
    """Whether `data/facets.yaml` says where this resource's type keeps ingress rules."""
    return resource.type in (_INGRESS_TYPES if _INGRESS_TYPES is not None else _ingress_types())


def _plain(value: Any) -> Any:
    return value.reveal() if isinstance(value, Secret) else value


def _steps(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """The values at the dotted `path` under `value`, stepping through lists, with their full paths."""
    items: list[tuple[str, Any]] = [("", value)]
    for name in path.split("."):
        found: list[tuple[str, Any]] = []
        for where, item in items:
            item = _plain(item)
            if item is UNKNOWN:
                found.append((where, UNKNOWN))
                continue
            if not isinstance(item, Mapping):
                continue
            child = _plain(item.get(name))
            here = f"{where}.{name}" if where else name
            if isinstance(child, list | tuple):
                found.extend((f"{here}[{index}]", element) for index, element in enumerate(child))
            elif child is not None:
                found.append((here, child))
        items = found
    return iter(items)


def _read(field: str, resource: Mapping[str, Any], block: Mapping[str, Any] | Any) -> list[tuple[str, Any]]:
    """The values of `field`: from the rule block, or from the resource when it starts with `^`."""
    if field.startswith("^"):
        return list(_steps(resource, field[1:]))
    return list(_steps(block, field))


def _first(field: str | None, resource: Mapping[str, Any], block: Any) -> Any:
    """The one value of a scalar field, None when unset."""
    if not field:
        return None
    values = _read(field, resource, block)
    return _plain(values[0][1]) if values else None


def _matches(value: Any, choices: Sequence[Any]) -> bool | None:
    """Whether `value` is one of `choices` (case-insensitive); None if unknown."""
    if value is UNKNOWN:
        return None
    return str(value).casefold() in {str(choice).casefold() for choice in choices}


def _gate(
    spec: Mapping[str, Any] | None, choices_key: str, resource: Mapping[str, Any], block: Any
) -> bool | None:
    """Whether a rule passes a direction or action test: True, False, or None when unknown. A test whose
    field is unset and has no `unset` value passes (fail closed: the rule is judged)."""
    if not spec:
        return True
    value = _first(spec["field"], resource, block)
    if value is UNKNOWN and spec.get("unknown") == "unset":
        value = None  # Optional+Computed: a plan shows it unknown when the configuration leaves it unset
    if value is None:
        value = spec.get("unset")
        if value is None:
            return True
    return _matches(value, spec[choices_key])


def _port_ranges(
    spec: Mapping[str, Any] | None, resource: Mapping[str, Any], block: Any
) -> tuple[PortRange, ...] | None:
    if not spec:
        return None
    if "low" in spec:
        low = _first(spec["low"], resource, block)
        high = _first(spec.get("high"), resource, block)
        if low is None and high is None:
            return None
        return ((low if low is not None else high, high if high is not None else low),)
    ranges: list[PortRange] = []
    zero_is_unset = spec.get("zero") == "unset"
    for field in spec.get("fields", ()):
        for _, value in _read(field, resource, block):
            value = _plain(value)
            if zero_is_unset and value in (0, "0"):
                continue
            if value is UNKNOWN:
                ranges.append((UNKNOWN, UNKNOWN))
            elif isinstance(value, str) and "-" in value.strip()[1:]:
                low, _, high = value.strip().partition("-")
                ranges.append((low.strip(), high.strip()))
            elif value not in (None, ""):
                ranges.append((value, value))
    return tuple(ranges) or None


def _rules_of(shape: Mapping[str, Any], props: Mapping[str, Any]) -> Iterator[IngressRule]:
    for rule_set in shape.get("rule_sets", ()):
        unless = rule_set.get("unless")
        if unless and _plain(props.get(unless)) not in (None, "", [], ()):
            continue
        exposure = _exposed(rule_set.get("exposed_when"), props)
        if exposure is False:
            continue
        blocks: list[tuple[str, Any]] = []
        for where in rule_set["blocks"]:
            blocks.extend([("", props)] if where == "." else _steps(props, where))
        for path, block in blocks:
            rule = _rule(rule_set, props, path, block)
            if rule is not None and exposure is None and rule.gate_unknown is None:
                rule = replace(rule, gate_unknown="exposure")
            if rule is not None:
                yield rule


def _exposed(fields: Sequence[str] | None, props: Mapping[str, Any]) -> bool | None:
    """Whether the rules of a set face the internet: True without `exposed_when`, else whether one of its
    fields is set (a floating IP); None when that is unknown until apply."""
    if not fields:
        return True
    values = [_plain(value) for field in fields for _, value in _steps(props, field)]
    if any(value is not UNKNOWN and value not in (None, "", [], ()) for value in values):
        return True
    return None if any(value is UNKNOWN for value in values) else False


def _rule(rule_set: Mapping[str, Any], props: Mapping[str, Any], path: str, block: Any) -> IngressRule | None:
    """The rule at `path`, or None if it admits nothing (outbound, a deny or drop, disabled)."""
    gates: list[str] = []
    for name, spec, choices in (
        ("direction", rule_set.get("direction"), "inbound"),
        ("action", rule_set.get("action"), "allow"),
        ("exposure", rule_set.get("exposed_if"), "values"),
    ):
        verdict = _gate(spec, choices, props, block) if block is not UNKNOWN else None
        if verdict is False:
            return None
        if verdict is None:
            gates.append(name)
    disabled_field = rule_set.get("disabled")
    if disabled_field:
        disabled = _first(disabled_field, props, block)
        if disabled is True:
            return None
        if disabled is UNKNOWN:
            gates.append("disabled")
    prefix = f"{path}." if path else ""
    found: list[tuple[str, Any]] = []
    for field in rule_set.get("sources", ()):
        top = field.startswith("^")
        found.extend(
            (where if top else f"{prefix}{where}", _plain(value))
            for where, value in _read(field, props, block)
            if _plain(value) not in (None, "")
        )
    first = (rule_set.get("sources") or [""])[0]
    source_field = first[1:] if first.startswith("^") else f"{prefix}{first}"
    from_group = False
    unknown_groups: list[str] = []
    for field in rule_set.get("groups", ()):
        for where, value in _read(field, props, block):
            value = _plain(value)
            if value is UNKNOWN:
                unknown_groups.append(where if field.startswith("^") else f"{prefix}{where}")
            elif value not in (None, "", [], ()):
                from_group = True
    named: list[tuple[str, str, str]] = []
    for means in ("public", "unclear"):
        spec = rule_set.get(f"{means}_sources") or {}
        for field in spec.get("fields", ()):
            wheres = [where for where, value in _read(field, props, block) if _plain(value) not in (None, "")]
            if wheres:
                named.append((wheres[0], means, str(spec["reason"])))
    scope = rule_set.get("internet_scope")
    if scope and not found and not from_group and not named:
        for where, value in _read(scope["field"], props, block)[:1]:
            if _matches(_plain(value), scope["values"]) is not False:
                named.append((where, "public", str(scope["reason"])))
    protocol_spec = rule_set.get("protocol") or {}
    protocol = _first(protocol_spec.get("field"), props, block)
    if protocol is None or protocol == "":  # the legacy SDK writes an unset string as ""
        protocol = protocol_spec.get("unset")
    no_source = rule_set.get("no_source") or {"means": "unclear", "reason": "it names no source"}
    if block is UNKNOWN:
        found, protocol = [(path, UNKNOWN)], UNKNOWN
    return IngressRule(
        path=path,
        source_field=source_field,
        sources=tuple(found),
        from_group=from_group,
        unknown_groups=tuple(unknown_groups),
        named_sources=tuple(named),
        no_source=str(no_source["means"]),
        no_source_reason=str(no_source["reason"]),
        protocol=protocol,
        ports=_port_ranges(rule_set.get("ports"), props, block)
        if block is not UNKNOWN
        else ((UNKNOWN, UNKNOWN),),
        gate_unknown=gates[0] if gates else None,
    )


def ingress_rules(resource: Resource) -> tuple[IngressRule, ...]:
    """The rules of `resource` that may admit inbound traffic, per its type's shape (none if it has none)."""
    shape = _ingress_types().get(resource.type)
    if shape is None:
        return ()
    return tuple(_rules_of(shape, resource.properties))


def open_default(resource: Resource) -> OpenDefault | None:
    """The group's inbound default, when it admits every address (or may: `unknown`)."""
    shape = _ingress_types().get(resource.type)
    spec = shape.get("default_policy") if shape else None
    if not spec:
        return None
    field = spec["field"]
    value = _plain(resource.properties.get(field))
    if value is None:
        value = spec.get("unset")
    verdict = _matches(value, spec["open"])
    if verdict is False:
        return None
    shown = "unknown until apply" if value is UNKNOWN else repr(value)
    if _plain(resource.properties.get(field)) is None:
        shown += " (unset: the provider's default)"
    return OpenDefault(path=field, reason=str(spec["reason"]).format(value=shown), unknown=verdict is None)


def has_boot_data(resource: Resource) -> bool:
    """Whether `data/facets.yaml` says where this resource's type keeps what its guest receives at boot."""
    return resource.type in (_BOOT_DATA_TYPES if _BOOT_DATA_TYPES is not None else _boot_data_types())


@cache
def _boot_fields() -> dict[str, tuple[tuple[str, bool], ...]]:
    """Per type, its boot data fields as (property, is a map whose every value counts)."""
    return {
        type_token: tuple((field.removesuffix(".*"), field.endswith(".*")) for field in shape["fields"])
        for type_token, shape in _boot_data_types().items()
    }


def boot_data(resource: Resource) -> list[tuple[str, Any]]:
    """What the instance hands its guest at boot (user data, startup scripts), with each value's path.
    Values are as the input holds them: strings, `Secret`s, UNKNOWN."""
    fields = _boot_fields().get(resource.type)
    if not fields:
        return []
    found: list[tuple[str, Any]] = []
    props = resource.properties
    for name, is_map in fields:
        value = props.get(name)
        if value is None:
            continue
        if not is_map:
            found.append((name, value))
        elif isinstance(value, Mapping):  # a secret map stays whole: a secret is not in clear
            found.extend((f"{name}.{key}", item) for key, item in value.items() if item is not None)
        elif isinstance(value, list | tuple):  # a map as Terraform sometimes writes it: a one-item list
            for entry in value:
                if isinstance(entry, Mapping):
                    found.extend((f"{name}.{key}", item) for key, item in entry.items() if item is not None)
    return found


_PLACEMENT_TYPES: dict[str, Mapping[str, Any]] | None = None


def _placement_types() -> dict[str, Mapping[str, Any]]:
    global _PLACEMENT_TYPES  # a lazy module constant: asked once per resource
    if _PLACEMENT_TYPES is None:
        _PLACEMENT_TYPES = _by_type("placement")
    return _PLACEMENT_TYPES


def nested_regions(resource: Resource) -> tuple[tuple[str, str | _Unknown], ...]:
    """The regions a type keeps below its top level (`nodes[].region` of an OVHcloud managed database),
    each with its path: every one of them names where the resource lands, so all must agree. Values
    unknown until apply are UNKNOWN; unset ones are left out."""
    shape = (_PLACEMENT_TYPES if _PLACEMENT_TYPES is not None else _placement_types()).get(resource.type)
    if shape is None or not shape.get("regions"):
        return ()
    found: list[tuple[str, str | _Unknown]] = []
    for path in shape["regions"]:
        for where, value in _steps(resource.properties, path):
            value = _plain(value)
            if value is UNKNOWN:
                found.append((where, UNKNOWN))
            elif isinstance(value, str) and value:
                found.append((where, value))
    return tuple(found)


def _belongs_to(child: Resource, field: str, parents: Sequence[Resource]) -> list[Resource]:
    """The parents that `child`'s `field` names: by a known id where the parents' ids are known (plans and
    states carry them), else by the child's dependencies (a Pulumi input from the parent's output, a
    Terraform reference)."""
    value = _plain(child.properties.get(field))
    if value is None or value == "":
        return []
    if isinstance(value, str):
        by_id = [parent for parent in parents if _plain(parent.properties.get("id")) == value]
        if by_id:
            return by_id
    depends = {*child.dependencies, *map(config_address, child.dependencies)}
    return [
        parent for parent in parents if parent.address in depends or config_address(parent.address) in depends
    ]


@dataclass(frozen=True, slots=True)
class DefaultAllowList:
    """A managed database whose public endpoint admits `default` until an allow-list of the stack says
    otherwise (`data/facets.yaml`, `default_allow_lists`)."""

    public: bool | _Unknown
    """Whether it has a public endpoint; UNKNOWN when the plan cannot show it."""
    why: str
    """Which fields say so (`load_balancer` set, or no `private_network`)."""
    allow_lists: tuple[Resource, ...]
    """The stack's allow-list resources that name it."""
    default: str


def default_allow_list_types() -> frozenset[str]:
    """The types of `default_allow_lists` and of their allow-list resources."""
    found: set[str] = set()
    for shape in (_table().get("default_allow_lists") or {}).values():
        found.update(shape["types"])
        found.update(shape["allow_lists"]["types"])
    return frozenset(found)


def default_allow_list(resource: Resource, stack: Sequence[Resource]) -> DefaultAllowList | None:
    """Whether `resource` is a managed database that starts open to everyone, with its public endpoint
    and the allow-lists among `stack` that name it; None for any other type."""
    shape = _by_type("default_allow_lists").get(resource.type)
    if shape is None:
        return None
    spec = shape["public_when"]
    props = resource.properties
    computed = set(spec.get("computed", ()))
    public: bool | _Unknown = False
    why = ""
    for field in spec.get("set", ()):
        value = _plain(props.get(field))
        if value is UNKNOWN and field not in computed:
            public, why = UNKNOWN, f"{field} is unknown until apply"
        elif value is not UNKNOWN and value not in (None, "", [], (), {}):
            public, why = True, f"it sets {field}"
            break
    if public is False:
        values = [_plain(props.get(field)) for field in spec.get("unset", ())]
        if any(value is UNKNOWN for value in values):
            public, why = UNKNOWN, f"whether it sets {' or '.join(spec['unset'])} is unknown until apply"
        elif all(value in (None, "", [], (), {}) for value in values):
            public, why = True, f"it sets no {' or '.join(spec['unset'])}, so the provider gives it one"
    lists = shape["allow_lists"]
    candidates = [other for other in stack if other.type in lists["types"]]
    return DefaultAllowList(
        public=public,
        why=why,
        allow_lists=tuple(
            other
            for other in candidates
            if any(found is resource for found in _belongs_to(other, lists["field"], [resource]))
        ),
        default=str(shape["default"]),
    )


def inherit_regions(resources: Iterable[Resource]) -> None:
    """Give each resource that states no region, and whose type belongs to another resource by id
    (`data/facets.yaml`, `placement.*.parent`: an OVHcloud node pool to its cluster, a KMS key to its KMS),
    the region of that resource, when the stack holds it and it has one. Several candidates must agree;
    otherwise the resource keeps no region (policies fail closed on it)."""
    shapes = _placement_types()
    parent_shapes = {token: shape["parent"] for token, shape in shapes.items() if shape.get("parent")}
    if not parent_shapes:
        return
    resources = list(resources)
    children = [r for r in resources if r.region is None and r.type in parent_shapes]
    if not children:
        return
    wanted = {token for spec in parent_shapes.values() for token in spec["types"]}
    by_type: dict[str, list[Resource]] = {}
    for resource in resources:
        if resource.type in wanted:
            by_type.setdefault(resource.type, []).append(resource)
    for child in children:
        spec = parent_shapes[child.type]
        parents = [parent for token in spec["types"] for parent in by_type.get(token, ())]
        found = _belongs_to(child, spec["field"], parents)
        regions = {parent.region for parent in found}
        if len(regions) == 1:
            region = regions.pop()
            if region is not None:
                child.region, child.region_source = region, "reference"


def ingress_rules_of_shape(shape: Mapping[str, Any], resource: Resource) -> tuple[IngressRule, ...]:
    """The inbound rules of `resource` read through a shape written as `facets.yaml` writes them (the
    diagram keeps shapes of its own for the types the policies read directly)."""
    return tuple(_rules_of(shape, resource.properties))
