"""no-public-ingress: nothing lets the internet in, except SSH to the bastion from the admin ranges.

The one way in for people is SSH to the bastion from the agency's own admin ranges; everything else is
reached through it or through a load balancer's own rules. IPv4 and IPv6 alike. What lets the internet in:
a security-group or firewall rule open to a public source (an address group's addresses included), a port
without port security that a floating IP or an external network reaches, a load-balancer listener on an
exposed VIP that admits any source. A stack policy: whether a port or a listener is exposed, and what an
address group holds, are facts of other resources of the stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from souverain import facets
from souverain.catalog import ipv4_value
from souverain.model import UNKNOWN, Operation, Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import IPNetwork, config_address, parse_network, plain, within

_NON_PUBLIC: tuple[IPNetwork, ...] = tuple(
    network
    for text in (
        "10.0.0.0/8",  # RFC 1918
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",  # RFC 6598 shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local
        "fc00::/7",  # RFC 4193 unique local
        "fe80::/10",  # link-local
        "::1/128",
    )
    if (network := parse_network(text)) is not None
)
"""Ranges no internet host can come from. Documentation ranges (RFC 5737, RFC 3849) are deliberately not
here: they stand for public addresses in examples, so an example behaves as its real counterpart."""

SSH_PORT = 22
RULE_KINDS = frozenset({"security_group_rule", "firewall_rule", "security_group", "load_balancer"})
"""The kinds this policy judges; resources of other kinds are never opened."""


def is_public(network: IPNetwork) -> bool:
    """Whether any address of `network` could be an internet host."""
    return not any(within(network, block) for block in _NON_PUBLIC)


Span = tuple[int, int, int]
"""A network as (IP version, network address as an integer, prefix length): containment is a shift and a
compare, where `ipaddress` objects cost microseconds to build and compare (thousands of rules a plan)."""

_PREFIX_LENGTH = re.compile(r"3[0-2]|[12][0-9]|[0-9]")
"""An IPv4 prefix length in a form `ipaddress` surely accepts (0-32, no leading zero)."""


def _span_of(network: IPNetwork) -> Span:
    return network.version, int(network.network_address), network.prefixlen


@lru_cache(maxsize=8192)
def source_span(text: str) -> Span | None:
    """`parse_network(text)` as a `Span` (host bits cleared, as `strict=False` does), None if no network.
    A dotted quad (`ipv4_value`) with an optional prefix length is read by integer; any other text goes
    through `ipaddress`."""
    quad, slash, length = text.strip().partition("/")
    address = ipv4_value(quad)
    if address is None or (slash and _PREFIX_LENGTH.fullmatch(length) is None):
        network = parse_network(text)
        return None if network is None else _span_of(network)
    prefixlen = int(length) if slash else 32
    return 4, address >> (32 - prefixlen) << (32 - prefixlen), prefixlen


def span_within(inner: Span, outer: Span) -> bool:
    """`within` for spans: same IP version, and `inner`'s addresses all in `outer`."""
    version, address, prefixlen = inner
    outer_version, outer_address, outer_prefixlen = outer
    if version != outer_version or prefixlen < outer_prefixlen:
        return False
    shift = (32 if version == 4 else 128) - outer_prefixlen
    return address >> shift == outer_address >> shift


_NON_PUBLIC_SPANS = tuple(_span_of(block) for block in _NON_PUBLIC)


def span_is_public(span: Span) -> bool:
    """`is_public` for a span."""
    return not any(span_within(span, block) for block in _NON_PUBLIC_SPANS)


@lru_cache(maxsize=64)
def _admin_spans(admin_ranges: tuple[IPNetwork, ...]) -> tuple[Span, ...]:
    return tuple(_span_of(network) for network in admin_ranges)


def _ssh_only(protocol: Any, low: Any, high: Any) -> bool | None:
    """True if the rule is TCP to port 22 alone, False if not, None if unknown until apply."""
    protocol, low, high = plain(protocol), plain(low), plain(high)
    if UNKNOWN in (protocol, low, high):
        return None
    if not isinstance(protocol, str) or protocol.casefold() not in ("tcp", "6"):
        return False
    try:
        return int(low) == SSH_PORT and int(high) == SSH_PORT
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf)
        return False


def _from_admin_range(span: Span, admin_ranges: tuple[IPNetwork, ...]) -> bool:
    return any(span_within(span, admin) for admin in _admin_spans(tuple(admin_ranges)))


def _judge(
    prefix: Any,
    ssh_only: bool | None,
    context: Context,
    *,
    field: str,
    anywhere_reason: str | None,
) -> Violation | None:
    """The verdict on one rule's source: `anywhere_reason` says why an absent source means any address."""
    if prefix is UNKNOWN:
        return Violation(
            f"{field} is unknown until apply, so the rule cannot be shown to keep the internet out",
            unknown=True,
            path=field,
        )
    if prefix is None or prefix == "":
        if anywhere_reason is None:
            return None
        return Violation(f"the rule allows ingress from any address: {anywhere_reason}", path=field)
    span = source_span(prefix) if isinstance(prefix, str) else None
    if span is None:
        return Violation(
            f"{field} {prefix!r} is not a CIDR, so the rule cannot be shown to be closed", path=field
        )
    if span[2] == 0:
        return Violation(f"the rule allows ingress from the whole internet ({prefix})", path=field)
    if not span_is_public(span):
        return None
    if _from_admin_range(span, context.settings.admin_ranges):
        if ssh_only is None:
            return Violation(
                f"the rule admits {prefix} (an admin range), but its protocol or ports are unknown until "
                "apply, so it cannot be shown to be SSH only",
                unknown=True,
                path=field,
            )
        if ssh_only:
            return None  # the bastion exception
        return Violation(f"the rule admits the admin range {prefix} to more than SSH (tcp/22)", path=field)
    return Violation(
        f"the rule allows ingress from the public range {prefix}; only SSH from the configured admin "
        "ranges is allowed",
        path=field,
    )


