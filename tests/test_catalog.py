"""The sovereignty catalog: validation of small catalogs written here, overlays, lookups and the view.

No test asserts a real-world fact of the shipped catalog; one checks that the shipped file is well-formed
and that every fact in it carries a dated source.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from click.testing import CliRunner
from conftest import SMALL_CATALOG
from hypothesis import given, settings
from hypothesis import strategies as st

from souverain.catalog import (
    BUILTIN,
    Catalog,
    Offer,
    builtin_catalog_file,
    host_matches,
    load_catalog,
)
from souverain.catalog_view import render_catalog
from souverain.errors import InputError

SRC = {"url": "https://example.test/src", "as_of": date(2026, 1, 1)}


def qualification(
    scheme: str, granted: date | None = None, expires: date | None = None, **extra: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {"scheme": scheme, "scope": "IaaS", "source": SRC, **extra}
    if granted:
        entry["granted"] = granted
    if expires:
        entry["expires"] = expires
    return entry


def offer(offer_id: str = "sov", **overrides: Any) -> dict[str, Any]:
    """A valid non-US offer with SecNumCloud and HDS in two regions; `overrides` replace top-level keys."""
    base: dict[str, Any] = {
        "id": offer_id,
        "name": f"{offer_id} cloud",
        "operator": {"entity": "Sov SAS", "country": "FR", "source": SRC},
        "us_controlled": False,
        "qualifications": [
            qualification("secnumcloud", date(2025, 1, 1), date(2028, 1, 1), version="3.2"),
            qualification("hds"),
        ],
        "regions": [
            {"name": "SOV-1", "qualifications": ["secnumcloud", "hds"], "aliases": ["sov-1a"]},
            {"name": "SOV-2", "qualifications": ["hds"]},
        ],
        "endpoints": {"keystone": ["auth.sov.test"], "domains": ["*.sov.test"]},
        "packages": {"pulumi": ["openstack"], "terraform": ["terraform-provider-openstack/openstack"]},
    }
    base.update(copy.deepcopy(overrides))
    return base


def us_service(offer_id: str = "bigcloud", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": offer_id,
        "name": "BigCloud",
        "kind": "service",
        "operator": {"entity": "BigCloud Inc.", "country": "US", "source": SRC},
        "us_controlled": True,
        "endpoints": {"domains": ["*.bigcloudapis.test"], "ip_addresses": ["192.0.2.53", "2001:db8::53"]},
        "packages": {"pulumi": ["bigcloud"], "terraform": ["bigcorp/bigcloud"]},
    }
    base.update(copy.deepcopy(overrides))
    return base


def write(tmp_path: Path, *offers: dict[str, Any], name: str = "catalog.yaml", **top: Any) -> Path:
    path = tmp_path / name
    document = {"schema_version": 1, "as_of": date(2026, 1, 1), "offers": list(offers), **top}
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def load(tmp_path: Path, *offers: dict[str, Any], **top: Any) -> Catalog:
    return load_catalog([write(tmp_path, *offers, **top)], replace=True)


def rejection(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_catalog([path], replace=True)
    return caught.value


def rejected(tmp_path: Path, *offers: dict[str, Any], **top: Any) -> InputError:
    return rejection(write(tmp_path, *offers, **top))


# --- reading the file -------------------------------------------------------------------------------------


def test_bad_yaml_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("schema_version: 1\noffers:\n  - id: a\n    name: [unclosed\n", encoding="utf-8")
    error = rejection(path)
    assert error.file == str(path)
    assert "not valid YAML at line" in error.message


def test_a_repeated_key_is_an_error_not_a_silent_override(tmp_path: Path) -> None:
    path = tmp_path / "repeated.yaml"
    path.write_text(
        "offers:\n  - id: a\n    name: A\n    us_controlled: true\n    us_controlled: false\n",
        encoding="utf-8",
    )
    error = rejection(path)
    assert "line 5" in error.message
    assert "'us_controlled' appears twice" in error.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "catalog is empty"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("offers: 3\n", "expected a list, got a number"),
    ],
)
def test_a_catalog_that_is_not_a_mapping_of_offers_is_rejected(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text, encoding="utf-8")
    assert expected in rejection(path).message


def test_a_missing_file_and_a_non_utf8_file_are_input_errors(tmp_path: Path) -> None:
    assert "cannot read catalog" in rejection(tmp_path / "absent.yaml").message
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("offers: []\nname: Cloud Français\n".encode("latin-1"))
    assert "not UTF-8" in rejection(latin).message


def test_unsupported_schema_version_is_rejected(tmp_path: Path) -> None:
    error = rejected(tmp_path, offer(), schema_version=2)
    assert error.field == "schema_version"


# --- field paths and types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"us_controlled": "no"}, "offers[0].us_controlled", "expected true or false"),
        ({"regions": "SOV-1"}, "offers[0].regions", "expected a list, got text"),
        (
            {"qualifications": [qualification("hds", version=2.0)]},
            "offers[0].qualifications[0].version",
            "quote it in YAML",
        ),
        (
            {"qualifications": [qualification("iso27001")]},
            "offers[0].qualifications[0].scheme",
            "'secnumcloud' or 'hds'",
        ),
        (
            {
                "operator": {
                    "entity": "Sov SAS",
                    "country": "FR",
                    "source": {"url": "u", "as_of": "last week"},
                }
            },
            "offers[0].operator.source.as_of",
            "date",
        ),
        ({"capabilities": {"key_manager": "vault"}}, "offers[0].capabilities.key_manager", "barbican"),
        ({"id": "Has Spaces"}, "offers[0].id", "pattern"),
    ],
)
def test_wrong_types_name_the_field_path(
    tmp_path: Path, change: dict[str, Any], field: str, message: str
) -> None:
    error = rejected(tmp_path, offer(**change))
    assert error.field == field
    assert message in error.message
    assert error.line().startswith(f"{tmp_path / 'catalog.yaml'}: {field}: ")


def test_unknown_keys_are_rejected_and_the_allowed_ones_listed(tmp_path: Path) -> None:
    error = rejected(tmp_path, offer(regoins=[]))
    assert error.field == "offers[0].regoins"
    assert "unknown key" in error.message
    assert "regions" in error.message

    nested = offer()
    nested["regions"][1]["qualified"] = True
    error = rejected(tmp_path, nested)
    assert error.field == "offers[0].regions[1].qualified"
    assert "aliases" in error.message

    assert rejected(tmp_path, offer(), version=1).field == "version"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": 3}, "offers[0].kind", "expected 'offer' or 'service', got a number"),
        ({"name": ""}, "offers[0].name", "must not be empty"),
        (
            {"operator": {"entity": "Sov SAS", "country": "FRA", "source": SRC}},
            "offers[0].operator.country",
            "must be at most 2 characters long",
        ),
        ({"apis": [None]}, "offers[0].apis[0]", "expected text, got nothing (null)"),
        ({"operator": []}, "offers[0].operator", "expected a mapping, got a list"),
    ],
)
def test_refusals_are_worded_for_someone_editing_yaml(
    tmp_path: Path, change: dict[str, Any], field: str, message: str
) -> None:
    error = rejected(tmp_path, offer(**change))
    assert (error.field, error.message) == (field, message)


def test_a_key_that_is_not_text_is_refused_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "keys.yaml"
    path.write_text("schema_version: 1\noffers:\n  - 3: three\n", encoding="utf-8")
    error = rejection(path)
    assert error.field == "offers[0]"
    assert "every key must be text" in error.message


def test_a_missing_required_field_is_named(tmp_path: Path) -> None:
    incomplete = offer()
    del incomplete["operator"]["source"]
    error = rejected(tmp_path, incomplete)
    assert (error.field, error.message) == ("offers[0].operator.source", "required field is missing")


def test_the_first_problem_in_the_file_is_the_one_reported(tmp_path: Path) -> None:
    error = rejected(tmp_path, offer(name="", us_controlled="no"))
    assert (error.field, error.message) == ("offers[0].name", "must not be empty")


# --- cross-field rules ------------------------------------------------------------------------------------


def test_a_us_controlled_offer_cannot_claim_secnumcloud(tmp_path: Path) -> None:
    claim = us_service(qualifications=[qualification("secnumcloud")])
    error = rejected(tmp_path, claim)
    assert error.field == "offers[0].qualifications[0]"
    assert "US-controlled" in error.message
    # HDS is not a sovereignty test: a US company can hold it.
    hds = us_service(qualifications=[qualification("hds")])
    assert load(tmp_path, hds).get("bigcloud") is not None


def test_an_operator_in_the_us_must_be_marked_us_controlled(tmp_path: Path) -> None:
    error = rejected(tmp_path, us_service(us_controlled=False))
    assert error.field == "offers[0].us_controlled"
    # The converse is allowed: a European subsidiary of a US company is US-controlled.
    subsidiary = us_service(operator={"entity": "BigCloud Ireland Ltd", "country": "ie", "source": SRC})
    loaded = load(tmp_path, subsidiary).get("bigcloud")
    assert loaded is not None
    assert loaded.us_controlled
    assert loaded.operator.country == "IE"


def test_a_region_cannot_list_a_scheme_the_offer_does_not_hold(tmp_path: Path) -> None:
    hds_only = offer(qualifications=[qualification("hds")])
    error = rejected(tmp_path, offer("first"), hds_only)
    assert error.field == "offers[1].regions[0].qualifications[0]"
    assert "'secnumcloud' is not one of the offer's qualifications" in error.message


def test_a_region_cannot_list_a_scheme_twice(tmp_path: Path) -> None:
    error = rejected(tmp_path, offer(regions=[{"name": "SOV-1", "qualifications": ["hds", "hds"]}]))
    assert error.field == "offers[0].regions[0].qualifications[1]"


@pytest.mark.parametrize(
    ("regions", "field"),
    [
        ([{"name": "SOV-1"}, {"name": "sov-1"}], "offers[0].regions[1].name"),
        (
            [{"name": "SOV-1", "aliases": ["par"]}, {"name": "SOV-2", "aliases": ["PAR"]}],
            "offers[0].regions[1].aliases[0]",
        ),
        ([{"name": "SOV-1", "aliases": ["sov-1"]}], "offers[0].regions[0].aliases[0]"),
    ],
)
def test_region_names_and_aliases_are_unique_within_an_offer(
    tmp_path: Path, regions: list[dict[str, Any]], field: str
) -> None:
    error = rejected(tmp_path, offer(regions=regions))
    assert error.field == field
    assert "already used by" in error.message


def test_the_same_region_name_in_two_offers_is_fine(tmp_path: Path) -> None:
    catalog = load(tmp_path, offer("a"), offer("b", regions=[{"name": "SOV-1"}]))
    assert [o.id for o in catalog.offers_for_region("sov-1")] == ["a", "b"]


def test_expiry_before_grant_is_an_error(tmp_path: Path) -> None:
    backwards = qualification("hds", date(2026, 1, 1), date(2025, 1, 1))
    error = rejected(tmp_path, offer(qualifications=[backwards], regions=[]))
    assert error.field == "offers[0].qualifications[0].expires"
    assert "before granted" in error.message


def test_offer_ids_are_unique_within_a_file(tmp_path: Path) -> None:
    error = rejected(tmp_path, offer("a"), offer("b"), offer("a"))
    assert (error.field, error.message) == ("offers[2].id", "offer id 'a' is already used by offers[0]")


@pytest.mark.parametrize(
    ("endpoints", "field", "message"),
    [
        ({"keystone": ["https://auth.sov.test/v3"]}, "offers[0].endpoints.keystone[0]", "not a URL"),
        ({"domains": ["ok.test", "bad host.test"]}, "offers[0].endpoints.domains[1]", "not a host name"),
        ({"domains": ["192.0.2.1"]}, "offers[0].endpoints.domains[0]", "ip_addresses"),
        ({"ip_addresses": ["8.8.8.888"]}, "offers[0].endpoints.ip_addresses[0]", "not an IP address"),
        ({"ip_addresses": ["192.0.2.1/16"]}, "offers[0].endpoints.ip_addresses[0]", "not an IP address"),
    ],
)
def test_endpoints_must_be_hosts_and_addresses(
    tmp_path: Path, endpoints: dict[str, Any], field: str, message: str
) -> None:
    error = rejected(tmp_path, offer(endpoints=endpoints))
    assert error.field == field
    assert message in error.message


@pytest.mark.parametrize(
    ("packages", "field"),
    [
        ({"pulumi": ["AWS"]}, "offers[0].packages.pulumi[0]"),
        ({"pulumi": ["ok", "hashicorp/aws"]}, "offers[0].packages.pulumi[1]"),
        ({"terraform": ["aws"]}, "offers[0].packages.terraform[0]"),
        ({"terraform": ["a/b/c/d"]}, "offers[0].packages.terraform[0]"),
    ],
)
def test_package_names_must_be_well_formed(tmp_path: Path, packages: dict[str, Any], field: str) -> None:
    assert rejected(tmp_path, offer(packages=packages)).field == field


def test_catalog_values_are_normalized(tmp_path: Path) -> None:
    catalog = load(
        tmp_path,
        offer(
            endpoints={"keystone": ["Auth.Sov.TEST."], "ip_addresses": ["2001:DB8:0:0::1", "192.0.2.0/24"]},
            packages={"terraform": ["registry.terraform.io/Sov/Sov"]},
        ),
    )
    sov = catalog.get("sov")
    assert sov is not None
    assert sov.endpoints.keystone == ("auth.sov.test",)
    assert sov.endpoints.ip_addresses == ("2001:db8::1", "192.0.2.0/24")
    assert sov.packages.terraform == ("Sov/Sov",)


# --- dates ------------------------------------------------------------------------------------------------


def test_an_expired_qualification_no_longer_qualifies_its_regions(tmp_path: Path) -> None:
    lapsing = offer(
        qualifications=[
            qualification("secnumcloud", date(2020, 1, 1), date(2023, 1, 1)),
            qualification("hds"),
        ]
    )
    catalog = load(tmp_path, lapsing)
    assert catalog.region_qualified("SOV-1", "secnumcloud", on=date(2022, 6, 1))
    assert catalog.region_qualified("SOV-1", "secnumcloud", on=date(2023, 1, 1))  # the last valid day
    assert not catalog.region_qualified("SOV-1", "secnumcloud", on=date(2023, 1, 2))
    assert not catalog.region_qualified("SOV-1", "secnumcloud", on=date(2019, 12, 31))  # not yet granted
    assert catalog.region_qualified("SOV-1", "hds", on=date(2030, 1, 1))  # no published end


def test_a_region_is_qualified_only_for_the_schemes_it_lists(small_catalog: Catalog) -> None:
    today = date(2026, 6, 1)
    assert small_catalog.region_qualified("SNC-NOHDS-1", "secnumcloud", on=today)
    assert not small_catalog.region_qualified("SNC-NOHDS-1", "hds", on=today)
    assert not small_catalog.region_qualified("PUB-1", "secnumcloud", on=today)
    assert not small_catalog.region_qualified("NOWHERE-1", "secnumcloud", on=today)


def test_a_us_offer_never_qualifies_a_region_even_for_hds(tmp_path: Path) -> None:
    us = us_service(
        qualifications=[qualification("hds")],
        regions=[{"name": "BIG-EU-1", "qualifications": ["hds"]}],
    )
    catalog = load(tmp_path, us)
    assert catalog.get("bigcloud") is not None
    assert catalog.offers_for_region("big-eu-1")
    assert not catalog.region_qualified("BIG-EU-1", "hds")


def test_region_qualification_can_be_restricted_to_the_offers_a_package_reaches(
    small_catalog: Catalog,
) -> None:
    today = date(2026, 6, 1)
    assert small_catalog.region_qualified("SNC-PAR-1", "secnumcloud", "openstack", today)
    assert small_catalog.region_qualified(
        "SNC-PAR-1", "secnumcloud", "registry.terraform.io/terraform-provider-openstack/openstack", today
    )
    assert not small_catalog.region_qualified("SNC-PAR-1", "secnumcloud", "aws", today)


# --- overlays ---------------------------------------------------------------------------------------------


def test_an_overlay_replaces_offers_by_id_and_adds_new_ones(tmp_path: Path) -> None:
    base = write(tmp_path, offer("a"), offer("b"), name="base.yaml")
    replacement = offer(
        "b",
        name="b from the contract",
        regions=[
            {
                "name": "CONTRACT-1",
                "qualifications": ["secnumcloud"],
                "source": {"url": "contract:HDH-2026-01 annex 3", "as_of": date(2026, 3, 1)},
            }
        ],
    )
    overlay = write(tmp_path, replacement, offer("c"), name="contract.yaml", as_of=date(2026, 3, 1))
    catalog = load_catalog([base, overlay], replace=True)
    assert [o.id for o in catalog.offers] == ["a", "b", "c"]
    b = catalog.get("b")
    assert b is not None
    assert b.name == "b from the contract"
    assert [r.name for r in b.regions] == ["CONTRACT-1"]  # replaced whole, not merged
    assert [o.id for o in catalog.offers_for_region("SOV-2")] == ["a", "c"]  # b's old regions are gone
    assert catalog.region_qualified("CONTRACT-1", "secnumcloud", on=date(2026, 6, 1))
    assert catalog.sources == (str(base), str(overlay))
    assert catalog.dates[str(overlay)] == date(2026, 3, 1)
    assert (catalog.origin("a"), catalog.origin("b")) == (str(base), str(overlay))


def test_without_replace_overlays_apply_on_top_of_the_shipped_catalog(tmp_path: Path) -> None:
    shipped_ids = [o.id for o in builtin_catalog_file().offers]
    catalog = load_catalog([write(tmp_path, offer("agency-contract-offer"))])
    assert catalog.sources == (BUILTIN, str(tmp_path / "catalog.yaml"))
    assert [o.id for o in catalog.offers] == [*shipped_ids, "agency-contract-offer"]
    assert catalog.origin("agency-contract-offer") == str(tmp_path / "catalog.yaml")


def test_replace_drops_the_shipped_catalog(tmp_path: Path) -> None:
    catalog = load_catalog([write(tmp_path, offer("only"))], replace=True)
    assert [o.id for o in catalog.offers] == ["only"]
    assert BUILTIN not in catalog.sources


def test_replace_without_any_overlay_is_an_input_error() -> None:
    with pytest.raises(InputError, match="needs at least one --catalog FILE"):
        load_catalog([], replace=True)


def test_a_bad_overlay_fails_the_whole_load(tmp_path: Path) -> None:
    good = write(tmp_path, offer("a"), name="good.yaml")
    bad = write(tmp_path, offer("b", us_controlled="maybe"), name="bad.yaml")
    with pytest.raises(InputError) as caught:
        load_catalog([good, bad], replace=True)
    assert caught.value.file == str(bad)


_INDEXED = Catalog(
    msgspec.convert(entry, Offer)
    for entry in (
        offer("exact", endpoints={"keystone": ["auth.sov.test"]}),
        offer("star", endpoints={"domains": ["*.sov.test"]}),
        offer("dot", endpoints={"domains": [".api.sov.test"]}),
        offer("glob", endpoints={"domains": ["eu-?.api.sov.test"]}),
        offer("other", endpoints={"domains": ["*.bigcloudapis.test", "x.test"]}),
    )
)

# --- hosts, addresses and packages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "patterns", "matches"),
    [
        ("auth.sov.test", ["auth.sov.test"], True),
        ("AUTH.Sov.test.", ["auth.sov.test"], True),
        ("api.sov.test", ["*.sov.test"], True),
        ("a.b.sov.test", ["*.sov.test"], True),
        ("sov.test", ["*.sov.test"], True),
        ("evilsov.test", ["*.sov.test"], False),
        ("sov.test.evil.example", ["*.sov.test"], False),
        ("api.sov.test", [".sov.test"], True),
        ("eu-1.api.sov.test", ["eu-?.api.sov.test"], True),
        ("eu-10.api.sov.test", ["eu-?.api.sov.test"], False),
        ("auth.sov.test", [], False),
    ],
)
def test_host_matching(host: str, patterns: list[str], matches: bool) -> None:
    assert host_matches(host, patterns) is matches


@given(
    st.lists(
        st.sampled_from(["sov", "test", "api", "eu-1", "eu-10", "x", "bigcloudapis", "auth"]),
        min_size=1,
        max_size=4,
    )
)
@settings(max_examples=200, deadline=None)
def test_the_host_index_answers_what_host_matches_answers(labels: list[str]) -> None:
    catalog = _INDEXED
    host = ".".join(labels)
    scanned = [
        o.id for o in catalog.offers if host_matches(host, (*o.endpoints.keystone, *o.endpoints.domains))
    ]
    assert [o.id for o in catalog.offers_for_host(host)] == scanned


def test_hosts_and_addresses_find_their_offers(tmp_path: Path) -> None:
    catalog = load(
        tmp_path,
        offer(),
        us_service(
            endpoints={
                "domains": ["*.bigcloudapis.test"],
                "ip_addresses": ["192.0.2.53", "2001:db8::53", "198.51.100.0/24"],
            }
        ),
    )
    assert [o.id for o in catalog.offers_for_host("auth.sov.test")] == ["sov"]
    assert catalog.us_controlled_host("auth.sov.test") is None
    big = catalog.get("bigcloud")
    assert catalog.us_controlled_host("storage.bigcloudapis.test") is big
    assert catalog.us_controlled_host("192.0.2.53") is big
    assert catalog.us_controlled_host("[2001:db8:0::53]") is big
    assert catalog.us_controlled_address("198.51.100.7") is big  # inside a listed network
    assert catalog.us_controlled_address("192.0.2.54") is None
    assert catalog.us_controlled_address("not-an-address") is None
    assert catalog.offers_for_host("unknown.example") == []


_ADDRESSES = [
    "192.0.2.53", " 192.0.2.53 ", "[192.0.2.53]", "198.51.100.0", "198.51.100.255", "198.51.101.0",
    "0.0.0.0", "255.255.255.255", "192.0.2.053", "192.0.2.256", "192.0.2", "192.0.2.53.1",  # noqa: S104
    "[ 192.0.2.53]", "2001:db8::53", "[2001:db8:0::53]", "2001:db8::53%eth0", "::ffff:192.0.2.53",
    "2001:db8::54", "1.2.3.4/32", "٨.8.8.8", "8.8.8.8\n", "",
]  # fmt: skip


@pytest.mark.parametrize("address", _ADDRESSES)
def test_address_lookups_answer_what_ipaddress_containment_answers(tmp_path: Path, address: str) -> None:
    """The integer fast path for dotted quads must agree with `ipaddress` on every spelling."""
    import ipaddress

    catalog = load(
        tmp_path,
        offer(endpoints={"ip_addresses": ["198.51.100.0/24", "::ffff:0:0/96"]}),
        us_service(endpoints={"ip_addresses": ["192.0.2.53", "2001:db8::53", "198.51.100.0/25"]}),
    )
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        expected = []
    else:
        expected = [
            o.id
            for o in catalog.offers
            if any(
                ip.version == network.version and ip in network
                for network in map(ipaddress.ip_network, o.endpoints.ip_addresses)
            )
        ]
    assert [o.id for o in catalog.offers_for_address(address)] == expected


def test_region_answers_do_not_depend_on_how_or_how_often_the_question_is_asked(
    small_catalog: Catalog,
) -> None:
    """Answers are memoized under the question as asked: each spelling still gets the normalized answer."""
    fresh = load_catalog([SMALL_CATALOG], replace=True)
    today, later = date(2026, 6, 1), date(2099, 1, 1)
    questions = [
        (region, scheme, package, day)
        for region in ("SNC-PAR-1", "snc-par-1", "SNC-NOHDS-1", "PUB-1", "NOWHERE-1")
        for scheme in ("secnumcloud", "hds")
        for package in (
            None,
            "openstack",
            "registry.terraform.io/terraform-provider-openstack/openstack",
            " Terraform-Provider-OpenStack/OpenStack ",
            "aws",
        )
        for day in (today, later)
    ]
    first = [fresh.region_qualified(*question) for question in questions]
    assert [fresh.region_qualified(*question) for question in questions] == first
    for (region, scheme, package, day), answer in zip(questions, first, strict=True):
        assert answer == fresh._region_qualified(region, scheme, package, day), (region, scheme, package, day)
    assert fresh.region_qualified("snc-par-1", "secnumcloud", "openstack", today)
    assert not fresh.region_qualified("snc-par-1", "secnumcloud", "aws", today)


def test_package_lookups_accept_pulumi_names_and_terraform_sources(tmp_path: Path) -> None:
    catalog = load(
        tmp_path,
        offer(),
        us_service(packages={"pulumi": ["bigcloud", "bigcloud-native"], "terraform": ["BigCorp/bigcloud"]}),
    )
    big = catalog.get("bigcloud")
    for package in (
        "bigcloud",
        "bigcloud-native",
        "bigcorp/bigcloud",
        "registry.terraform.io/bigcorp/bigcloud",
        "registry.opentofu.org/BigCorp/BigCloud",
    ):
        assert catalog.offers_for_package(package) == [big], package
        assert catalog.us_controlled_package(package) is big, package
    assert catalog.offers_for_package("hashicorp/bigcloud") == []
    assert catalog.us_controlled_package("openstack") is None
    assert [
        o.id
        for o in catalog.offers_for_package("registry.terraform.io/terraform-provider-openstack/openstack")
    ] == ["sov"]


def test_a_package_reaching_us_and_non_us_offers_is_told_apart_by_host_or_region(tmp_path: Path) -> None:
    """Like `gcp`, which reaches Google Cloud and S3NS: the entity behind the endpoint decides."""
    sovereign = offer(
        "sov-google-tech",
        regions=[{"name": "u-sov-east1", "qualifications": ["secnumcloud"]}],
        endpoints={"domains": ["*.sovapis.test"]},
        packages={"pulumi": ["bigcloud"]},
    )
    us = us_service(regions=[{"name": "us-central9"}])
    catalog = load(tmp_path, sovereign, us)
    big = catalog.get("bigcloud")
    assert catalog.us_controlled_package("bigcloud") is None  # cannot tell without more
    assert catalog.us_controlled_package("bigcloud", region="u-sov-east1") is None
    assert catalog.us_controlled_package("bigcloud", region="us-central9") is big
    assert catalog.us_controlled_package("bigcloud", host="compute.sovapis.test") is None
    assert catalog.us_controlled_package("bigcloud", host="compute.bigcloudapis.test") is big
    # The host is where calls go: it wins over the region.
    assert catalog.us_controlled_package("bigcloud", region="u-sov-east1", host="x.bigcloudapis.test") is big
    # Neither offer's: left to the region and endpoint checks, which fail closed.
    assert catalog.us_controlled_package("bigcloud", region="elsewhere-1") is None


# --- the view ---------------------------------------------------------------------------------------------


def test_render_catalog_json_shape(tmp_path: Path) -> None:
    lapsed = offer(
        "lapsed",
        qualifications=[
            qualification("secnumcloud", date(2019, 1, 1), date(2022, 1, 1)),
            qualification("hds"),
        ],
        status="qualification lapsed; renewal [in progress]",
    )
    catalog = load(tmp_path, offer(), lapsed, us_service())
    view = json.loads(render_catalog(catalog, "json", on=date(2026, 6, 1)))
    assert set(view) == {"version", "on", "sources", "providers"}
    assert view["version"] == "1"
    assert view["sources"] == [{"file": str(tmp_path / "catalog.yaml"), "as_of": "2026-01-01"}]
    providers = {p["id"]: p for p in view["providers"]}
    assert list(providers) == ["sov", "lapsed", "bigcloud"]  # one entry per offer, services included

    sov = providers["sov"]
    assert {
        "id",
        "name",
        "kind",
        "operator",
        "us_controlled",
        "qualifications",
        "qualification_details",
        "regions",
        "endpoints",
        "capabilities",
        "packages",
        "status",
    } <= set(sov)
    assert sov["qualifications"] == ["secnumcloud", "hds"]
    assert all(name == name.lower() for name in sov["qualifications"])
    assert sov["qualification_details"][0] == {
        "name": "secnumcloud",
        "version": "3.2",
        "scope": "IaaS",
        "granted": "2025-01-01",
        "expires": "2028-01-01",
        "current": True,
        "source": {"url": "https://example.test/src", "as_of": "2026-01-01", "note": None},
    }
    assert sov["regions"][0]["name"] == "SOV-1"
    assert sov["regions"][0]["qualifications"] == ["secnumcloud", "hds"]
    assert sov["regions"][1]["qualifications"] == ["hds"]
    assert sov["operator"] == {
        "entity": "Sov SAS",
        "country": "FR",
        "source": {"url": "https://example.test/src", "as_of": "2026-01-01", "note": None},
    }
    assert sov["endpoints"]["keystone"] == ["auth.sov.test"]
    assert sov["packages"]["pulumi"] == ["openstack"]
    assert sov["us_controlled"] is False
    assert sov["kind"] == "offer"

    gone = providers["lapsed"]
    assert gone["qualifications"] == ["hds"]  # the lapsed scheme no longer counts...
    assert [d["current"] for d in gone["qualification_details"]] == [False, True]  # ...but stays visible
    assert gone["regions"][0]["qualifications"] == ["hds"]
    assert gone["regions"][0]["declared_qualifications"] == ["secnumcloud", "hds"]

    big = providers["bigcloud"]
    assert (big["kind"], big["us_controlled"], big["qualifications"]) == ("service", True, [])
    assert big["endpoints"]["ip_addresses"] == ["192.0.2.53", "2001:db8::53"]
    assert big["operator"]["country"] == "US"


def test_render_catalog_text_plain_and_rich(tmp_path: Path) -> None:
    catalog = load(tmp_path, offer(status="renewal [in progress]"), us_service())
    plain = render_catalog(catalog, "text", on=date(2026, 6, 1), color=False)
    assert "\x1b[" not in plain
    assert "sov: sov cloud [offer]" in plain
    assert "bigcloud: BigCloud [service]" in plain
    assert "SOV-1 (also sov-1a): secnumcloud, hds" in plain
    assert "US-controlled" in plain
    assert "renewal [in progress]" in plain
    rich = render_catalog(catalog, "text", on=date(2026, 6, 1), color=True)
    assert "\x1b[" in rich
    assert "renewal [in progress]" in rich  # brackets are text, not rich markup


def test_render_catalog_rejects_an_unknown_format(small_catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="unknown catalog format"):
        render_catalog(small_catalog, "yaml")


# --- the shipped catalog: well-formed and sourced (not which offers are qualified) -------------------------


def test_the_shipped_catalog_loads_and_every_fact_has_a_dated_source() -> None:
    shipped = builtin_catalog_file()
    assert shipped.as_of is not None
    assert shipped.offers
    catalog = load_catalog()
    assert len(catalog.offers) == len(shipped.offers)
    for entry in shipped.offers:
        sources = [entry.operator.source, *(q.source for q in entry.qualifications)]
        assert all(region.source or entry.source for region in entry.regions), entry.id
        if entry.endpoints.keystone or entry.endpoints.domains or entry.endpoints.ip_addresses:
            assert entry.endpoints.source or entry.source, entry.id
        if entry.packages.pulumi or entry.packages.terraform:
            assert entry.source, entry.id
        if not entry.capabilities.is_default():
            assert entry.capabilities.source or entry.source, entry.id
        sources += [s for s in (entry.source, entry.endpoints.source, entry.capabilities.source) if s]
        sources += [region.source for region in entry.regions if region.source]
        for source in sources:
            assert source.url.startswith("https://"), (entry.id, source.url)
            assert source.as_of <= shipped.as_of, (entry.id, source.url)
        if entry.kind == "offer" and not entry.us_controlled and not entry.qualifications:
            assert entry.status, f"{entry.id}: an offer without qualifications says why in its status"
    # It renders in both formats.
    assert json.loads(render_catalog(catalog, "json"))["providers"]
    assert render_catalog(catalog, "text", color=False)


# --- `souverain catalog` ----------------------------------------------------------------------------------


def test_cli_catalog_json_with_a_replacing_catalog() -> None:
    from souverain.cli.main import main

    result = CliRunner().invoke(
        main, ["catalog", "--format", "json", "--catalog", str(SMALL_CATALOG), "--replace-catalog"]
    )
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    small = yaml.safe_load(SMALL_CATALOG.read_text(encoding="utf-8"))
    assert [p["id"] for p in view["providers"]] == [o["id"] for o in small["offers"]]
    assert view["sources"][0]["file"] == str(SMALL_CATALOG)
    snc = next(p for p in view["providers"] if p["id"] == "acme-snc")
    assert all("secnumcloud" in r["qualifications"] for r in snc["regions"])


def test_cli_catalog_text_is_plain_when_not_a_terminal() -> None:
    from souverain.cli.main import main

    result = CliRunner().invoke(main, ["catalog", "--catalog", str(SMALL_CATALOG), "--replace-catalog"])
    assert result.exit_code == 0, result.output
    assert "acme-snc: Acme Sovereign IaaS [offer]" in result.stdout
    assert "\x1b[" not in result.stdout


def test_cli_bad_catalog_exits_2_with_one_line_naming_the_file(tmp_path: Path) -> None:
    from souverain.cli.main import main

    bad = write(tmp_path, us_service(qualifications=[qualification("secnumcloud")]))
    result = CliRunner().invoke(
        main, ["catalog", "--format", "json", "--catalog", str(bad), "--replace-catalog"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(bad) in lines[0]
    assert "offers[0].qualifications[0]" in lines[0]
    assert "Traceback" not in result.stderr


def test_the_documented_contract_overlay_loads_and_qualifies_its_region(tmp_path: Path) -> None:
    """docs/catalog.md's overlay example must stay a valid overlay that does what the text says."""
    docs = (Path(__file__).parent.parent / "docs" / "catalog.md").read_text(encoding="utf-8")
    example = docs.split("## Overlays", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    overlay = tmp_path / "contract.yaml"
    overlay.write_text(example, encoding="utf-8")
    catalog = load_catalog([overlay])
    offer_id = yaml.safe_load(example)["offers"][0]["id"]
    entry = catalog.get(offer_id)
    assert entry is not None
    assert catalog.origin(offer_id) == str(overlay)
    region = entry.regions[0].name
    assert catalog.region_qualified(region, "secnumcloud", "openstack", date(2026, 12, 3))
    assert catalog.offers_for_host(entry.endpoints.keystone[0]) == [entry]


def test_an_impossible_date_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad-date.yaml"
    bad.write_text("schema_version: 1\nas_of: 2026-13-01\noffers: []\n", encoding="utf-8")
    from souverain.cli.main import main

    result = CliRunner().invoke(main, ["catalog", "--catalog", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output
    assert "Traceback" not in result.output
