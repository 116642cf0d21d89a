"""no-data-destruction: planned deletes and replaces of data stores, Pulumi and Terraform spellings."""

from __future__ import annotations

import pytest
from conftest import context, pulumi_provider, pulumi_resource, terraform_resource
from souverain.policies.no_data_destruction import POLICY

from souverain.catalog import Catalog
from souverain.model import Operation, Resource
from souverain.policy import Violation
from souverain.readers import parse_plan

DATA_STORES = [
    ("openstack:blockstorage/volume:Volume", "openstack_blockstorage_volume_v3", {"size": 10}),
    ("openstack:objectstorage/container:Container", "openstack_objectstorage_container_v1", {"name": "x"}),
    ("openstack:sharedfilesystem/share:Share", "openstack_sharedfilesystem_share_v2", {"size": 1}),
    ("openstack:database/instance:Instance", "openstack_db_instance_v1", {"name": "db"}),
]


def _messages(resource: Resource, catalog: Catalog) -> list[str]:
    return [v.message for v in _violations(catalog, resource)]


def _violations(catalog: Catalog, *resources: Resource) -> list[Violation]:
    """The findings on a stack of these resources; each names the resource it is about."""
    assert POLICY.check_stack is not None
    found = list(POLICY.check_stack(list(resources), context(catalog)))
    assert all(violation.resource is not None for violation in found)
    return found


@pytest.mark.parametrize(("token", "tf_type", "inputs"), DATA_STORES)
def test_delete_and_replace_of_data_stores(
    small_catalog: Catalog, token: str, tf_type: str, inputs: dict[str, object]
) -> None:
    for operation, word in ((Operation.DELETE, "deletes"), (Operation.REPLACE, "replaces")):
        [pulumi] = _messages(pulumi_resource(token, inputs, operation=operation), small_catalog)
        assert f"the plan {word} this" in pulumi
        [terraform] = _messages(terraform_resource(tf_type, inputs, operation=operation), small_catalog)
        assert f"the plan {word} this" in terraform


@pytest.mark.parametrize("operation", [Operation.CREATE, Operation.UPDATE, Operation.SAME, Operation.READ])
def test_other_operations_keep_the_data(small_catalog: Catalog, operation: Operation) -> None:
    for token, tf_type, inputs in DATA_STORES:
        assert _messages(pulumi_resource(token, inputs, operation=operation), small_catalog) == []
        assert _messages(terraform_resource(tf_type, inputs, operation=operation), small_catalog) == []


def test_resources_that_hold_no_data_may_go(small_catalog: Catalog) -> None:
    for resource in (
        pulumi_resource("openstack:compute/instance:Instance", {}, operation=Operation.REPLACE),
        terraform_resource("openstack_networking_secgroup_rule_v2", {}, operation=Operation.DELETE),
    ):
        assert _messages(resource, small_catalog) == []
    provider = pulumi_provider("openstack", {})
    provider.operation = Operation.DELETE
    assert _messages(provider, small_catalog) == []


def test_messages_say_which(small_catalog: Catalog) -> None:
    volume = pulumi_resource("openstack:blockstorage/volume:Volume", {}, operation=Operation.DELETE)
    assert _messages(volume, small_catalog) == ["the plan deletes this volume, and the data it holds with it"]


# -- destruction as a side effect ------------------------------------------------------------------------

INSTANCE = "openstack:compute/instance:Instance"
TF_INSTANCE = "openstack_compute_instance_v2"
PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _tf_instance(devices: list[dict[str, object]], operation: Operation) -> Resource:
    return terraform_resource(TF_INSTANCE, {"name": "db", "block_device": devices}, operation=operation)


def _pulumi_instance(devices: list[dict[str, object]], operation: Operation, **options: bool) -> Resource:
    return pulumi_resource(INSTANCE, {"name": "db", "blockDevices": devices}, operation=operation, **options)


IMAGE_TO_VOLUME = {"source_type": "image", "uuid": "img", "destination_type": "volume", "volume_size": 50}
PULUMI_IMAGE_TO_VOLUME = {"sourceType": "image", "uuid": "img", "destinationType": "volume", "volumeSize": 50}


