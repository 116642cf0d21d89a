"""EncryptedVolume and ObjectStore: only what the offer encrypts, private, versioned, protected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi_openstack as openstack
import pytest
from component_support import CATALOG, HEALTH, INTERNAL, REGION, Run, assert_labelled, mandatory
from souverain.components import EncryptedVolume, ObjectStore
from souverain.components._common import ComponentRefusedError

VOLUME = "openstack:blockstorage/volume:Volume"
ATTACH = "openstack:compute/volumeAttach:VolumeAttach"
CONTAINER = "openstack:objectstorage/container:Container"


def volume_args(**overrides: Any) -> dict[str, Any]:
    return {"labels": HEALTH, "region": REGION, "size": 500, **overrides}


def store_args(**overrides: Any) -> dict[str, Any]:
    return {"labels": HEALTH, "region": REGION, **overrides}


@pytest.fixture(scope="module")
def stores() -> Run:
    def program() -> None:
        vm = openstack.compute.Instance(
            "vm", flavor_name="b2-7", image_name="debian-12", metadata=HEALTH, region=REGION
        )
        EncryptedVolume(
            "snds-extracts", volume_args(description="pseudonymised SNDS"), instance=vm, catalog=CATALOG
        )
        EncryptedVolume("scratch", volume_args(size=10, volume_type="luks-hdd"), catalog=CATALOG)
        ObjectStore("hdh-archive", store_args(readers=["4f1c:9a8e"]), catalog=CATALOG)

    return Run(program)


def test_volume_on_the_offers_first_encrypted_type(stores: Run) -> None:
    [component] = [
        c for c in stores.of_type("souverain:storage:EncryptedVolume") if c.name == "snds-extracts"
    ]
    volume = stores.one(VOLUME, "snds-extracts")
    assert volume.parent == component.address
    assert volume.properties["volume_type"] == "luks-ssd"
    assert volume.properties["size"] == 500
    assert volume.properties["description"] == "pseudonymised SNDS"
    assert volume.properties["region"] == REGION
    assert volume.protect
    assert volume.retain_on_delete
    assert stores.outputs[component.address] == {"volume_id": "snds-extracts_id", "volume_type": "luks-ssd"}


def test_volume_type_chosen_among_encrypted_ones(stores: Run) -> None:
    assert stores.one(VOLUME, "scratch").properties["volume_type"] == "luks-hdd"


def test_attachment_to_the_given_instance(stores: Run) -> None:
    attach = stores.one(ATTACH, "snds-extracts-attach")
    assert attach.properties["instance_id"] == "vm_id"
    assert attach.properties["volume_id"] == "snds-extracts_id"
    assert not attach.protect  # an attachment holds no data
    assert [a.name for a in stores.of_type(ATTACH)] == ["snds-extracts-attach"]


def test_no_volume_type_is_ever_created(stores: Run) -> None:
    assert not [r for r in stores.resources if "volumeType" in r.type]


def test_container_private_versioned_protected(stores: Run) -> None:
    [component] = stores.of_type("souverain:storage:ObjectStore")
    container = stores.one(CONTAINER, "hdh-archive")
    assert container.parent == component.address
    assert container.properties["name"] == "hdh-archive"
    assert container.properties["versioning"] is True
    assert container.properties["container_read"] == "4f1c:9a8e"
    assert "container_write" not in container.properties
    assert container.properties["force_destroy"] is False
    assert container.protect
    assert container.retain_on_delete


def test_labels_and_policies(stores: Run) -> None:
    assert_labelled(stores.resources)
    assert mandatory(stores.resources) == []


def test_protection_off_only_when_asked() -> None:
    run = Run(
        lambda: (
            EncryptedVolume(
                "tmp", volume_args(labels=INTERNAL, protect=False, retain_on_delete=False), catalog=CATALOG
            )
            and None
        )
    )
    volume = run.one(VOLUME, "tmp")
    assert not volume.protect
    assert not volume.retain_on_delete


def refused(build: Callable[[], object]) -> tuple[ComponentRefusedError, Run]:
    seen: list[ComponentRefusedError] = []

    def program() -> None:
        with pytest.raises(ComponentRefusedError) as info:
            build()
        seen.append(info.value)

    run = Run(program)
    return seen[0], run


@pytest.mark.parametrize(
    ("args", "loc", "message"),
    [
        (volume_args(volume_type="classic"), ("volume_type",), "not encrypted on Nuage"),
        (volume_args(region="BARE-1", labels=INTERNAL), ("volume_type",), "no encrypted volume type"),
        (volume_args(size=0), ("size",), "greater than or equal to 1"),
        (volume_args(region="PLAIN-1"), ("region",), "not SecNumCloud-qualified"),
    ],
)
def test_volume_refused_before_registration(args: dict[str, Any], loc: tuple[Any, ...], message: str) -> None:
    error, run = refused(lambda: EncryptedVolume("v", args, catalog=CATALOG))
    assert loc in [tuple(e["loc"]) for e in error.errors()], error
    assert message in str(error)
    assert run.registered() == []


@pytest.mark.parametrize(
    ("args", "loc", "message"),
    [
        (store_args(readers=[".r:*"]), ("readers",), "public"),
        (store_args(readers=["*:*"]), ("readers",), "public"),
        (store_args(writers=[".r:*", "p:u"]), ("writers",), "public"),
        (store_args(region="BARE-1", labels=INTERNAL), ("region",), "does not encrypt object storage"),
        (store_args(container_name="Bad/Name"), ("container_name",), "container name"),
        (store_args(versioning=False), ("versioning",), "not an argument"),
    ],
)
def test_store_refused_before_registration(args: dict[str, Any], loc: tuple[Any, ...], message: str) -> None:
    error, run = refused(lambda: ObjectStore("s", args, catalog=CATALOG))
    assert loc in [tuple(e["loc"]) for e in error.errors()], error
    assert message in str(error)
    assert run.registered() == []
