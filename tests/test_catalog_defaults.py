"""The catalog's `defaults`: the host a value without one reaches (Docker Hub for image references)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, SMALL_CATALOG

from souverain.catalog import load_catalog, parse_catalog
from souverain.catalog_view import catalog_view
from souverain.errors import InputError

HUB = {
    "id": "hub",
    "name": "Hub",
    "kind": "service",
    "operator": {
        "entity": "Hub Inc.",
        "country": "US",
        "source": {"url": "https://example.test", "as_of": "2026-01-01"},
    },
    "us_controlled": True,
    "endpoints": {"domains": ["hub.example.test"]},
}


def _catalog(default: dict[str, object]) -> dict[str, object]:
    return {"schema_version": 1, "offers": [{**HUB, "defaults": [default]}]}


SOURCE = {"url": "https://example.test/default", "as_of": "2026-01-01"}


def test_a_default_registry_is_read_with_its_source() -> None:
    parsed = parse_catalog(
        _catalog({"role": "container-registry", "host": "Hub.Example.Test.", "source": SOURCE}), "c.yaml"
    )
    [default] = parsed.offers[0].defaults
    assert default.host == "hub.example.test"
    assert default.source.url == "https://example.test/default"


@pytest.mark.parametrize(
    ("default", "message"),
    [
        ({"role": "container-registry", "host": "*.example.test", "source": SOURCE}, "a pattern"),
        (
            {"role": "container-registry", "host": "https://hub.example.test/", "source": SOURCE},
            "not a host name",
        ),
        ({"role": "container-registry", "host": "hub.example.test"}, "source"),
        ({"role": "dns-resolver", "host": "hub.example.test", "source": SOURCE}, "role"),
    ],
)
def test_bad_defaults_are_refused_naming_the_field(default: dict[str, object], message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_catalog(_catalog(default), "c.yaml")
    text = str(caught.value)
    assert "c.yaml" in text
    assert "defaults[0]" in text
    assert message in text


def test_the_last_declared_default_wins(tmp_path: Path) -> None:
    registries = FIXTURES / "catalogs" / "registries.yaml"
    overlay = tmp_path / "mirror.yaml"
    mirror = {
        **HUB,
        "id": "own-mirror",
        "operator": {**HUB["operator"], "country": "FR"},
        "us_controlled": False,  # type: ignore[dict-item]
        "endpoints": {"domains": ["mirror.snc.acme.test"]},
        "defaults": [{"role": "container-registry", "host": "mirror.snc.acme.test", "source": SOURCE}],
    }
    overlay.write_text(yaml.safe_dump({"schema_version": 1, "offers": [mirror]}), encoding="utf-8")
    assert load_catalog([SMALL_CATALOG], replace=True).default_host("container-registry") is None
    before = load_catalog([SMALL_CATALOG, registries], replace=True).default_host("container-registry")
    assert before is not None
    assert before[0] == "hub.example.test"
    after = load_catalog([SMALL_CATALOG, registries, overlay], replace=True).default_host(
        "container-registry"
    )
    assert after is not None
    assert after[0] == "mirror.snc.acme.test"
    assert after[1].id == "own-mirror"


def test_the_catalog_view_shows_defaults() -> None:
    catalog = load_catalog([SMALL_CATALOG, FIXTURES / "catalogs" / "registries.yaml"], replace=True)
    view = catalog_view(catalog)
    [hub] = [offer for offer in view["providers"] if offer["id"] == "hubcloud"]
    assert hub["defaults"] == [
        {
            "role": "container-registry",
            "host": "hub.example.test",
            "source": {"url": "https://example.test/hubcloud/default", "as_of": "2026-01-01", "note": None},
        }
    ]
