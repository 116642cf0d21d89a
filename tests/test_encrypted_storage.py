"""encrypted-storage: volume types, object containers and key-manager resources per the region's offer."""

from __future__ import annotations

from conftest import context, pulumi_resource, terraform_resource
from souverain.policies.encrypted_storage import check as check_storage

from souverain.catalog import Catalog
from souverain.model import Resource
from souverain.policy import Violation

VOLUME = "openstack:blockstorage/volume:Volume"
TF_VOLUME = "openstack_blockstorage_volume_v3"
CONTAINER = "openstack:objectstorage/container:Container"
TF_CONTAINER = "openstack_objectstorage_container_v1"
INSTANCE = "openstack:compute/instance:Instance"
TF_INSTANCE = "openstack_compute_instance_v2"


def _violations(resource: Resource, catalog: Catalog) -> list[Violation]:
    return list(check_storage(resource, context(catalog)))


def test_encrypted_volume_type_passes(small_catalog: Catalog) -> None:
    assert (
        _violations(pulumi_resource(VOLUME, {"size": 10, "volumeType": "classic-luks"}), small_catalog) == []
    )
    tf = terraform_resource(TF_VOLUME, {"size": 10, "volume_type": "fast-luks"}, provider_region="SNC-LYS-1")
    assert _violations(tf, small_catalog) == []


def test_unset_volume_type_is_the_operators_default(small_catalog: Catalog) -> None:
    [violation] = _violations(pulumi_resource(VOLUME, {"size": 10}), small_catalog)
    assert "default type cannot be shown to be encrypted" in violation.message
    assert "classic-luks, fast-luks" in violation.message
    assert violation.path == "volume_type"
    [violation] = _violations(terraform_resource(TF_VOLUME, {"size": 10, "volume_type": None}), small_catalog)
    assert "default" in violation.message


def test_unencrypted_volume_type(small_catalog: Catalog) -> None:
    [violation] = _violations(pulumi_resource(VOLUME, {"volumeType": "classic"}), small_catalog)
    assert "'classic' is not an encrypted type of Acme Sovereign IaaS" in violation.message
    # Encrypted on one offer is not encrypted on another: fast-luks is not a type of Acme Public Cloud.
    tf = terraform_resource(TF_VOLUME, {"volume_type": "fast-luks"}, provider_region="PUB-1")
    assert len(_violations(tf, small_catalog)) == 1


def test_unknowns_and_missing_regions_fail_closed(small_catalog: Catalog) -> None:
    unknown_type = terraform_resource(TF_VOLUME, {"size": 1}, after_unknown={"volume_type": True})
    assert [v.unknown for v in _violations(unknown_type, small_catalog)] == [True]
    unknown_region = terraform_resource(
        TF_VOLUME, {"volume_type": "classic-luks"}, after_unknown={"region": True}, provider_region=None
    )
    assert [v.unknown for v in _violations(unknown_region, small_catalog)] == [True]
    no_region = pulumi_resource(VOLUME, {"volumeType": "classic-luks"}, provider_region=None)
    [violation] = _violations(no_region, small_catalog)
    assert not violation.unknown
    assert "no region" in violation.message
    elsewhere = pulumi_resource(VOLUME, {"volumeType": "classic-luks"}, provider_region="MARS-1")
    assert "served by no offer" in _violations(elsewhere, small_catalog)[0].message


def test_boot_volumes_created_by_instances(small_catalog: Catalog) -> None:
    device = {"uuid": "img", "sourceType": "image", "destinationType": "volume", "volumeSize": 20}
    [violation] = _violations(
        pulumi_resource(INSTANCE, {"blockDevices": [{**device, "volumeType": "classic"}]}), small_catalog
    )
    assert violation.path == "block_devices[0].volume_type"
    good = pulumi_resource(INSTANCE, {"blockDevices": [{**device, "volumeType": "classic-luks"}]})
    assert _violations(good, small_catalog) == []
    tf_device = {"uuid": "img", "source_type": "image", "destination_type": "volume", "volume_type": None}
    [violation] = _violations(terraform_resource(TF_INSTANCE, {"block_device": [tf_device]}), small_catalog)
    assert violation.path == "block_device[0].volume_type"
    # Attaching an existing volume or booting from local disk creates no Cinder volume here.
    existing = {**tf_device, "source_type": "volume"}
    local = {**tf_device, "destination_type": "local"}
    assert (
        _violations(terraform_resource(TF_INSTANCE, {"block_device": [existing, local]}), small_catalog) == []
    )
    assert _violations(pulumi_resource(INSTANCE, {"imageName": "debian-12"}), small_catalog) == []


def test_object_containers(small_catalog: Catalog) -> None:
    assert _violations(pulumi_resource(CONTAINER, {"name": "extracts"}), small_catalog) == []
    assert _violations(terraform_resource(TF_CONTAINER, {"name": "extracts"}), small_catalog) == []
    [violation] = _violations(
        pulumi_resource(CONTAINER, {"name": "x"}, provider_region="PUB-1"), small_catalog
    )
    assert "not recorded as encrypted at rest" in violation.message
    tf_public = terraform_resource(TF_CONTAINER, {"name": "x"}, provider_region="PUB-1")
    assert len(_violations(tf_public, small_catalog)) == 1
    # Swift metadata is a label, not a request: only an S3-style header or property asks for encryption.
    labelled = terraform_resource(
        TF_CONTAINER,
        {"name": "x", "metadata": {"x-amz-server-side-encryption": "AES256"}},
        provider_region="PUB-1",
    )
    assert len(_violations(labelled, small_catalog)) == 1
    sse = pulumi_resource(
        CONTAINER,
        {"name": "x", "headers": {"X-Amz-Server-Side-Encryption": "AES256"}},
        provider_region="PUB-1",
    )
    assert _violations(sse, small_catalog) == []


def test_key_manager_resources_need_barbican(small_catalog: Catalog) -> None:
    secret = {
        "payload": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "k"}
    }
    assert _violations(pulumi_resource("openstack:keymanager/secretV1:SecretV1", secret), small_catalog) == []
    [violation] = _violations(
        pulumi_resource("openstack:keymanager/secretV1:SecretV1", secret, provider_region="PUB-1"),
        small_catalog,
    )
    assert "provider-kms, not Barbican" in violation.message
    order = terraform_resource("openstack_keymanager_order_v1", {"type": "key"}, provider_region="PUB-1")
    assert len(_violations(order, small_catalog)) == 1
    container = terraform_resource("openstack_keymanager_container_v1", {"type": "certificate"})
    assert _violations(container, small_catalog) == []


def test_other_kinds_are_ignored(small_catalog: Catalog) -> None:
    assert _violations(pulumi_resource("openstack:networking/network:Network", {}), small_catalog) == []