@pytest.mark.parametrize("operation", [Operation.DELETE, Operation.REPLACE])
def test_instance_deleted_or_replaced_takes_its_volumes(small_catalog: Catalog, operation: Operation) -> None:
    word = "deletes" if operation is Operation.DELETE else "replaces"
    terraform = _tf_instance([{**IMAGE_TO_VOLUME, "delete_on_termination": True}], operation)
    [violation] = _violations(small_catalog, terraform)
    assert violation.path == "block_device[0].delete_on_termination"
    assert f"the plan {word} this instance" in violation.message
    assert not violation.unknown
    pulumi = _pulumi_instance([{**PULUMI_IMAGE_TO_VOLUME, "deleteOnTermination": True}], operation)
    [violation] = _violations(small_catalog, pulumi)
    assert violation.path == "block_devices[0].delete_on_termination"
    # Booting from an existing volume with delete_on_termination deletes that volume too.
    boot = {
        "source_type": "volume",
        "uuid": "vol-1",
        "destination_type": "volume",
        "delete_on_termination": True,
    }
    [violation] = _violations(small_catalog, _tf_instance([boot], operation))
    assert "the volume it boots from" in violation.message
    # Two such devices, two findings; a blank volume counts as much as one made from an image.
    blank = {
        "source_type": "blank",
        "destination_type": "volume",
        "volume_size": 10,
        "delete_on_termination": True,
    }
    assert len(_violations(small_catalog, _tf_instance([boot, blank], operation))) == 2


@pytest.mark.parametrize("operation", [Operation.DELETE, Operation.REPLACE])
def test_instance_whose_volumes_survive_it(small_catalog: Catalog, operation: Operation) -> None:
    kept = _tf_instance([{**IMAGE_TO_VOLUME, "delete_on_termination": False}], operation)
    local = _tf_instance(
        [{"source_type": "image", "uuid": "img", "destination_type": "local", "delete_on_termination": True}],
        operation,
    )
    unset = _pulumi_instance([PULUMI_IMAGE_TO_VOLUME], operation)  # Nova's default: false
    # No destination: Nova boots the image on a local disk.
    no_destination = _tf_instance(
        [{"source_type": "image", "uuid": "img", "delete_on_termination": True}], operation
    )
    retained = _pulumi_instance(
        [{**PULUMI_IMAGE_TO_VOLUME, "deleteOnTermination": True}], operation, retain_on_delete=True
    )
    for instance in (kept, local, unset, no_destination, retained):
        assert _violations(small_catalog, instance) == []


@pytest.mark.parametrize("operation", [Operation.CREATE, Operation.UPDATE, Operation.SAME])
def test_instance_kept_keeps_its_volumes(small_catalog: Catalog, operation: Operation) -> None:
    instance = _tf_instance([{**IMAGE_TO_VOLUME, "delete_on_termination": True}], operation)
    assert _violations(small_catalog, instance) == []


def test_instance_whose_delete_on_termination_is_unknown(small_catalog: Catalog) -> None:
    pulumi = _pulumi_instance(
        [{**PULUMI_IMAGE_TO_VOLUME, "deleteOnTermination": PULUMI_UNKNOWN}], Operation.DELETE
    )
    [violation] = _violations(small_catalog, pulumi)
    assert violation.unknown
    assert violation.path == "block_devices[0].delete_on_termination"


def test_retained_delete_keeps_the_data(small_catalog: Catalog) -> None:
    """Terraform's `forget` and Pulumi's retainOnDelete drop the resource from the stack, not the cloud."""
    volume = pulumi_resource(
        "openstack:blockstorage/volume:Volume",
        {"size": 10},
        operation=Operation.DELETE,
        retain_on_delete=True,
    )
    assert _violations(small_catalog, volume) == []
    # A replace still empties what the stack uses: the finding stays.
    volume.operation = Operation.REPLACE
    assert len(_violations(small_catalog, volume)) == 1


CONTAINER = "openstack:objectstorage/container:Container"
TF_CONTAINER = "openstack_objectstorage_container_v1"
OBJECT = "openstack:objectstorage/containerObject:ContainerObject"
TF_OBJECT = "openstack_objectstorage_object_v1"


