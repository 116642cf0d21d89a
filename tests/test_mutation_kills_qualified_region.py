"""qualified-region asks about the resource's own package, for SecNumCloud and for HDS alike.

A region can be served by several offers reached by different packages: what qualifies it for one package
says nothing for another. Written against a surviving mutant (docs/mutation.md) that asked the HDS
question for any package. The catalog is invented here; verdicts are written by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import context, pulumi_resource
from souverain.policies.qualified_region import POLICY

from souverain.catalog import Catalog, load_catalog
from souverain.policy import Settings

SHARED_REGION_CATALOG = """
schema_version: 1
as_of: 2026-01-01
offers:
  - id: stack-a
    name: Offer A (SecNumCloud only)
    operator: {entity: A SAS, country: FR, source: {url: "https://example.test/a", as_of: 2026-01-01}}
    us_controlled: false
    qualifications:
      - {scheme: secnumcloud, scope: IaaS, granted: 2025-01-01, expires: 2030-01-01,
         source: {url: "https://example.test/a/snc", as_of: 2026-01-01}}
    regions:
      - {name: SHARED-1, qualifications: [secnumcloud]}
    packages: {pulumi: [openstack]}
  - id: stack-b
    name: Offer B (SecNumCloud and HDS)
    operator: {entity: B SAS, country: FR, source: {url: "https://example.test/b", as_of: 2026-01-01}}
    us_controlled: false
    qualifications:
      - {scheme: secnumcloud, scope: IaaS, granted: 2025-01-01, expires: 2030-01-01,
         source: {url: "https://example.test/b/snc", as_of: 2026-01-01}}
      - {scheme: hds, scope: IaaS, granted: 2025-01-01, expires: 2030-01-01,
         source: {url: "https://example.test/b/hds", as_of: 2026-01-01}}
    regions:
      - {name: SHARED-1, qualifications: [secnumcloud, hds]}
    packages: {pulumi: [outscale]}
"""

HEALTH = Settings(health_data=True)


@pytest.fixture
def shared_region_catalog(tmp_path: Path) -> Catalog:
    path = tmp_path / "shared.yaml"
    path.write_text(SHARED_REGION_CATALOG, encoding="utf-8")
    return load_catalog([path], replace=True)


def _messages(type_token: str, catalog: Catalog, settings: Settings) -> list[str]:
    assert POLICY.check_resource is not None
    resource = pulumi_resource(type_token, {"name": "data"}, provider_region="SHARED-1")
    return [violation.message for violation in POLICY.check_resource(resource, context(catalog, settings))]


def test_hds_is_asked_for_the_resources_own_package(shared_region_catalog: Catalog) -> None:
    """Offer B certifies SHARED-1 for HDS, but an openstack resource lands on offer A, which is not."""
    assert _messages("openstack:blockstorage/volume:Volume", shared_region_catalog, HEALTH) == [
        "region 'SHARED-1' is not HDS-certified, and the stack holds health data"
    ]


def test_the_package_whose_offer_is_certified_passes(shared_region_catalog: Catalog) -> None:
    assert _messages("outscale:index/volume:Volume", shared_region_catalog, HEALTH) == []


def test_without_health_data_the_secnumcloud_region_is_enough(shared_region_catalog: Catalog) -> None:
    assert _messages("openstack:blockstorage/volume:Volume", shared_region_catalog, Settings()) == []
