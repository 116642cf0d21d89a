"""encrypted-storage per kind, on an invented catalog whose offers each encrypt one thing only.

Written against mutants of `policies/encrypted_storage.py` that survived the policy's fast tests: databases
judged by the offer's database encryption and node pools by its block storage (not the other way round);
requests unknown until apply; every block device of an instance, whatever comes before it; any S3
server-side-encryption header among others; the offers named when a region's offer is not reached at its
endpoint. Every expected verdict is written by hand from the catalog below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import context, pulumi_resource
from souverain.policies.encrypted_storage import POLICY
from souverain.policies.encrypted_storage import check as check_storage
from test_placement_and_endpoints import GOOGLE, constant, resource, tf_plan

from souverain.catalog import Catalog, load_catalog
from souverain.engine import evaluate
from souverain.model import Resource
from souverain.readers import parse_plan

OFFERS = """
schema_version: 1
as_of: 2026-01-01
offers:
  - id: disks-only
    name: Disks Only
    operator: {entity: Disks SAS, country: FR, source: {url: "https://example.test/disks", as_of: 2026-01-01}}
    us_controlled: false
    regions: [{name: K-1}]
    capabilities: {block_storage_encrypted: true, database_encrypted: false, key_manager: none}
    packages: {pulumi: [scaleway, gcp]}
  - id: databases-only
    name: Databases Only
    operator: {entity: Bases SAS, country: FR, source: {url: "https://example.test/bases", as_of: 2026-01-01}}
    us_controlled: false
    regions: [{name: K-2}]
    capabilities: {block_storage_encrypted: false, database_encrypted: true, key_manager: none}
    packages: {pulumi: [scaleway, gcp]}
  - id: types-only
    name: Types Only
    operator: {entity: Types SAS, country: FR, source: {url: "https://example.test/types", as_of: 2026-01-01}}
    us_controlled: false
    regions: [{name: K-3}]
    capabilities: {encrypted_volume_types: [luks], object_storage_encrypted: false, key_manager: barbican}
    packages: {pulumi: [openstack]}
