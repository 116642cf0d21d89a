"""The catalog fields of issues 12 and 13: a region's zones, qualifications in progress, and the provider
setting that decides which offer a package reaches. Validation, lookups and the `souverain catalog` view,
on small catalogs written here."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_catalog import SRC, load, offer, rejected, us_service, write

from souverain.catalog import load_catalog
from souverain.catalog_view import render_catalog
from souverain.errors import InputError
from souverain.model import UNKNOWN, Secret

IN_PROGRESS = {"scheme": "secnumcloud", "since": "2025-01", "milestone": "J0", "source": SRC}
SETTING = {"setting": "universe_domain", "default": "bigcloudapis.test", "source": SRC}


def google_like(tmp_path: Path, sovereign_setting: dict[str, Any] | None = SETTING) -> Any:
    """A package `bigcloud` reaching a sovereign offer (domain sovapis.test) and a US one (the default)."""
    packages: dict[str, Any] = {"pulumi": ["bigcloud"], "terraform": ["bigcorp/bigcloud"]}
    sovereign = offer(
        "sov-tech",
        regions=[{"name": "u-sov-east1", "qualifications": ["secnumcloud"], "zones": ["u-sov-east1-a"]}],
        endpoints={"domains": ["*.sovapis.test"]},
        packages={**packages, **({"endpoint_setting": sovereign_setting} if sovereign_setting else {})},
    )
    us = us_service(packages={**packages, "endpoint_setting": SETTING})
    return load(tmp_path, sovereign, us)


# --- zones ------------------------------------------------------------------------------------------------


def test_a_zone_finds_its_region(tmp_path: Path) -> None:
    catalog = load(
        tmp_path, offer(regions=[{"name": "SOV-1", "qualifications": ["secnumcloud"], "zones": ["sov-1a"]}])
    )
    sov = catalog.get("sov")
    assert sov is not None
    region = sov.region("SOV-1A")
    assert region is not None
    assert region.name == "SOV-1"
    assert catalog.region_qualified("sov-1a", "secnumcloud", on=date(2026, 6, 1))
    assert not catalog.region_qualified("sov-1b", "secnumcloud", on=date(2026, 6, 1))


@pytest.mark.parametrize(
    ("regions", "field"),
    [
        ([{"name": "SOV-1", "zones": ["sov-1"]}], "offers[0].regions[0].zones[0]"),
        ([{"name": "SOV-1", "aliases": ["par"], "zones": ["PAR"]}], "offers[0].regions[0].zones[0]"),
        (
            [{"name": "SOV-1", "zones": ["z1"]}, {"name": "SOV-2", "zones": ["Z1"]}],
            "offers[0].regions[1].zones[0]",
        ),
    ],
)
def test_zone_names_are_unique_within_an_offer(
    tmp_path: Path, regions: list[dict[str, Any]], field: str
) -> None:
    error = rejected(tmp_path, offer(regions=regions))
    assert error.field == field
    assert "already used by" in error.message


# --- qualifications in progress ---------------------------------------------------------------------------


def test_a_qualification_in_progress_never_qualifies(tmp_path: Path) -> None:
    catalog = load(
        tmp_path,
        offer(
            "pending",
            qualifications=[],
            qualifications_in_progress=[IN_PROGRESS],
            regions=[{"name": "PEND-1"}],
        ),
    )
    pending = catalog.get("pending")
    assert pending is not None
    assert not catalog.region_qualified("PEND-1", "secnumcloud", on=date(2026, 6, 1))
    assert not pending.has_scheme("secnumcloud", date(2026, 6, 1))
    entry = pending.in_progress("secnumcloud")
    assert entry is not None
    assert (entry.since, entry.milestone) == ("2025-01", "J0")
    assert pending.in_progress("hds") is None


def test_a_region_cannot_claim_a_scheme_that_is_only_in_progress(tmp_path: Path) -> None:
    error = rejected(
        tmp_path,
        offer(
            "pending",
            qualifications=[],
            qualifications_in_progress=[IN_PROGRESS],
            regions=[{"name": "PEND-1", "qualifications": ["secnumcloud"]}],
        ),
    )
    assert error.field == "offers[0].regions[0].qualifications[0]"


@pytest.mark.parametrize("since", ["2025-13", "January 2025", "2025/01", "25-01"])
def test_since_is_a_year_month_or_day(tmp_path: Path, since: str) -> None:
    error = rejected(tmp_path, offer(qualifications_in_progress=[{**IN_PROGRESS, "since": since}]))
    assert error.field == "offers[0].qualifications_in_progress[0].since"


def test_since_written_as_an_unquoted_date_is_refused_with_a_hint(tmp_path: Path) -> None:
    error = rejected(
        tmp_path, offer(qualifications_in_progress=[{**IN_PROGRESS, "since": date(2025, 4, 17)}])
    )
    assert error.field == "offers[0].qualifications_in_progress[0].since"
    assert error.message == 'expected text, got a date: quote it in YAML, as in "2025-04-17"'


def test_the_view_shows_zones_and_qualifications_in_progress(tmp_path: Path) -> None:
    catalog = load(
        tmp_path,
        offer(
            "pending",
            qualifications=[],
            qualifications_in_progress=[IN_PROGRESS],
            regions=[{"name": "PEND-1", "zones": ["pend-1a", "pend-1b"]}],
        ),
    )
    view = json.loads(render_catalog(catalog, "json", on=date(2026, 6, 1)))
    pending = view["providers"][0]
    assert pending["qualifications"] == []
    assert pending["qualifications_in_progress"] == [
        {
            "name": "secnumcloud",
            "version": None,
            "since": "2025-01",
            "milestone": "J0",
            "scope": None,
            "source": {"url": "https://example.test/src", "as_of": "2026-01-01", "note": None},
        }
    ]
    assert pending["regions"][0]["zones"] == ["pend-1a", "pend-1b"]
    text = render_catalog(catalog, "text", on=date(2026, 6, 1), color=False)
    assert "in progress    secnumcloud since 2025-01 (last milestone: J0): NOT qualified" in text
    assert "region         PEND-1 [zones pend-1a, pend-1b]: not qualified" in text


# --- endpoint settings -------------------------------------------------------------------------------------


def test_the_setting_or_its_default_names_the_host(tmp_path: Path) -> None:
    catalog = google_like(tmp_path)
    assert catalog.package_host("bigcloud", {}) == "bigcloudapis.test"
    assert catalog.package_host("registry.terraform.io/bigcorp/bigcloud", {"universe_domain": None}) == (
        "bigcloudapis.test"
    )
    assert catalog.package_host("bigcloud", {"universe_domain": "SovAPIs.test."}) == "sovapis.test"
    assert (
        catalog.package_host("bigcloud", {"universe_domain": "https://x.sovapis.test:443/v1"})
        == "x.sovapis.test"
    )
    assert catalog.package_host("bigcloud", {"universe_domain": Secret("sovapis.test")}) == "sovapis.test"
    assert catalog.package_host("bigcloud", {"universe_domain": UNKNOWN}) is UNKNOWN
    assert catalog.package_host("bigcloud", None) is UNKNOWN  # configuration not in the input
    assert catalog.package_host("openstack", {}) is None  # no setting recorded: not decided this way
    assert [o.id for o in catalog.offers_for_package_at("bigcloud", "sovapis.test")] == ["sov-tech"]
    assert [o.id for o in catalog.offers_for_package_at("bigcloud", "bigcloudapis.test")] == ["bigcloud"]
    assert catalog.offers_for_package_at("bigcloud", "elsewhere.test") == []


def test_one_offer_declaring_the_setting_is_enough(tmp_path: Path) -> None:
    catalog = google_like(tmp_path, sovereign_setting=None)
    assert catalog.package_host("bigcloud", {}) == "bigcloudapis.test"


def test_region_qualification_follows_the_host(tmp_path: Path) -> None:
    catalog = google_like(tmp_path)
    day = date(2026, 6, 1)
    assert catalog.region_qualified("u-sov-east1-a", "secnumcloud", "bigcloud", day, host="sovapis.test")
    assert not catalog.region_qualified(
        "u-sov-east1", "secnumcloud", "bigcloud", day, host="bigcloudapis.test"
    )
    assert catalog.region_qualified("u-sov-east1", "secnumcloud", "bigcloud", day)  # without the host


def test_offers_disagreeing_on_a_packages_setting_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        google_like(tmp_path, sovereign_setting={**SETTING, "default": "sovapis.test"})
    assert caught.value.field == "offer 'bigcloud': packages.endpoint_setting"
    assert "make them agree" in caught.value.message


def test_an_overlay_that_disagrees_with_the_shipped_setting_is_refused_naming_its_file(
    tmp_path: Path,
) -> None:
    """The shipped catalog records `gcp`'s universe_domain; an overlay must not contradict it silently."""
    clash = offer(
        "clash",
        packages={"pulumi": ["gcp"], "endpoint_setting": {**SETTING, "setting": "api_domain"}},
    )
    path = write(tmp_path, clash)
    with pytest.raises(InputError) as caught:
        load_catalog([path])
    assert caught.value.file == str(path)
    assert caught.value.field == "offer 'clash': packages.endpoint_setting"


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ({**SETTING, "default": "*.bigcloudapis.test"}, "offers[0].packages.endpoint_setting.default"),
        ({**SETTING, "default": "https://"}, "offers[0].packages.endpoint_setting.default"),
        ({**SETTING, "setting": "universeDomain"}, "offers[0].packages.endpoint_setting.setting"),
        ({"setting": "universe_domain", "default": "x.test"}, "offers[0].packages.endpoint_setting.source"),
    ],
)
def test_endpoint_settings_are_validated(tmp_path: Path, setting: dict[str, Any], field: str) -> None:
    error = rejected(tmp_path, offer(packages={"pulumi": ["bigcloud"], "endpoint_setting": setting}))
    assert error.field == field
