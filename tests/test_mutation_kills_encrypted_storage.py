"""encrypted-storage when a region is served by several offers: every one of them must encrypt.

The issue's mutant read `all` as `any` over the offers serving a region: a volume type encrypted on one
offer only, object storage encrypted on one only, Barbican on one only, would pass. The catalog below is
invented; each verdict is written by hand. Also: what requests server-side encryption, which block
devices create a volume.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.encrypted_storage import check as check_storage

from souverain.catalog import Catalog, load_catalog
from souverain.model import Resource
from souverain.policy import Violation

TWIN_OFFERS = """
schema_version: 1
as_of: 2026-01-01
offers:
  - id: twin-a
    name: Twin A
    operator: {entity: Twin SAS, country: FR, source: {url: "https://example.test/twin", as_of: 2026-01-01}}
    us_controlled: false
    regions: [{name: TWIN-1}]
    capabilities:
      {encrypted_volume_types: [luks, fast-luks], object_storage_encrypted: true, key_manager: barbican}
    packages: {pulumi: [openstack], terraform: [terraform-provider-openstack/openstack]}
  - id: twin-b
    name: Twin B
    operator: {entity: Twin SAS, country: FR, source: {url: "https://example.test/twin", as_of: 2026-01-01}}
    us_controlled: false
    regions: [{name: TWIN-1}]
    capabilities: {encrypted_volume_types: [luks], object_storage_encrypted: false, key_manager: provider-kms}
    packages: {pulumi: [openstack], terraform: [terraform-provider-openstack/openstack]}
  - id: other-api
    name: Other API cloud
    operator: {entity: Other SAS, country: FR, source: {url: "https://example.test/other", as_of: 2026-01-01}}
    us_controlled: false
    regions: [{name: TWIN-1}]
    capabilities: {encrypted_volume_types: [], object_storage_encrypted: false, key_manager: none}
    packages: {pulumi: [outscale]}
"""

VOLUME = "openstack:blockstorage/volume:Volume"
CONTAINER = "openstack:objectstorage/container:Container"
SECRET = "openstack:keymanager/secretV1:SecretV1"
INSTANCE = "openstack:compute/instance:Instance"


@pytest.fixture
def twins(tmp_path: Path) -> Catalog:
    path = tmp_path / "twins.yaml"
    path.write_text(TWIN_OFFERS, encoding="utf-8")
    return load_catalog([path], replace=True)


def _violations(resource: Resource, catalog: Catalog) -> list[Violation]:
    return list(check_storage(resource, context(catalog)))


def _in_twin(type_token: str, inputs: dict[str, Any]) -> Resource:
    return pulumi_resource(type_token, inputs, provider_region="TWIN-1")


# --- every serving offer, not any ----------------------------------------------------------------------


def test_a_volume_type_encrypted_by_every_serving_offer_passes(twins: Catalog) -> None:
    """The outscale offer also lists TWIN-1, but an openstack volume never lands there."""
    assert _violations(_in_twin(VOLUME, {"size": 10, "volumeType": "luks"}), twins) == []


def test_a_volume_type_encrypted_by_one_serving_offer_only_is_a_finding(twins: Catalog) -> None:
    [violation] = _violations(_in_twin(VOLUME, {"size": 10, "volumeType": "fast-luks"}), twins)
    assert violation.message == (
        "volume_type 'fast-luks' is not an encrypted type of Twin A, Twin B "
        "(encrypted types: fast-luks, luks)"
    )
    assert violation.path == "volume_type"


def test_object_storage_encrypted_by_one_serving_offer_only_is_a_finding(twins: Catalog) -> None:
    [violation] = _violations(_in_twin(CONTAINER, {"name": "exports"}), twins)
    assert violation.message == (
        "the object storage of Twin A, Twin B is not recorded as encrypted at rest, and the container "
        "requests no server-side encryption"
    )


def test_barbican_on_one_serving_offer_only_is_a_finding_naming_the_other(twins: Catalog) -> None:
    [violation] = _violations(_in_twin(SECRET, {"name": "db", "payloadContentType": "text/plain"}), twins)
    assert violation.message == (
        "a Barbican secret on Twin B, whose key manager is provider-kms, not Barbican: secrets and keys must "
        "live in the offer's own key manager"
    )


# --- server-side encryption requested ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sse",
    [
        {"serverSideEncryption": "AES256"},
        {"sseAlgorithm": "aws:kms"},
        {"serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {}}}},
        {"headers": {"X-Amz-Server-Side-Encryption": "AES256"}},
        {"headers": {"x-amz-server-side-encryption": "aws:kms"}},
    ],
)
def test_a_container_requesting_server_side_encryption_passes(twins: Catalog, sse: dict[str, Any]) -> None:
    assert _violations(_in_twin(CONTAINER, {"name": "exports", **sse}), twins) == []


@pytest.mark.parametrize(
    "empty",
    [
        {"serverSideEncryption": ""},
        {"sseAlgorithm": None},
        {"serverSideEncryptionConfiguration": {}},
        {"serverSideEncryptionConfiguration": []},
        {"headers": {"X-Amz-Server-Side-Encryption": ""}},
        {"headers": {"X-Object-Meta-Owner": "hdh"}},
        {"headers": "x-amz-server-side-encryption: AES256"},  # not a map of headers
    ],
)
def test_empty_or_other_settings_request_no_encryption(twins: Catalog, empty: dict[str, Any]) -> None:
    assert len(_violations(_in_twin(CONTAINER, {"name": "exports", **empty}), twins)) == 1


# --- block devices that create a volume ----------------------------------------------------------------


@pytest.mark.parametrize("source", ["image", "blank", "snapshot"])
def test_a_boot_volume_an_instance_creates_needs_an_encrypted_type(twins: Catalog, source: str) -> None:
    devices = [
        {"sourceType": "volume", "destinationType": "volume", "uuid": "existing"},
        {"sourceType": source, "destinationType": "volume", "volumeSize": 20},
    ]
    [violation] = _violations(_in_twin(INSTANCE, {"name": "web", "blockDevices": devices}), twins)
    assert violation.path == "block_devices[1].volume_type"
    assert violation.message.startswith("no volume_type: the operator's default type cannot be shown")


def test_terraform_block_device_spelling_is_read(twins: Catalog) -> None:
    after = {
        "name": "web",
        "block_device": [{"source_type": "image", "destination_type": "volume", "volume_type": "fast-luks"}],
    }
    instance = terraform_resource("openstack_compute_instance_v2", after, provider_region="TWIN-1")
    [violation] = _violations(instance, twins)
    assert violation.path == "block_device[0].volume_type"


@pytest.mark.parametrize(
    "device",
    [
        {"sourceType": "image", "destinationType": "local"},  # ephemeral disk on the hypervisor
        {"sourceType": "volume", "destinationType": "volume", "uuid": "existing"},  # attaches, creates none
        {"sourceType": "image", "destinationType": "volume", "volumeType": "luks"},
    ],
)
def test_block_devices_that_create_no_unencrypted_volume_pass(twins: Catalog, device: dict[str, Any]) -> None:
    assert _violations(_in_twin(INSTANCE, {"name": "web", "blockDevices": [device]}), twins) == []


GENERIC_OFFER = """
schema_version: 1
as_of: 2026-01-01
offers:
  - id: generic
    name: Generic cloud (no package named)
    operator: {entity: Generic SAS, country: FR, source: {url: "https://example.test/g", as_of: 2026-01-01}}
    us_controlled: false
    regions: [{name: GEN-1}]
    capabilities: {encrypted_volume_types: [luks]}