"""

DATABASE = "scaleway:databases/instance:Instance"
NODE_POOL = "gcp:container/nodePool:NodePool"
VOLUME = "openstack:blockstorage/volume:Volume"
INSTANCE = "openstack:compute/instance:Instance"
CONTAINER = "openstack:objectstorage/container:Container"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    path = tmp_path_factory.mktemp("catalog") / "kinds.yaml"
    path.write_text(OFFERS, encoding="utf-8")
    return load_catalog([path], replace=True)


def _found(resource: Resource, catalog: Catalog) -> list[tuple[str | None, bool, str]]:
    return [(v.path, v.unknown, v.message) for v in check_storage(resource, context(catalog))]


def test_a_database_is_judged_by_the_offers_database_encryption(catalog: Catalog) -> None:
    database = pulumi_resource(DATABASE, {"engine": "PostgreSQL-15"}, provider_region="K-1")
    assert _found(database, catalog) == [
        (
            None,
            False,
            "the managed databases of Disks Only are not recorded as encrypted at rest, and the database "
            "instance requests no encryption at rest (nor an encrypted volume type)",
        )
    ]
    assert (
        _found(pulumi_resource(DATABASE, {"engine": "PostgreSQL-15"}, provider_region="K-2"), catalog) == []
    )
    asked = pulumi_resource(
        DATABASE, {"engine": "PostgreSQL-15", "encryptionAtRest": True}, provider_region="K-1"
    )
    assert _found(asked, catalog) == []


def test_a_node_pool_is_judged_by_the_offers_block_storage(catalog: Catalog) -> None:
    pool = pulumi_resource(NODE_POOL, {"nodeCount": 3}, provider_region="K-2")
    assert _found(pool, catalog) == [
        (
            None,
            False,
            "the block storage of Databases Only is not recorded as encrypted at rest, and the node pool "
            "requests no key for its nodes' disks",
        )
    ]
    assert _found(pulumi_resource(NODE_POOL, {"nodeCount": 3}, provider_region="K-1"), catalog) == []


def test_a_request_unknown_until_apply_is_an_unknown_finding(catalog: Catalog) -> None:
    database = pulumi_resource(DATABASE, {"encryptionAtRest": UNKNOWN}, provider_region="K-1")
    [(path, unknown, message)] = _found(database, catalog)
    assert (path, unknown) == ("encryption_at_rest", True)
    assert message.startswith(
        "encryption_at_rest is unknown until apply, so the database's request for encryption cannot be shown "
        "(the managed databases of Disks Only are not recorded as encrypted at rest)"
    )
    pool = pulumi_resource(NODE_POOL, {"nodeConfig": {"bootDiskKmsKey": UNKNOWN}}, provider_region="K-2")
    [(path, unknown, message)] = _found(pool, catalog)
    assert (path, unknown) == ("node_config.boot_disk_kms_key", True)
    assert message.startswith(
        "node_config.boot_disk_kms_key is unknown until apply, so the node pool's request"
    )


def test_a_volume_whose_request_is_unknown(catalog: Catalog) -> None:
    """A clear type with an encryption request unknown until apply: the request may turn out to encrypt
    it, so the finding is the request's, unknown. A type unknown until apply stays the type's finding."""
    clear = pulumi_resource(
        VOLUME, {"volumeType": "classic", "encryption": {"encrypted": UNKNOWN}}, provider_region="K-3"
    )
    [(path, unknown, message)] = _found(clear, catalog)
    assert (path, unknown) == ("encryption.encrypted", True)
    assert message.startswith("encryption.encrypted is unknown until apply, so the volume's request")
    assert "volume_type 'classic' is not an encrypted type of Types Only" in message
    both = pulumi_resource(
        VOLUME, {"volumeType": UNKNOWN, "encryption": {"encrypted": UNKNOWN}}, provider_region="K-3"
    )
    assert _found(both, catalog) == [
        ("volume_type", True, "volume_type is unknown until apply, so it cannot be shown to be encrypted")
    ]


CLEAR = {"sourceType": "image", "destinationType": "volume", "volumeType": "classic"}


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        (UNKNOWN, [("block_devices[0]", True), ("block_devices[1].volume_type", False)]),
        ("not a device", [("block_devices[1].volume_type", False)]),
        ({"sourceType": "image", "destinationType": "local"}, [("block_devices[1].volume_type", False)]),
        ({**CLEAR, "volumeType": "luks"}, [("block_devices[1].volume_type", False)]),
    ],
)
def test_every_block_device_is_judged_whatever_comes_before_it(
    catalog: Catalog, first: Any, expected: list[tuple[str, bool]]
) -> None:
    instance = pulumi_resource(INSTANCE, {"blockDevices": [first, CLEAR]}, provider_region="K-3")
    assert [(path, unknown) for path, unknown, _ in _found(instance, catalog)] == expected


def test_any_sse_header_among_others_is_a_request(catalog: Catalog) -> None:
    headers = {"Content-Type": "text/plain", "X-Amz-Server-Side-Encryption": "AES256"}
    container = pulumi_resource(CONTAINER, {"name": "raw"}, provider_region="K-3")
    container.properties["headers"] = headers
    assert _found(container, catalog) == []
    container.properties["headers"] = {"Content-Type": "text/plain"}
    assert _found(container, catalog) == [
        (
            None,
            False,
            "the object storage of Types Only is not recorded as encrypted at rest, and the container "
            "requests no server-side encryption",
        )
    ]


OTHER_API = """
schema_version: 1
as_of: 2026-12-01
offers:
  - id: other-api
    name: Other API Cloud
    operator: {entity: Other SAS, country: FR, source: {url: "https://example.test/other", as_of: 2026-12-01}}
    us_controlled: false
    regions: [{name: t-france-east1, zones: [t-france-east1-a]}]
    capabilities: {block_storage_encrypted: true}
    packages: {pulumi: [openstack], terraform: [terraform-provider-openstack/openstack]}
"""


def test_the_offers_served_elsewhere_are_those_of_the_resources_package(tmp_path: Path) -> None:
    """t-france-east1 is also served by an OpenStack offer: a Google disk reaching the default universe is
    told of Trusted Cloud, the one offer of its package there, not of the OpenStack one."""
    overlay = tmp_path / "other-api.yaml"
    overlay.write_text(OTHER_API, encoding="utf-8")
    reached = Path(__file__).parent / "fixtures" / "catalogs" / "reached-offers.yaml"
    catalog = load_catalog([reached, overlay], replace=True)
    disk = resource("google_compute_disk", "disk", "google", {"zone": "t-france-east1-a", "size": 50})
    plan = parse_plan(tf_plan([disk], {"google": (GOOGLE, {"project": constant("hdh")})}), "plan.json")
    [finding] = evaluate(plan.resources, catalog, [POLICY]).findings
    assert finding.message.startswith(
        "'t-france-east1-a' (region t-france-east1) is served by Trusted Cloud only at its own endpoint, but "
    )