def test_objects_of_a_container_deleted_with_force_destroy(small_catalog: Catalog) -> None:
    container = terraform_resource(
        TF_CONTAINER,
        {"name": "extracts", "force_destroy": True},
        name="extracts",
        operation=Operation.REPLACE,
    )
    kept = terraform_resource(
        TF_OBJECT,
        {"container_name": "extracts", "name": "cohort.csv"},
        name="cohort",
        operation=Operation.SAME,
    )
    found = _violations(small_catalog, container, kept)
    assert [violation.resource for violation in found] == [container, kept]
    assert "force_destroy" in found[1].message
    assert found[1].path == "container_name"
    # Twins: without force_destroy Swift refuses to delete a container that holds objects; an object in
    # another container; an object the plan creates afresh.
    refused = terraform_resource(
        TF_CONTAINER,
        {"name": "extracts", "force_destroy": False},
        name="extracts",
        operation=Operation.REPLACE,
    )
    assert [violation.resource for violation in _violations(small_catalog, refused, kept)] == [refused]
    unset = terraform_resource(
        TF_CONTAINER, {"name": "extracts"}, name="extracts", operation=Operation.DELETE
    )
    assert [violation.resource for violation in _violations(small_catalog, unset, kept)] == [unset]
    other = terraform_resource(TF_OBJECT, {"container_name": "other", "name": "x"}, operation=Operation.SAME)
    assert [violation.resource for violation in _violations(small_catalog, container, other)] == [container]
    fresh = terraform_resource(
        TF_OBJECT, {"container_name": "extracts", "name": "x"}, operation=Operation.CREATE
    )
    assert [violation.resource for violation in _violations(small_catalog, container, fresh)] == [container]


def test_pulumi_object_of_a_deleted_container_by_dependency(small_catalog: Catalog) -> None:
    container = pulumi_resource(
        CONTAINER, {"name": "extracts", "forceDestroy": True}, operation=Operation.DELETE
    )
    kept = pulumi_resource(
        OBJECT, {"containerName": PULUMI_UNKNOWN, "name": "a.csv"}, name="a", operation=Operation.UPDATE
    )
    kept.dependencies = (container.address,)
    found = _violations(small_catalog, container, kept)
    assert [violation.resource for violation in found] == [container, kept]
    assert "the plan deletes its container" in found[1].message
    # force_destroy unknown until apply: an unknown finding on the object.
    unsure = pulumi_resource(
        CONTAINER, {"name": "extracts", "forceDestroy": PULUMI_UNKNOWN}, operation=Operation.DELETE
    )
    found = _violations(small_catalog, unsure, kept)
    assert [violation.unknown for violation in found] == [False, True]


# -- what the real plans write: read through the readers -------------------------------------------------


def _terraform_plan(*changes: dict[str, object]) -> list[Resource]:
    document = {"format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": list(changes)}
    return parse_plan(document, "plan.json").resources


def _tf_change(address: str, actions: list[str], after: object, **extra: object) -> dict[str, object]:
    kind, name = address.rsplit(".", 1)
    before = {"name": name, "size": 10}
    change = {"actions": actions, "before": before, "after": after, "after_unknown": {}}
    return {
        "address": address,
        "mode": "managed",
        "type": kind,
        "name": name,
        "provider_name": "registry.terraform.io/terraform-provider-openstack/openstack",
        "change": change,
        **extra,
    }


