"""no-public-ingress judges sources as integer spans, not `ipaddress` objects: the verdicts must be those
of `ipaddress` (what parses, the network it means, what lies inside what) for every text a rule may hold."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st
from souverain.policies._support import parse_network, within
from souverain.policies.no_public_ingress import (
    _NON_PUBLIC,
    is_public,
    source_span,
    span_is_public,
    span_within,
)

OCTETS = st.one_of(st.integers(0, 255).map(str), st.sampled_from(["00", "01", "256", "999", "1a", "", "٣"]))
PREFIXES = st.one_of(
    st.none(),
    st.integers(0, 33).map(str),
    st.sampled_from(["00", "08", "032", "", "255.255.0.0", "0.0.0.255", "x", "-1"]),
)
IPV4_TEXTS = st.builds(
    lambda octets, prefix, pad: pad + ".".join(octets) + ("" if prefix is None else "/" + prefix) + pad,
    st.lists(OCTETS, min_size=3, max_size=5),
    PREFIXES,
    st.sampled_from(["", " ", "\t", "\u00a0"]),
)
IPV6_TEXTS = st.builds(
    lambda address, prefix: str(address) + ("" if prefix is None else f"/{prefix}"),
    st.ip_addresses(v=6),
    st.one_of(st.none(), st.integers(0, 129)),
)
KNOWN = st.sampled_from(
    [
        "0.0.0.0/0",
        "::/0",
        "10.0.5.0/24",
        "10.0.5.7/24",
        "172.31.255.255",
        "192.168.1.0/255.255.255.0",
        "100.64.0.0/10",
        "100.128.0.0/9",
        "fe80::1%eth0/64",
        "::ffff:10.0.0.1/128",
        "198.51.100.0/24",
    ]
)
TEXTS = st.one_of(IPV4_TEXTS, IPV6_TEXTS, KNOWN, st.text(max_size=12))
NETWORKS = st.builds(
    lambda address, prefix: ipaddress.ip_network(
        f"{address}/{prefix % (address.max_prefixlen + 1)}", strict=False
    ),
    st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)),
    st.integers(0, 128),
)


@settings(max_examples=500, deadline=None)
@given(TEXTS, st.lists(NETWORKS, max_size=3))
def test_spans_judge_as_ipaddress_does(
    text: str, outers: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> None:
    network = parse_network(text)
    span = source_span(text)
    if network is None:
        assert span is None
        return
    assert span == (network.version, int(network.network_address), network.prefixlen)
    assert span_is_public(span) == is_public(network)
    for outer in [*outers, *_NON_PUBLIC]:
        outer_span = (outer.version, int(outer.network_address), outer.prefixlen)
        assert span_within(span, outer_span) == within(network, outer)


def test_spans_of_common_sources() -> None:
    assert source_span("10.0.5.7/24") == (4, 0x0A000500, 24)
    assert source_span(" 8.8.8.8 ") == (4, 0x08080808, 32)
    assert source_span("010.0.0.0/8") is None  # ipaddress refuses leading zeros: not a CIDR
    assert source_span("192.168.1.0/255.255.255.0") == (4, 0xC0A80100, 24)
    public = source_span("198.51.100.0/24")
    assert public is not None
    assert span_is_public(public)
    private = source_span("172.16.3.0/24")
    assert private is not None
    assert not span_is_public(private)