def _security_group_rule(
    props: Mapping[str, Any], context: Context, rule: Resource | None = None
) -> Iterator[Violation]:
    direction = plain(props.get("direction"))
    if direction is not UNKNOWN and (not isinstance(direction, str) or direction.casefold() != "ingress"):
        return
    ssh_only = _ssh_only(props.get("protocol"), props.get("port_range_min"), props.get("port_range_max"))
    violations = list(_rule_sources(props, ssh_only, context, rule))
    for violation in violations:
        if direction is UNKNOWN:
            violation = Violation(
                f"{violation.message} (its direction is unknown until apply)",
                unknown=True,
                path=violation.path,
            )
        yield violation


def _rule_sources(
    props: Mapping[str, Any], ssh_only: bool | None, context: Context, rule: Resource | None
) -> Iterator[Violation]:
    """A Neutron rule's source: `remote_ip_prefix`, else `remote_group_id` (members of a security group),
    else `remote_address_group_id` (an address group's addresses), else every address of its ethertype.
    A source unknown until apply is unknown, not absent: it may be any of them."""
    prefix = plain(props.get("remote_ip_prefix"))
    if prefix is not None and prefix != "" and prefix is not UNKNOWN:
        violation = _judge(prefix, ssh_only, context, field="remote_ip_prefix", anywhere_reason=None)
        if violation is not None:
            yield violation
        return
    group = plain(props.get("remote_group_id"))
    if isinstance(group, str) and group:
        return  # members of a security group: addresses of our own ports
    address_group = plain(props.get("remote_address_group_id"))
    if isinstance(address_group, str) and address_group:
        yield from _address_group_sources(address_group, ssh_only, context, rule)
        return
    if address_group is UNKNOWN and _address_groups_for(address_group, context, rule)[0]:
        yield from _address_group_sources(address_group, ssh_only, context, rule)
        return
    unknown = [
        name
        for name, value in (
            ("remote_ip_prefix", prefix),
            ("remote_group_id", group),
            ("remote_address_group_id", address_group),
        )
        if value is UNKNOWN
    ]
    if unknown:
        yield Violation(
            f"{' and '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} unknown until apply and the "
            "rule sets no other source: it may admit every address, so it cannot be shown to keep the "
            "internet out",
            unknown=True,
            path=unknown[0],
        )
        return
    ethertype = plain(props.get("ethertype"))
    family = ethertype if isinstance(ethertype, str) and ethertype else "IPv4"
    yield Violation(
        "the rule allows ingress from any address: it sets neither remote_ip_prefix nor remote_group_id "
        f"nor remote_address_group_id, so Neutron admits every {family} address",
        path="remote_ip_prefix",
    )


