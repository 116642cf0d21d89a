"""An overlay cannot quietly declare qualified what the shipped catalog gives a non-qualified offer (issue 14
item 9); it can when it cites what supersedes the shipped fact (`supersedes`).

The "shipped" catalog here is the small test catalog (acme-public: not SecNumCloud-qualified, region PUB-1,
Keystone auth.public.acme.test; acme-us: US-controlled, region US-EAST-1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SMALL_CATALOG

from souverain.catalog import builtin_catalog_file, load_catalog, parse_catalog, refuse_unsupported_claims
from souverain.errors import InputError

SHIPPED = parse_catalog(yaml.safe_load(SMALL_CATALOG.read_text(encoding="utf-8")), "small").offers
SNC = {
    "scheme": "secnumcloud",
    "version": "3.2",
    "scope": "IaaS",
    "source": {"url": "contract:POD-2026 annex 1", "as_of": "2026-06-01"},
}
CITATION = {"offer": "acme-public", "source": {"url": "contract:POD-2026 §4.2", "as_of": "2026-06-01"}}


def overlay_offer(**overrides: Any) -> dict[str, Any]:
    offer: dict[str, Any] = {
        "id": "pod",
        "name": "Our dedicated PoD",
        "operator": {"entity": "Acme Cloud SAS", "country": "FR", "source": CITATION["source"]},
        "us_controlled": False,
        "apis": ["openstack"],
        "qualifications": [SNC],
        "regions": [{"name": "POD-1", "qualifications": ["secnumcloud"]}],
        "endpoints": {"keystone": ["keystone.pod.example.test"]},
    }
    offer.update(overrides)
    return offer


def judge(*offers: dict[str, Any]) -> None:
    parsed = parse_catalog({"schema_version": 1, "offers": list(offers)}, "overlay.yaml")
    refuse_unsupported_claims(parsed, SHIPPED, "overlay.yaml")


def refusal(*offers: dict[str, Any]) -> InputError:
    with pytest.raises(InputError) as caught:
        judge(*offers)
    return caught.value


def test_an_overlay_of_its_own_regions_and_endpoints_passes() -> None:
    judge(overlay_offer())


def test_claiming_a_non_qualified_offers_region_is_refused() -> None:
    regions = [
        {"name": "POD-1", "qualifications": ["secnumcloud"]},
        {"name": "pub-1", "qualifications": ["secnumcloud"]},
    ]
    error = refusal(overlay_offer(regions=regions))
    assert error.field == "offers[0].regions[1]"
    assert error.message.startswith(
        "region 'pub-1' belongs to Acme Public Cloud (not qualified) (acme-public) in the shipped catalog"
    )
    assert "supersedes: {offer: acme-public" in error.message


def test_claiming_it_under_an_alias_or_replacing_the_offer_itself_is_refused() -> None:
    aliased = [{"name": "POD-1", "aliases": ["PUB-1"], "qualifications": ["secnumcloud"]}]
    assert refusal(overlay_offer(regions=aliased)).field == "offers[0].regions[0]"
    # the same id: the overlay replaces the shipped offer whole, now with a qualification it lacked
    same = overlay_offer(id="acme-public", regions=[{"name": "PUB-1", "qualifications": ["secnumcloud"]}])
    assert refusal(same).field == "offers[0].regions[0]"


@pytest.mark.parametrize(
    "endpoints",
    [
        {"keystone": ["auth.public.acme.test"]},
        {"keystone": ["AUTH.PUBLIC.ACME.TEST."]},
        {"domains": ["*.acme.test"]},  # a wildcard that swallows the shipped host
        {"keystone": ["auth.us.acme.test"]},  # a US-controlled offer's
    ],
)
def test_claiming_a_non_qualified_offers_endpoint_is_refused(endpoints: dict[str, Any]) -> None:
    error = refusal(overlay_offer(endpoints=endpoints))
    assert error.field == "offers[0].endpoints"
    assert "in the shipped catalog, an offer that is not SecNumCloud-qualified" in error.message


def test_a_qualified_offers_endpoint_is_not_this_check_s_business() -> None:
    judge(overlay_offer(endpoints={"keystone": ["auth.snc.acme.test"]}))


def test_an_unqualified_overlay_offer_changes_no_verdict() -> None:
    judge(
        overlay_offer(
            qualifications=[], regions=[{"name": "PUB-1"}], endpoints={"keystone": ["auth.public.acme.test"]}
        )
    )


@pytest.mark.parametrize("citation", [CITATION, [CITATION]])
def test_a_citation_of_what_supersedes_the_shipped_fact_is_accepted(citation: Any) -> None:
    judge(
        overlay_offer(
            regions=[{"name": "PUB-1", "qualifications": ["secnumcloud"]}],
            endpoints={"keystone": ["auth.public.acme.test"]},
            supersedes=citation,
        )
    )


def test_a_citation_covers_only_the_offer_it_names() -> None:
    error = refusal(
        overlay_offer(
            regions=[{"name": "PUB-1", "qualifications": ["secnumcloud"]}],
            endpoints={"keystone": ["auth.us.acme.test"]},
            supersedes=CITATION,
        )
    )
    assert "acme-us" in error.message


def test_a_citation_needs_its_source() -> None:
    with pytest.raises(InputError) as caught:
        judge(overlay_offer(supersedes={"offer": "acme-public"}))
    assert "source" in caught.value.line()


def test_load_catalog_judges_overlays_against_the_shipped_catalog(tmp_path: Path) -> None:
    # Whatever the shipped catalog holds: take one of its offers that is not qualified for a region.
    target = next(
        (offer, region.name)
        for offer in builtin_catalog_file().offers
        for region in offer.regions
        if offer.us_controlled or not offer.region_qualified(region.name, "secnumcloud")
    )
    offer, region = target
    overlay = tmp_path / "overlay.yaml"
    document = {
        "schema_version": 1,
        "offers": [overlay_offer(regions=[{"name": region, "qualifications": ["secnumcloud"]}])],
    }
    overlay.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_catalog([overlay])
    assert caught.value.file == str(overlay)
    assert f"({offer.id})" in caught.value.message
    # with --replace-catalog nothing is shipped, so nothing is contradicted
    assert load_catalog([overlay], replace=True).offers_for_region(region)[0].id == "pod"
    document["offers"][0]["supersedes"] = {"offer": offer.id, "source": CITATION["source"]}
    overlay.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert "pod" in [o.id for o in load_catalog([overlay]).offers_for_region(region)]
