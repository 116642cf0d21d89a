"""no-public-ingress: no security-group or firewall rule lets the internet in, except SSH to the bastion.

The one way in for people is SSH to the bastion from the agency's own admin ranges; everything else is
reached through it or through a load balancer's own rules. IPv4 and IPv6 alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from souverain import facets
from souverain.catalog import ipv4_value
from souverain.model import UNKNOWN, Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import IPNetwork, parse_network, plain, within

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


def _security_group_rule(props: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    direction = plain(props.get("direction"))
    if direction is not UNKNOWN and (not isinstance(direction, str) or direction.casefold() != "ingress"):
        return
    group = plain(props.get("remote_group_id")) or plain(props.get("remote_address_group_id"))
    ethertype = plain(props.get("ethertype"))
    family = ethertype if isinstance(ethertype, str) and ethertype else "IPv4"
    anywhere = (
        f"it sets neither remote_ip_prefix nor remote_group_id, so Neutron admits every {family} address"
    )
    violation = _judge(
        plain(props.get("remote_ip_prefix")),
        _ssh_only(props.get("protocol"), props.get("port_range_min"), props.get("port_range_max")),
        context,
        field="remote_ip_prefix",
        anywhere_reason=None if group else anywhere,
    )
    if violation is None:
        return
    if direction is UNKNOWN:
        violation = Violation(
            f"{violation.message} (its direction is unknown until apply)", unknown=True, path=violation.path
        )
    yield violation


def _firewall_rule(props: Mapping[str, Any], context: Context) -> Iterator[Violation]:
    action = plain(props.get("action"))
    if plain(props.get("enabled")) is False:
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
        if not (rule.sources or rule.named_sources or rule.from_group):
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
    if facets.has_ingress_shape(resource):
        yield from _provider_rules(resource, context)
        return
    kind = resource.kind
    if kind == "security_group_rule":
        yield from _security_group_rule(resource.properties, context)
    elif kind == "firewall_rule":
        yield from _firewall_rule(resource.properties, context)


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
    check_resource=check,
    applies_to=RULE_KINDS.__contains__,
    config_schema={
        "adminRanges": {
            "type": "array",
            "items": {"type": "string"},
            "description": "CIDRs (IPv4 or IPv6, never /0) from which SSH to the bastion is allowed.",
        }
    },
)
