"""qualified-region with placements and endpoint settings, against the mutants that survived its tests
(docs/mutation.md): every placement is judged even after one unknown until apply, and "only through"
names the offers the resource's own package reaches, not every offer serving the region. The catalog is
tests/fixtures/catalogs/placement.yaml (invented) with an invented neighbour; messages written by hand.
"""

from __future__ import annotations

from pathlib import Path

from test_placement_and_endpoints import CATALOG, findings, preview, step

from souverain.catalog import Catalog, load_catalog
from souverain.readers._common import PULUMI_UNKNOWN

NEIGHBOUR = """
schema_version: 1
as_of: 2026-01-01
offers:
  - id: neighbour
    name: Neighbour Cloud
    operator: {entity: Neighbour SAS, country: FR, source: {url: "https://example.test/n", as_of: 2026-01-01}}
    us_controlled: false
    qualifications:
      - {scheme: secnumcloud, scope: IaaS, source: {url: "https://example.test/n/snc", as_of: 2026-01-01}}
    regions:
      - {name: t-france-east1, qualifications: [secnumcloud]}
    packages: {pulumi: [ovh], terraform: [ovh/ovh]}
  - id: neighbour-par
    name: Neighbour Paris
    operator: {entity: Neighbour SAS, country: FR, source: {url: "https://example.test/n", as_of: 2026-01-01}}
    us_controlled: false
    regions:
      - {name: nb-par}
    packages: {pulumi: [ovh], terraform: [ovh/ovh]}
"""


def test_every_placement_is_judged_after_one_unknown_until_apply() -> None:
    catalog = load_catalog([CATALOG], replace=True)
    # A GKE cluster in its legacy shape: `region`, `location` (another resource's output) and `zone`.
    document = preview(
        step(
            "gcp:container/cluster:Cluster",
            "gke",
            {"region": "t-france-east1", "location": PULUMI_UNKNOWN, "zone": "europe-west9-a"},
        ),
        config={"gcp:universeDomain": "trustedapis.test"},
    )
    assert findings(document, catalog) == {
        "qualified-region gke": [
            "location is unknown until apply, so it cannot be shown to be in region 't-france-east1' "
            "(unknown)",
            "zone 'europe-west9-a' is not one of the zones the catalog lists for region 't-france-east1'",
        ]
    }


def test_only_through_names_the_offers_the_package_reaches(tmp_path: Path) -> None:
    overlay = tmp_path / "neighbour.yaml"
    overlay.write_text(NEIGHBOUR, encoding="utf-8")
    catalog: Catalog = load_catalog([CATALOG, overlay], replace=True)
    document = preview(
        step("gcp:sql/databaseInstance:DatabaseInstance", "db", {"region": "t-france-east1"}),
        config={"gcp:project": "hdh", "gcp:region": "t-france-east1"},
    )
    # Neighbour Cloud qualifies the region too, but package 'gcp' never reaches it.
    assert findings(document, catalog)["qualified-region db"] == [
        "region 't-france-east1' is SecNumCloud-qualified only through Trusted Cloud; package 'gcp' "
        "reaches that offer only at its own endpoint, but its provider sets no universe_domain, so it "
        "reaches the default hyperapis.test (HyperCloud)"
    ]


def test_another_package_s_qualification_in_progress_is_not_named(tmp_path: Path) -> None:
    overlay = tmp_path / "neighbour.yaml"
    overlay.write_text(NEIGHBOUR, encoding="utf-8")
    catalog = load_catalog([CATALOG, overlay], replace=True)
    # Nimbus Cloud (package scaleway) is in progress in nb-par; Neighbour Paris (package ovh) is nothing.
    ovh = preview(step("ovh:cloudproject/containerRegistry:ContainerRegistry", "reg", {"region": "nb-par"}))
    assert findings(ovh, catalog)["qualified-region reg"] == [
        "region 'nb-par' is not SecNumCloud-qualified for this provider"
    ]
    scaleway = preview(step("scaleway:instance/server:Server", "app", {"zone": "nb-par-1"}))
    assert findings(scaleway, catalog)["qualified-region app"] == [
        "zone 'nb-par-1' (region nb-par) is not SecNumCloud-qualified: nb-par (Nimbus Cloud): SecNumCloud "
        "qualification in progress since 2025-01, not qualified"
    ]


def test_a_region_qualified_for_another_package_only_is_not_qualified_for_this_one() -> None:
    catalog = load_catalog([CATALOG], replace=True)
    # `google-native` reaches HyperCloud only (at its default universe); Trusted Cloud qualifies the region
    # for package `gcp`, which this resource does not use: no "only through" for it.
    document = preview(
        step("google-native:sqladmin/v1beta4:Instance", "db", {"region": "t-france-east1"}),
        config={"google-native:project": "hdh"},
    )
    assert findings(document, catalog)["qualified-region db"] == [
        "region 't-france-east1' is not SecNumCloud-qualified for this provider"
    ]