def test_terraform_replacements_whatever_forced_them(small_catalog: Catalog) -> None:
    volume = "openstack_blockstorage_volume_v3.records"
    after = {"name": "records", "size": 10}
    for actions, reason in (
        (["delete", "create"], "replace_by_triggers"),  # replace_triggered_by
        (["create", "delete"], "replace_because_cannot_update"),  # create_before_destroy
        (["delete", "create"], "replace_by_request"),  # -replace=ADDRESS
        (["delete", "create"], "replace_because_tainted"),
    ):
        [resource] = _terraform_plan(_tf_change(volume, actions, after, action_reason=reason))
        [violation] = _violations(small_catalog, resource)
        assert "the plan replaces this volume" in violation.message
    for reason in (
        "delete_because_no_resource_config",
        "delete_because_count_index",
        "delete_because_no_module",
    ):
        [resource] = _terraform_plan(_tf_change(volume, ["delete"], None, action_reason=reason))
        [violation] = _violations(small_catalog, resource)
        assert "the plan deletes this volume" in violation.message
    # A deposed object left by an earlier create_before_destroy: deleting it deletes its data.
    [resource] = _terraform_plan(_tf_change(volume, ["delete"], None, deposed="00000001"))
    assert len(_violations(small_catalog, resource)) == 1
    # `removed { lifecycle { destroy = false } }`: forgotten, not destroyed.
    [resource] = _terraform_plan(_tf_change(volume, ["forget"], None))
    assert _violations(small_catalog, resource) == []
    [resource] = _terraform_plan(_tf_change(volume, ["no-op"], after))
    assert _violations(small_catalog, resource) == []


def test_terraform_instance_replaced_with_its_volume(small_catalog: Catalog) -> None:
    after = {
        "name": "db",
        "block_device": [{**IMAGE_TO_VOLUME, "boot_index": 0, "delete_on_termination": True}],
    }
    change = _tf_change("openstack_compute_instance_v2.db", ["delete", "create"], after)
    change["action_reason"] = "replace_because_cannot_update"
    [resource] = _terraform_plan(change)
    [violation] = _violations(small_catalog, resource)
    assert violation.path == "block_device[0].delete_on_termination"


def _pulumi_preview(*steps: dict[str, object]) -> list[Resource]:
    return parse_plan({"config": {}, "steps": list(steps)}, "preview.json").resources


def _step(op: str, token: str, inputs: dict[str, object], **extra: object) -> dict[str, object]:
    urn = f"urn:pulumi:prod::hdh::{token}::records"
    state = {"urn": urn, "custom": True, "type": token, "inputs": inputs, **extra}
    old = state if op in {"delete", "delete-replaced", "replace", "same", "update"} else None
    new = None if op in {"delete", "delete-replaced"} else state
    return {"op": op, "urn": urn, "oldState": old, "newState": new}


def test_pulumi_replacement_steps(small_catalog: Catalog) -> None:
    volume = "openstack:blockstorage/volume:Volume"
    inputs = {"name": "records", "size": 10}
    for steps in (
        [_step("replace", volume, inputs)],
        # --show-replacement-steps: create-replacement, replace, delete-replaced.
        [
            _step("create-replacement", volume, inputs),
            _step("replace", volume, inputs),
            _step("delete-replaced", volume, inputs),
        ],
        # deleteBeforeReplace: the old one goes first.
        [
            _step("delete-replaced", volume, inputs),
            _step("replace", volume, inputs),
            _step("create-replacement", volume, inputs),
        ],
    ):
        [resource] = _pulumi_preview(*steps)
        [violation] = _violations(small_catalog, resource)
        assert "the plan replaces this volume" in violation.message
    [resource] = _pulumi_preview(_step("delete", volume, inputs))
    assert len(_violations(small_catalog, resource)) == 1
    [resource] = _pulumi_preview(_step("delete", volume, inputs, retainOnDelete=True))
    assert _violations(small_catalog, resource) == []
    instance = {"name": "db", "blockDevices": [{**PULUMI_IMAGE_TO_VOLUME, "deleteOnTermination": True}]}
    [resource] = _pulumi_preview(_step("replace", INSTANCE, instance))
    [violation] = _violations(small_catalog, resource)
    assert violation.path == "block_devices[0].delete_on_termination"


def test_volume_attached_to_a_replaced_instance_survives(small_catalog: Catalog) -> None:
    """A volume managed as its own resource is detached, not deleted, when its instance goes."""
    instance = _tf_instance([], Operation.REPLACE)
    volume = terraform_resource("openstack_blockstorage_volume_v3", {"size": 10}, operation=Operation.SAME)
    attachment = terraform_resource(
        "openstack_compute_volume_attach_v2",
        {"volume_id": "v", "instance_id": "i"},
        operation=Operation.REPLACE,
    )
    volume.dependencies = ()
    attachment.dependencies = (instance.address, volume.address)
    assert _violations(small_catalog, instance, volume, attachment) == []
