"""no-us-controlled-service judges strings that are a dotted quad (or a CIDR) by integer, through
`Catalog.us_controlled_ipv4`: the verdicts must be those of the generic path (tokens, `ipaddress`)."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from conftest import SMALL_CATALOG
from hypothesis import given, settings
from hypothesis import strategies as st
from souverain.policies.no_us_controlled import _Lookups

from souverain.catalog import Catalog, ipv4_value, load_catalog

SRC = {"url": "https://example.test/src", "as_of": date(2026, 1, 1)}


def _service(offer_id: str, us: bool, addresses: list[str]) -> dict[str, object]:
    return {
        "id": offer_id,
        "name": offer_id,
        "kind": "service",
        "operator": {"entity": f"{offer_id} Corp.", "country": "US" if us else "FR", "source": SRC},
        "us_controlled": us,
        "endpoints": {"ip_addresses": addresses},
    }


@pytest.fixture(scope="module")
def address_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    overlay = tmp_path_factory.mktemp("catalog") / "addresses.yaml"
    offers = [
        _service("eu-resolver", False, ["192.0.2.0/24"]),  # listed first, holds a US address below
        _service("us-dns", True, ["192.0.2.53", "198.51.100.0/25", "2001:db8::53"]),
        _service("us-cdn", True, ["198.51.100.0/24", "10.9.0.0/16"]),
    ]
    document = {"schema_version": 1, "as_of": date(2026, 1, 1), "offers": offers}
    overlay.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return load_catalog([SMALL_CATALOG, overlay], replace=True)


OCTETS = st.one_of(
    st.sampled_from(["192", "0", "2", "53", "198", "51", "100", "10", "9", "255", "127"]),
    st.integers(0, 255).map(str),
    st.sampled_from(["256", "01", "00", "1000", "٣"]),
)
QUADS = st.lists(OCTETS, min_size=4, max_size=4).map(".".join)
TEXTS = st.one_of(
    QUADS,
    st.builds(
        lambda quad, prefix: f"{quad}/{prefix}",
        QUADS,
        st.sampled_from(["0", "24", "25", "32", "33", "", "1234"]),
    ),
    st.builds(lambda quad, pad: pad + quad + pad, QUADS, st.sampled_from([" ", "\t", "."])),
    st.builds(lambda quad: f"https://{quad}:53/x", QUADS),
    st.sampled_from(["2001:db8::53", "[2001:db8::53]:53", "2026-01-01T00:00:00Z", "a.b", "v1.2.3.4"]),
)


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_quad_strings_get_the_generic_verdict(address_catalog: Catalog, text: str) -> None:
    fast = _Lookups(address_catalog)
    assert fast.ipv4_lookup is not None
    generic = _Lookups(address_catalog)
    generic.ipv4_lookup = None  # every string through tokens and `offers_for_address`
    assert fast.string(text) == generic.string(text)


@settings(max_examples=300, deadline=None)
@given(QUADS)
def test_ipv4_lookup_agrees_with_the_address_lookup(address_catalog: Catalog, quad: str) -> None:
    value = ipv4_value(quad)
    if value is None:
        assert address_catalog.offers_for_address(quad) == []
        return
    assert address_catalog.us_controlled_ipv4(value) == address_catalog.us_controlled_address(quad)


def test_first_listed_us_network_wins(address_catalog: Catalog) -> None:
    us = _Lookups(address_catalog)
    hit = us.string("192.0.2.53")
    assert hit is not None
    assert (hit[0], hit[1].id) == ("192.0.2.53", "us-dns")  # inside eu-resolver's /24 too: a US listing wins
    hit = us.string("198.51.100.7/32")
    assert hit is not None
    assert hit[1].id == "us-dns"
    assert us.string("192.0.2.54") is None
    assert us.string("10.0.5.0/24") is None


LINE_PARTS = st.sampled_from(
    [
        "\n", "\n", "\r\n", " ", "-", ".", "_", "#", "a", "0", "[", "]", "http://", ":53/", "v1.2",
        "192.0.2.53", "[192.0.2.53]", "[2001:db8::53]", "[::1]", "10.9.1.1", "auth.snc.acme.test",
        "x.bigcloudapis.test", "Bigcloud.TEST.", "auth.us.acme.test", "foo-bar.baz",
    ]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(LINE_PARTS, max_size=12).map("".join), min_size=1, max_size=6))
def test_a_document_judged_line_by_line_gets_the_whole_texts_verdict(
    address_catalog: Catalog, documents: list[str]
) -> None:
    """Multi-line strings (cloud-init) are judged one distinct line at a time, remembered across documents:
    the verdict is still the whole text's, a bracketed address anywhere before any dotted token."""
    lookups = _Lookups(address_catalog)
    for text in [*documents, *documents]:  # the second time, from remembered lines
        if "\n" not in text:
            text += "\n" + text
        whole = lookups._bracketed(text) if "[" in text else None
        if whole is None and "." in text:
            whole = lookups._dotted(text)
        found = lookups._scan_lines(text)
        assert found == whole