def _firewall_rule(props: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    action = plain(props.get("action"))
    enabled = plain(props.get("enabled"))
    if enabled is False:
        return
    if action is not UNKNOWN and (not isinstance(action, str) or action.casefold() != "allow"):
        return
    port = plain(props.get("destination_port"))
    low = high = port
    if isinstance(port, str) and ":" in port:
        low, high = port.split(":", 1)
    violation = _judge(
        plain(props.get("source_ip_address")),
        _ssh_only(props.get("protocol"), low, high),
        context,
        field="source_ip_address",
        anywhere_reason="it allows traffic and sets no source_ip_address, so it matches every source",
    )
    if violation is None:
        return
    if action is UNKNOWN:
        violation = Violation(
            f"{violation.message} (its action is unknown until apply)", unknown=True, path=violation.path
        )
    elif enabled is UNKNOWN:
        violation = Violation(
            f"{violation.message} (whether it is enabled is unknown until apply)",
            unknown=True,
            path=violation.path,
        )
    yield violation


def _ssh_only_ports(protocol: Any, ports: tuple[facets.PortRange, ...] | None) -> bool | None:
    """`_ssh_only` over every port range a rule opens: all ports (None) is more than SSH."""
    if ports is None:
        return None if plain(protocol) is UNKNOWN else False
    verdicts = [_ssh_only(protocol, low, high) for low, high in ports]
    if False in verdicts:
        return False
    return None if None in verdicts else True


def _provider_rules(resource: Resource, context: Context) -> Iterator[Violation]:
    """The verdicts on a resource whose ingress rules `souverain.facets` reads from the provider's shape
    (Scaleway, S3NS/Google, Outscale, OVHcloud): its inbound default, then each rule's sources."""
    default = facets.open_default(resource)
    if default is not None:
        yield Violation(
            f"the group admits every address: {default.reason}", unknown=default.unknown, path=default.path
        )
    for rule in facets.ingress_rules(resource):
        ssh_only = _ssh_only_ports(rule.protocol, rule.ports)
        found: list[Violation] = []
        if rule.sources:
            for path, source in rule.sources:
                violation = _judge(source, ssh_only, context, field=path, anywhere_reason=None)
                if violation is not None:
                    found.append(violation)
        for path, means, reason in rule.named_sources:
            opening = (
                "admits internet hosts" if means == "public" else "cannot be shown to keep the internet out"
            )
            found.append(Violation(f"the rule {opening}: {reason}", path=path))
        if not (rule.sources or rule.named_sources or rule.from_group) and rule.unknown_groups:
            # a group, tag or account list unknown until apply may turn out empty: unknown, not absent
            found.append(
                Violation(
                    f"{' and '.join(rule.unknown_groups)} "
                    f"{'is' if len(rule.unknown_groups) == 1 else 'are'} unknown until apply and the rule "
                    "sets no other source: it may admit every address, so it cannot be shown to keep the "
                    "internet out",
                    unknown=True,
                    path=rule.unknown_groups[0],
                )
            )
        elif not (rule.sources or rule.named_sources or rule.from_group):
            opening = (
                "allows ingress from any address"
                if rule.no_source == "any"
                else "cannot be shown to keep the internet out"
            )
            found.append(
                Violation(f"the rule {opening}: {rule.no_source_reason}", path=rule.source_field or None)
            )
        for violation in found:
            if rule.gate_unknown is not None:
                violation = Violation(
                    f"{violation.message} (its {rule.gate_unknown} is unknown until apply)",
                    unknown=True,
                    path=violation.path,
                )
            yield violation


def check(resource: Resource, context: Context) -> Iterator[Violation]:
    """The verdicts on one rule. An address group it names is looked up in the stack (`Context.memo`'s
    index, else `Context.resources_by_address`)."""
    if facets.has_ingress_shape(resource):
        yield from _provider_rules(resource, context)
        return
    kind = resource.kind
    if kind == "security_group_rule":
        yield from _security_group_rule(resource.properties, context, resource)
    elif kind == "firewall_rule":
        yield from _firewall_rule(resource.properties, context)


def check_stack(resources: Sequence[Resource], context: Context) -> Iterator[Violation]:
    """Every rule of the stack, then what reaches OpenStack ports and listeners without a rule; the
    sanctioned public entries' own ways in excepted (`public_entries`)."""
    network = _stack_network(resources, context)
    entries = public_entries(network)
    for resource in network.rules:
        if resource.address in entries.rules:
            continue
        for violation in check(resource, context):
            yield replace(violation, resource=resource)
    yield from _openstack_exposure(network, context, entries.listeners)
    yield from entries.violations
    yield from _open_by_default(network)


def _open_by_default(network: StackNetwork) -> Iterator[Violation]:
    """A managed database with a public endpoint and no allow-list in the stack: the provider starts it
    open to every address (`data/facets.yaml`, `default_allow_lists`). Its allow-lists, when the stack has
    some, are judged as rules."""
    for resource in network.open_by_default:
        if resource.operation is Operation.DELETE:
            continue
        facts = facets.default_allow_list(resource, network.open_by_default)
        if facts is None or facts.allow_lists or facts.public is False:
            continue
        if facts.public is UNKNOWN:
            yield Violation(
                f"{facts.why}, so whether this database has a public endpoint, open to {facts.default} "
                "until the stack sets its allowed addresses, cannot be shown",
                resource=resource,
                unknown=True,
            )
            continue
        yield Violation(
            f"the database has a public endpoint ({facts.why}) and the stack sets no allowed addresses for "
            f"it: the provider starts it open to every address ({facts.default})",
            resource=resource,
        )


# -- the stack's network, as far as the plan shows it ---------------------------------------------------

NETWORK_KINDS = frozenset(
    {
        "address_group",
        "port",
        "network",
        "instance",
        "floating_ip",
        "floating_ip_association",
        "load_balancer",
        "listener",
        "security_group",
        "lb_pool",
        "lb_member",
        "l7_policy",
    }
)
"""Kinds whose resources say what reaches what: indexed once per evaluation."""


@dataclass(slots=True)
class StackNetwork:
    """The resources of the stack that rules and exposure refer to, grouped by kind."""

    rules: list[Resource] = field(default_factory=list)
    by_kind: dict[str, list[Resource]] = field(default_factory=dict)
    by_address: Mapping[str, Resource] = field(default_factory=dict)
    by_config: dict[str, list[Resource]] | None = None
    """Resources by Terraform configuration address (instance keys dropped), built on first use."""
    closures: dict[str, frozenset[str]] = field(default_factory=dict)
    """Each resource's transitive dependencies, addresses as written and without instance keys."""
    bindings: dict[tuple[str, str, str], tuple[list[Resource], bool]] = field(default_factory=dict)
    """`candidates` answers by (source address, property, target kind)."""
    open_by_default: list[Resource] = field(default_factory=list)
    """Managed databases that admit everyone until an allow-list says otherwise, and those allow-lists."""

    def of(self, kind: str) -> list[Resource]:
        return self.by_kind.get(kind, [])

    def upstream(self, address: str) -> list[Resource]:
        """The resources a dependency names: the one at that address, or the instances of a configured
        Terraform resource (state dependencies name `openstack_networking_port_v2.p`, not `...p[0]`)."""
        found = self.by_address.get(address)
        if found is not None:
            return [found]
        if self.by_config is None:
            self.by_config = {}
            for resource in self.by_address.values():
                key = config_address(resource.address)
                if key != resource.address:
                    self.by_config.setdefault(key, []).append(resource)
        return self.by_config.get(address, [])


_MEMO_KEY = "no-public-ingress-network"


def _stack_network(resources: Iterable[Resource], context: Context) -> StackNetwork:
    cached = context.memo.get(_MEMO_KEY)
    if cached is not None and cached[0] is resources:
        network: StackNetwork = cached[1]
        return network
    network = StackNetwork(by_address=context.resources_by_address)
    if not context.resources_by_address:
        network.by_address = {resource.address: resource for resource in resources}
    rules = network.rules
    buckets: dict[str | None, list[Resource]] = {kind: rules for kind in RULE_KINDS}
    for kind in NETWORK_KINDS:
        buckets[kind] = network.by_kind[kind] = []
    get = buckets.get
    open_by_default_types = facets.default_allow_list_types()
    for resource in resources:  # 10k-100k resources: one dict lookup each
        bucket = get(resource.kind)
        if bucket is not None:
            bucket.append(resource)
            if bucket is not rules and facets.has_ingress_shape(resource):
                rules.append(resource)  # a load balancer whose listeners another provider keeps inline
        else:
            if facets.has_ingress_shape(resource):
                rules.append(resource)  # a managed database's allow-list, an ACL of its own (facets.yaml)
            if resource.type in open_by_default_types:
                network.open_by_default.append(resource)
    context.memo[_MEMO_KEY] = (resources, network)  # holding the resources keeps their id from being reused
    return network


def _known_network(context: Context) -> StackNetwork:
    """The stack's network for a rule judged on its own (`check`): from the memo, else from the resources
    the context carries."""
    cached = context.memo.get(_MEMO_KEY)
    if cached is not None:
        network: StackNetwork = cached[1]
        return network
    return _stack_network(list(context.resources_by_address.values()), context)


def _closure(source: Resource, network: StackNetwork) -> frozenset[str]:
    """Every address `source` depends on, directly or through other resources of the stack."""
    cached = network.closures.get(source.address)
    if cached is not None:
        return cached
    seen: set[str] = set()
    pending = list(source.dependencies)
    while pending:
        address = pending.pop()
        if address in seen:
            continue
        seen.add(address)
        seen.add(config_address(address))
        for upstream in network.upstream(address):
            pending.extend(upstream.dependencies)
    closure = frozenset(seen)
    network.closures[source.address] = closure
    return closure


def _depends_on(addresses: frozenset[str], target: Resource) -> bool:
    return target.address in addresses or config_address(target.address) in addresses


def candidates(
    source: Resource,
    value: Any,
    targets: Sequence[Resource],
    network: StackNetwork,
    *,
    id_key: str = "id",
) -> tuple[list[Resource], bool]:
    """The targets whose id (`id_key`: `id`, or a load balancer's `vip_port_id`) `value`, an id-valued
    property of `source`, may be; and whether the plan leaves it open (an id unknown until apply that the
    input ties to no resource).

    A known id matches the targets' known ids (Terraform plans and states carry them). Otherwise the
    dependencies decide: a Pulumi input taken from another resource's output, and a Terraform reference,
    make `source` depend on that resource. Targets it depends on directly are the answer; failing those,
    targets it depends on through other resources (a port through the instance it is attached to).
    """
    if value is None or value == "" or not targets:
        return [], False
    found: list[Resource] = []
    without_id: list[Resource] = []
    if isinstance(value, str):
        for target in targets:
            target_id = plain(target.get(id_key))
            if isinstance(target_id, str) and target_id:
                if value == target_id:
                    found.append(target)
            else:
                without_id.append(target)
        if found or not without_id:
            return found, False
    else:
        without_id = list(targets)  # an id unknown until apply may be any target's
    # A known id that names no target whose id is known may still be one of the others, which have none
    # to compare (Pulumi inputs, ids allocated at apply): dependencies decide, as for an unknown id.
    direct = frozenset([*source.dependencies, *map(config_address, source.dependencies)])
    found = [target for target in without_id if _depends_on(direct, target)]
    if not found:
        closure = _closure(source, network)
        found = [target for target in without_id if _depends_on(closure, target)]
    if found:
        return found, False
    return [], value is UNKNOWN and not source.dependencies


def _bound(
    source: Resource, key: str, kind: str, network: StackNetwork, *, id_key: str = "id"
) -> tuple[list[Resource], bool]:
    """`candidates` for `source`'s property `key` among the stack's resources of `kind`, memoized."""
    memo_key = (source.address, key, kind)
    answer = network.bindings.get(memo_key)
    if answer is None:
        answer = network.bindings[memo_key] = candidates(
            source, plain(source.get(key)), network.of(kind), network, id_key=id_key
        )
    return answer


# -- address groups -------------------------------------------------------------------------------------


def _address_groups_for(value: Any, context: Context, rule: Resource | None) -> tuple[list[Resource], bool]:
    """The address groups of the stack that a rule's `remote_address_group_id` may name, and whether the
    plan leaves it open."""
    network = _known_network(context)
    groups = network.of("address_group")
    if rule is not None:
        return candidates(rule, value, groups, network)
    if isinstance(value, str):
        return [group for group in groups if plain(group.get("id")) == value], False
    return [], value is UNKNOWN


def _address_group_sources(
    value: Any, ssh_only: bool | None, context: Context, rule: Resource | None
) -> Iterator[Violation]:
    """The verdicts on a rule whose source is an address group: each of the group's addresses is judged as
    a `remote_ip_prefix` would be. A group the stack does not hold cannot be shown to be closed."""
    field_ = "remote_address_group_id"
    found, open_ = _address_groups_for(value, context, rule)
    if not found:
        if value is UNKNOWN or open_:
            yield Violation(
                "remote_address_group_id is unknown until apply and names no address group of the stack "
                "the plan can show, so the rule cannot be shown to keep the internet out",
                unknown=True,
                path=field_,
            )
        else:
            yield Violation(
                f"remote_address_group_id {value!r} names an address group this stack does not manage, so "
                "its addresses cannot be checked: manage the group in the stack",
                path=field_,
            )
        return
    for group in found:
        addresses = plain(group.get("addresses"))
        if addresses is UNKNOWN:
            yield Violation(
                f"the addresses of address group {group.name} are unknown until apply, so the rule cannot be "
                "shown to keep the internet out",
                unknown=True,
                path=field_,
            )
            continue
        if not isinstance(addresses, list | tuple):
            continue  # no addresses: the group admits nobody
        for address in addresses:
            violation = _judge(plain(address), ssh_only, context, field=field_, anywhere_reason=None)
            if violation is not None:
                yield Violation(
                    f"address group {group.name}: {violation.message}", unknown=violation.unknown, path=field_
                )
    if open_:
        yield Violation(
            "remote_address_group_id is unknown until apply and may name an address group the plan cannot "
            "show, so the rule cannot be shown to keep the internet out",
            unknown=True,
            path=field_,
        )


# -- OpenStack ports and listeners exposed without a rule ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Exposure:
    """Whether the internet reaches a port or a VIP: True or False, or None when the plan cannot show it
    (then `unknown` says whether a value unknown until apply is the reason, rather than a resource the
    stack does not hold)."""

    reached: bool | None
    why: str = ""
    unknown: bool = True


NOT_REACHED = Exposure(False)


def _either(*exposures: Exposure) -> Exposure:
    """The first exposure shown, else the first that cannot be ruled out, else not reached."""
    for exposure in exposures:
        if exposure.reached:
            return exposure
    return next((exposure for exposure in exposures if exposure.reached is None), NOT_REACHED)


def _network_exposure(
    value: Any, holder: Resource, network: StackNetwork, *, computed: bool = False
) -> Exposure:
    """Whether the network `value` names (a property of `holder`) is external, a public network. Only an
    `external` set to true counts: Terraform plans an unset `external` as unknown, so unknown reads as
    unset (false). A network the stack does not hold cannot be shown internal. `computed`: the attribute
    is optional and computed (a load balancer's `vip_network_id`), so unknown and tied to no resource of
    the plan reads as unset too (Terraform plans it unknown; a network from a resource would be tied)."""
    value = plain(value)
    if value is None or value == "":
        return NOT_REACHED
    found, open_ = candidates(holder, value, network.of("network"), network)
    for net in found:
        if plain(net.get("external")) is True:
            return Exposure(True, f"it is on the external network {net.name}")
    if found or (computed and value is UNKNOWN and not open_):
        return NOT_REACHED
    if open_ or value is UNKNOWN:
        return Exposure(None, "its network is unknown until apply and may be an external one")
    return Exposure(
        None, f"its network {value!r} is not in this stack, so it cannot be shown not to be external", False
    )


def _floating_ip_exposure(port: Resource, network: StackNetwork) -> Exposure:
    """Whether a floating IP of the stack is bound to `port`: by its `port_id`, or by a compute
    association's `instance_id` on an instance the port is attached to."""
    open_why = ""
    for fip in (*network.of("floating_ip"), *network.of("floating_ip_association")):
        ports, open_ = _bound(fip, "port_id", "port", network)
        if any(bound is port for bound in ports):
            return Exposure(True, f"floating IP {fip.name} is bound to it")
        if open_:
            open_why = f"floating IP {fip.name} is bound to a port unknown until apply, which may be it"
    for instance in network.of("instance"):
        if _instance_holds_port(instance, port, network):
            exposure = _instance_floating_ip(instance, network)
            if exposure.reached:
                return Exposure(True, f"{exposure.why} (through instance {instance.name})")
            if exposure.reached is None:
                open_why = exposure.why
    return Exposure(None, open_why) if open_why else NOT_REACHED


def _vip_floating_ip(balancer: Resource, network: StackNetwork) -> Exposure:
    """Whether a floating IP of the stack is bound to a load balancer's VIP port (`vip_port_id`)."""
    open_why = ""
    for fip in (*network.of("floating_ip"), *network.of("floating_ip_association")):
        balancers, open_ = _bound(fip, "port_id", "load_balancer", network, id_key="vip_port_id")
        if any(bound is balancer for bound in balancers):
            return Exposure(True, f"floating IP {fip.name} is bound to its VIP")
        if open_:
            open_why = f"floating IP {fip.name} is bound to a port unknown until apply, which may be its VIP"
    return Exposure(None, open_why) if open_why else NOT_REACHED


def _instance_holds_port(instance: Resource, port: Resource, network: StackNetwork) -> bool:
    """Whether one of the instance's network attachments is `port` (`network { port = ... }`)."""
    ports = network.of("port")
    for attachment in _attachments(instance):
        found, _ = candidates(instance, plain(attachment.get("port")), ports, network)
        if any(bound is port for bound in found):
            return True
    return False


def _attachments(instance: Resource) -> list[Mapping[str, Any]]:
    """An instance's network attachments: Terraform's `network` blocks, Pulumi's `networks`."""
    attachments = plain(instance.get("network"))
    if not isinstance(attachments, list | tuple):
        attachments = plain(instance.get("networks"))
        if not isinstance(attachments, list | tuple):
            return []
    return [item for item in map(plain, attachments) if isinstance(item, Mapping)]


def _instance_floating_ip(instance: Resource, network: StackNetwork) -> Exposure:
    """A compute floating-IP association (`instance_id`) bound to the instance."""
    open_why = ""
    for fip in network.of("floating_ip_association"):
        instances, open_ = _bound(fip, "instance_id", "instance", network)
        if any(bound is instance for bound in instances):
            return Exposure(True, f"floating IP {fip.name} is bound to it")
        if open_:
            open_why = f"floating IP {fip.name} is bound to an instance unknown until apply, which may be it"
    return Exposure(None, open_why) if open_why else NOT_REACHED


def _disabling_networks(network: StackNetwork) -> list[Resource]:
    """The networks that turn port security off for the ports that leave it unset."""
    return [net for net in network.of("network") if plain(net.get("port_security_enabled")) is False]


def _port_security_off(
    holder: Resource, network_value: Any, disabling: list[Resource], network: StackNetwork
) -> bool:
    """Whether a port has no port security: set off on it, or left unset on a network that sets it off.
    Only a setting known to be false counts: Terraform plans an unset `port_security_enabled` as unknown,
    so unknown reads as unset, and Neutron's default is on."""
    own = plain(holder.get("port_security_enabled"))
    if own is False:
        return True
    if own is True or not disabling:
        return False
    found, _ = candidates(holder, plain(network_value), network.of("network"), network)
    return any(net in disabling for net in found)


def _open_ports(network: StackNetwork, disabling: list[Resource]) -> Iterator[Violation]:
    for port in network.of("port"):
        if not _port_security_off(port, port.get("network_id"), disabling, network):
            continue
        exposure = _either(
            _network_exposure(port.get("network_id"), port, network),
            _floating_ip_exposure(port, network),
        )
        if exposure.reached is False:
            continue
        yield Violation(
            f"port security is disabled, so no security group filters this port, and {exposure.why}",
            resource=port,
            unknown=exposure.reached is None and exposure.unknown,
            path="port_security_enabled",
        )


def _instance_networks(network: StackNetwork, disabling: list[Resource]) -> Iterator[Violation]:
    """Instances attached by network (`network { uuid = ... }`) get a port of that network: without port
    security when the network disables it."""
    for instance in network.of("instance"):
        for index, attachment in enumerate(_attachments(instance)):
            if plain(attachment.get("port")):
                continue  # a port of its own is judged as a port
            uuid = attachment.get("uuid")
            found, _ = candidates(instance, plain(uuid), network.of("network"), network)
            if not any(net in disabling for net in found):
                continue
            exposure = _either(
                _network_exposure(uuid, instance, network), _instance_floating_ip(instance, network)
            )
            if exposure.reached is False:
                continue
            yield Violation(
                f"network[{index}] disables port security, so no security group filters this instance's "
                f"port, and {exposure.why}",
                resource=instance,
                unknown=exposure.reached is None and exposure.unknown,
                path=f"{'network' if 'network' in instance.properties else 'networks'}[{index}]",
            )


def _vip_exposure(balancer: Resource, network: StackNetwork) -> Exposure:
    """Whether the internet reaches a load balancer's VIP: a public VIP address, a VIP on an external
    network, or a floating IP bound to its VIP port."""
    address = plain(balancer.get("vip_address"))
    if isinstance(address, str) and address:
        span = source_span(address)
        if span is not None and span_is_public(span):
            return Exposure(True, f"its VIP {address} is a public address")
    vip_network = balancer.get("vip_network_id")  # optional: the subnet's network when unset
    return _either(
        _network_exposure(vip_network, balancer, network, computed=True),
        _vip_floating_ip(balancer, network),
    )


def _listeners(network: StackNetwork, context: Context, sanctioned: frozenset[str]) -> Iterator[Violation]:
    for listener in network.of("listener"):
        if listener.address in sanctioned:
            continue  # a public entry's TLS listener or HTTPS redirect (`public_entries`)
        sources = list(_listener_sources(listener, context))
        if not sources:
            continue  # allowed_cidrs keeps the internet out, wherever the VIP is
        value = plain(listener.get("loadbalancer_id"))
        found, open_ = _bound(listener, "loadbalancer_id", "load_balancer", network)
        exposure = _either(*(_vip_exposure(balancer, network) for balancer in found))
        if exposure.reached is False and open_:
            exposure = Exposure(None, "its load balancer is unknown until apply and its VIP may be exposed")
        elif not found and not open_:
            exposure = Exposure(
                None,
                f"its load balancer {value!r} is not in this stack, so its VIP cannot be shown not to be "
                "exposed",
                value is UNKNOWN,
            )
        if exposure.reached is False:
            continue
        for violation in sources:
            yield replace(
                violation,
                message=f"{violation.message}, and {exposure.why}",
                resource=listener,
                unknown=violation.unknown or (exposure.reached is None and exposure.unknown),
            )


def _listener_sources(listener: Resource, context: Context) -> Iterator[Violation]:
    """What `allowed_cidrs` lets in, judged like a rule's sources; none set admits every address."""
    port = plain(listener.get("protocol_port"))
    ssh_only = _ssh_only(listener.get("protocol"), port, port)
    cidrs = plain(listener.get("allowed_cidrs"))
    if cidrs is UNKNOWN:
        yield Violation(
            "allowed_cidrs is unknown until apply, so the listener cannot be shown to keep the internet out",
            unknown=True,
            path="allowed_cidrs",
        )
        return
    if not isinstance(cidrs, list | tuple) or not cidrs:
        yield Violation(
            "the listener sets no allowed_cidrs, so it admits every address", path="allowed_cidrs"
        )
        return
    for cidr in cidrs:
        violation = _judge(plain(cidr), ssh_only, context, field="allowed_cidrs", anywhere_reason=None)
        if violation is not None:
            yield violation


def _openstack_exposure(
    network: StackNetwork, context: Context, sanctioned: frozenset[str] = frozenset()
) -> Iterator[Violation]:
    """Ways in that no security-group rule shows: OpenStack ports without port security, and listeners
    (but the `sanctioned` ones of public entries)."""
    if network.of("port") or network.of("instance"):
        disabling = _disabling_networks(network)
        yield from _open_ports(network, disabling)
        if disabling:
            yield from _instance_networks(network, disabling)
    if network.of("listener"):
        yield from _listeners(network, context, sanctioned)


# -- the sanctioned public entry ------------------------------------------------------------------------
# A website needs one way in from anywhere. It is sanctioned by structure, not by a name: the load
# balancer carries the tag `public_entry=https` (the intent, visible in review) AND
# - a listener is sanctioned only if it terminates TLS on 443 (`TERMINATED_HTTPS`) with a certificate
#   from the key manager (`default_tls_container_ref` set) and no TLS version older than 1.2; or if it is
#   plain HTTP on 80 that only redirects to https (no default pool, no pool of its own, every L7 policy a
#   redirect to an https:// URL) and the load balancer also has a sanctioned TLS listener;
# - a rule of the VIP port's security groups (`security_group_ids`) is sanctioned only if it opens
#   exactly tcp/443 (or tcp/80 beside a sanctioned redirect);
# - the pool members behind it must have private addresses: a public member is a finding.
# Any other listener, port or rule of the same load balancer is judged like any other.

PUBLIC_ENTRY_TAG = ("public_entry", "https")
ENTRY_TLS_PORT = 443
ENTRY_REDIRECT_PORT = 80
WEAK_TLS_VERSIONS = frozenset({"SSLv2", "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1"})
REDIRECT_ACTIONS = frozenset({"REDIRECT_PREFIX", "REDIRECT_TO_URL"})


@dataclass(frozen=True, slots=True)
class PublicEntries:
    """What the stack's sanctioned public entries let in, by address, and what is wrong behind them."""

    listeners: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    violations: tuple[Violation, ...] = ()


def _upper(value: Any) -> str | None:
    value = plain(value)
    return value.upper() if isinstance(value, str) else None


def _port(value: Any) -> int | None:
    value = plain(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _is_tls_entry(listener: Resource) -> bool:
    if _upper(listener.get("protocol")) != "TERMINATED_HTTPS" or _port(listener.get("protocol_port")) != 443:
        return False
    certificate = plain(listener.get("default_tls_container_ref"))
    if certificate is not UNKNOWN and not (isinstance(certificate, str) and certificate):
        return False
    versions = plain(listener.get("tls_versions"))
    if versions is None:
        return True  # Octavia's default (TLS 1.2 and later since Wallaby)
    if not isinstance(versions, list | tuple):
        return False  # unknown until apply: may allow old versions
    return not any(plain(v) in WEAK_TLS_VERSIONS or not isinstance(plain(v), str) for v in versions)


def _bound_to(source: Resource, key: str, kind: str, target: Resource, network: StackNetwork) -> bool:
    found, _ = _bound(source, key, kind, network)
    return any(bound is target for bound in found)


def _is_https_redirect(listener: Resource, network: StackNetwork) -> bool:
    if _upper(listener.get("protocol")) != "HTTP" or _port(listener.get("protocol_port")) != 80:
        return False
    if plain(listener.get("default_pool_id")) not in (None, ""):
        return False
    if any(_bound_to(pool, "listener_id", "listener", listener, network) for pool in network.of("lb_pool")):
        return False
    policies = [
        p for p in network.of("l7_policy") if _bound_to(p, "listener_id", "listener", listener, network)
    ]
    if not policies:
        return False
    for policy in policies:
        if _upper(policy.get("action")) not in REDIRECT_ACTIONS:
            return False
        target = plain(policy.get("redirect_prefix")) or plain(policy.get("redirect_url"))
        if not (isinstance(target, str) and target.startswith("https://")):
            return False
    return True


def _opens_exactly(rule: Resource, ports: frozenset[int]) -> bool:
    """An ingress tcp rule on one port of `ports` (whatever its source)."""
    if rule.kind != "security_group_rule" or _upper(rule.get("direction")) != "INGRESS":
        return False
    if _upper(rule.get("protocol")) != "TCP":
        return False
    low, high = _port(rule.get("port_range_min")), _port(rule.get("port_range_max"))
    return low is not None and low == high and low in ports


def _vip_groups(balancer: Resource, network: StackNetwork) -> list[Resource]:
    values = plain(balancer.get("security_group_ids"))
    if not isinstance(values, list | tuple):
        return []
    groups: list[Resource] = []
    for value in values:
        found, _ = candidates(balancer, plain(value), network.of("security_group"), network)
        groups.extend(found)
    return groups


def _members(pool: Resource, network: StackNetwork) -> Iterator[tuple[Resource, str, Any]]:
    """(member resource, path, address) of a pool's members (`Member`, or the list of Pulumi's `Members` /
    the `member` blocks of Terraform's `openstack_lb_members_v2`)."""
    for member in network.of("lb_member"):
        if not _bound_to(member, "pool_id", "lb_pool", pool, network):
            continue
        key = "members" if "members" in member.properties else "member"  # Pulumi `Members`, Terraform blocks
        listed = plain(member.get(key))
        if isinstance(listed, list | tuple):
            for index, item in enumerate(listed):
                if isinstance(item, Mapping):
                    yield member, f"{key}[{index}].address", plain(item.get("address"))
        else:
            yield member, "address", plain(member.get("address"))


def public_entries(network: StackNetwork) -> PublicEntries:
    """The listeners and VIP rules of the stack's sanctioned public entries, and findings on their
    backends. See the rule above; nothing is sanctioned without the tag and the TLS listener both."""
    balancers = [
        b for b in network.of("load_balancer") if b.tags.get(PUBLIC_ENTRY_TAG[0]) == PUBLIC_ENTRY_TAG[1]
    ]
    if not balancers:
        return PublicEntries()
    listeners: set[str] = set()
    rules: set[str] = set()
    violations: list[Violation] = []
    for balancer in balancers:
        own = [
            listener
            for listener in network.of("listener")
            if _bound_to(listener, "loadbalancer_id", "load_balancer", balancer, network)
        ]
        tls = [listener for listener in own if _is_tls_entry(listener)]
        if not tls:
            continue
        redirects = [listener for listener in own if _is_https_redirect(listener, network)]
        listeners.update(listener.address for listener in (*tls, *redirects))
        ports = frozenset({ENTRY_TLS_PORT, *([ENTRY_REDIRECT_PORT] if redirects else [])})
        groups = _vip_groups(balancer, network)
        for rule in network.rules:
            if _opens_exactly(rule, ports) and any(
                _bound_to(rule, "security_group_id", "security_group", group, network) for group in groups
            ):
                rules.add(rule.address)
        pools = [
            pool
            for pool in network.of("lb_pool")
            if any(_bound_to(pool, "listener_id", "listener", listener, network) for listener in tls)
            or _bound_to(pool, "loadbalancer_id", "load_balancer", balancer, network)
        ]
        for pool in pools:
            for member, path, address in _members(pool, network):
                span = source_span(address) if isinstance(address, str) else None
                if span is not None and span_is_public(span):
                    violations.append(
                        Violation(
                            f"member {address} of the public entry {balancer.name} is a public address: the "
                            "backends of a public entry stay on a private network",
                            resource=member,
                            path=path,
                        )
                    )
    return PublicEntries(frozenset(listeners), frozenset(rules), tuple(violations))


POLICY = Policy(
    id="no-public-ingress",
    title="No ingress from the internet, except SSH to the bastion from the admin ranges",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "A rule open to 0.0.0.0/0 or ::/0, or to any public range, exposes servers holding health data to "
        "the whole internet. Administration goes through one bastion, reachable by SSH only from the "
        "agency's declared admin ranges, so that every administrative flow is filtered and traced."
    ),
    remediation=(
        "Restrict the rule's source (remote_ip_prefix, ip_range, source_ranges, allowed_cidrs...) to a "
        "private range, or to another security group or tag; set a Scaleway group's inbound_default_policy "
        "to drop. For the bastion, allow tcp/22 only, from ranges declared in the policy config "
        '(`{"no-public-ingress": {"adminRanges": ["198.51.100.0/24"]}}`).'
    ),
    requirements=("SecNumCloud 3.2 §13.2", "SecNumCloud 3.2 §12.12"),
    check_stack=check_stack,
    config_schema={
        "adminRanges": {
            "type": "array",
            "items": {"type": "string"},
            "description": "CIDRs (IPv4 or IPv6, never /0) from which SSH to the bastion is allowed.",
        }
    },
)
