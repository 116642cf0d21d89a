"""no-data-destruction, against the mutants that survived its tests (docs/mutation.md): every volume of a
deleted instance is judged after one whose fate is unknown, every deleted container after one without
`force_destroy`, and a container the plan keeps deletes nothing. Verdicts written by hand.
"""

from __future__ import annotations

from conftest import terraform_resource
from test_no_data_destruction import (
    PULUMI_IMAGE_TO_VOLUME,
    TF_CONTAINER,
    TF_OBJECT,
    _pulumi_instance,
    _violations,
)

from souverain.catalog import Catalog
from souverain.model import Operation
from souverain.readers._common import PULUMI_UNKNOWN


def test_every_volume_is_judged_after_one_whose_fate_is_unknown(small_catalog: Catalog) -> None:
    instance = _pulumi_instance(
        [
            {**PULUMI_IMAGE_TO_VOLUME, "deleteOnTermination": PULUMI_UNKNOWN},
            {**PULUMI_IMAGE_TO_VOLUME, "uuid": "img2", "deleteOnTermination": True},
        ],
        Operation.DELETE,
    )
    found = _violations(small_catalog, instance)
    assert [(v.path, v.unknown) for v in found] == [
        ("block_devices[0].delete_on_termination", True),
        ("block_devices[1].delete_on_termination", False),
    ]


def test_every_deleted_container_is_indexed_after_one_without_force_destroy(small_catalog: Catalog) -> None:
    refused = terraform_resource(
        TF_CONTAINER, {"name": "raw", "force_destroy": False}, name="raw", operation=Operation.DELETE
    )
    forced = terraform_resource(
        TF_CONTAINER, {"name": "extracts", "force_destroy": True}, name="extracts", operation=Operation.DELETE
    )
    kept = terraform_resource(
        TF_OBJECT,
        {"container_name": "extracts", "name": "cohort.csv"},
        name="cohort",
        operation=Operation.SAME,
    )
    found = _violations(small_catalog, refused, forced, kept)
    assert [violation.resource for violation in found] == [refused, forced, kept]
    assert found[2].path == "container_name"


def test_a_container_the_plan_keeps_deletes_none_of_its_objects(small_catalog: Catalog) -> None:
    for operation in (Operation.SAME, Operation.UPDATE):
        container = terraform_resource(
            TF_CONTAINER, {"name": "extracts", "force_destroy": True}, name="extracts", operation=operation
        )
        kept = terraform_resource(
            TF_OBJECT,
            {"container_name": "extracts", "name": "cohort.csv"},
            name="cohort",
            operation=Operation.SAME,
        )
        assert _violations(small_catalog, container, kept) == []


def test_every_object_is_judged_after_one_in_a_container_the_plan_keeps(small_catalog: Catalog) -> None:
    forced = terraform_resource(
        TF_CONTAINER, {"name": "extracts", "force_destroy": True}, name="extracts", operation=Operation.DELETE
    )
    elsewhere = terraform_resource(
        TF_OBJECT, {"container_name": "other", "name": "a.csv"}, name="a", operation=Operation.SAME
    )
    inside = terraform_resource(
        TF_OBJECT, {"container_name": "extracts", "name": "b.csv"}, name="b", operation=Operation.SAME
    )
    found = _violations(small_catalog, forced, elsewhere, inside)
    assert [violation.resource for violation in found] == [forced, inside]


def test_an_object_deleted_with_its_container_has_its_own_finding_only(small_catalog: Catalog) -> None:
    forced = terraform_resource(
        TF_CONTAINER, {"name": "extracts", "force_destroy": True}, name="extracts", operation=Operation.DELETE
    )
    gone = terraform_resource(
        TF_OBJECT, {"container_name": "extracts", "name": "b.csv"}, name="b", operation=Operation.DELETE
    )
    found = _violations(small_catalog, forced, gone)
    assert [violation.resource for violation in found] == [forced, gone]
    assert "its container" not in found[1].message


def test_a_container_listed_after_its_objects_is_still_found(small_catalog: Catalog) -> None:
    volume = terraform_resource("openstack_blockstorage_volume_v3", {"size": 10}, operation=Operation.SAME)
    inside = terraform_resource(
        TF_OBJECT, {"container_name": "extracts", "name": "b.csv"}, name="b", operation=Operation.SAME
    )
    forced = terraform_resource(
        TF_CONTAINER, {"name": "extracts", "force_destroy": True}, name="extracts", operation=Operation.DELETE
    )
    found = _violations(small_catalog, volume, inside, forced)
    assert sorted(violation.resource.name for violation in found if violation.resource) == ["b", "extracts"]