"""


def test_an_offer_naming_no_package_serves_every_package(tmp_path: Path) -> None:
    path = tmp_path / "generic.yaml"
    path.write_text(GENERIC_OFFER, encoding="utf-8")
    catalog = load_catalog([path], replace=True)
    volume = pulumi_resource(VOLUME, {"size": 10, "volumeType": "luks"}, provider_region="GEN-1")
    assert _violations(volume, catalog) == []
    plain = pulumi_resource(VOLUME, {"size": 10, "volumeType": "plain"}, provider_region="GEN-1")
    [violation] = _violations(plain, catalog)
    assert violation.message == (
        "volume_type 'plain' is not an encrypted type of Generic cloud (no package named) "
        "(encrypted types: luks)"
    )


@pytest.mark.parametrize(("type_token", "what"), [(VOLUME, "volume"), (CONTAINER, "object_container")])
def test_a_store_with_no_region_is_named_by_its_kind(twins: Catalog, type_token: str, what: str) -> None:
    resource = pulumi_resource(type_token, {"name": "data"}, provider_region=None)
    [violation] = _violations(resource, twins)
    assert violation.message == f"the {what} has no region, so no offer can be shown to encrypt it"


def test_what_stores_nothing_is_not_judged(twins: Catalog) -> None:
    """A network in a region whose offers lack Barbican stores nothing: no key-manager finding."""
    network = _in_twin("openstack:networking/network:Network", {"name": "app"})
    assert _violations(network, twins) == []
    component = _in_twin(VOLUME, {"size": 10})  # a volume-typed component holds nothing itself
    component.custom = False
    assert _violations(component, twins) == []


@pytest.mark.parametrize("odd", [["luks"], {"name": "luks"}, 7, True])
def test_a_volume_type_that_is_not_a_name_is_a_finding_not_a_crash(twins: Catalog, odd: object) -> None:
    """A hostile or broken plan may put anything there: not a type the catalog lists, so not encrypted."""
    [violation] = _violations(_in_twin(VOLUME, {"size": 10, "volumeType": odd}), twins)
    assert violation.message == (
        f"volume_type {odd!r} is not an encrypted type of Twin A, Twin B (encrypted types: fast-luks, luks)"
    )
