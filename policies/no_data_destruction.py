"""no-data-destruction: no plan deletes or replaces a data store. This is how health data gets lost.

Directly (the data store's own delete or replace, whatever forced it: a changed immutable property, a
Terraform `replace_triggered_by`, a Pulumi parent renamed without an alias), or as a side effect: an
instance deleted or replaced takes with it the volumes its block devices set to `delete_on_termination`,
and a container deleted or replaced with `force_destroy` deletes the objects it holds, though the plan
leaves them untouched. A stack policy, because a side effect is a fact of two resources.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from souverain.kinds import is_data_store
from souverain.model import UNKNOWN, Operation, Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import config_address, plain, volumes_deleted_with

DESTROYED = (Operation.DELETE, Operation.REPLACE)


def check(resource: Resource, context: Context) -> Iterator[Violation]:
    """The verdicts on one resource's own operation: a data store deleted or replaced, an instance
    deleted or replaced with volumes that go with it."""
    operation = resource.operation
    if operation is not Operation.DELETE and operation is not Operation.REPLACE:
        return
    if not resource.is_cloud_resource:
        return
    if resource.kind == "instance":
        yield from _instance_volumes(resource)
        return
    if not is_data_store(resource.kind):
        return
    if resource.retain_on_delete and operation is Operation.DELETE:
        return  # Terraform's `forget`, Pulumi's retainOnDelete: the data stays in the cloud
    if operation is Operation.DELETE:
        yield Violation(f"the plan deletes this {resource.kind}, and the data it holds with it")
    else:
        yield Violation(
            f"the plan replaces this {resource.kind}: the new one starts empty and the old one, with its "
            "data, is deleted"
        )


def _instance_volumes(resource: Resource) -> Iterator[Violation]:
    """Volumes that Nova deletes with the instance (`volumes_deleted_with`)."""
    if resource.retain_on_delete:
        return  # the instance stays in the cloud, and its volumes with it
    verb = "deletes" if resource.operation is Operation.DELETE else "replaces"
    for path, device, known in volumes_deleted_with(resource):
        source = plain(device.get("source_type"))
        what = f"the volume it boots from ({path})" if source == "volume" else f"the volume of {path}"
        if not known:
            field = (
                "delete_on_termination"
                if plain(device.get("delete_on_termination")) is UNKNOWN
                else ("destination_type")
            )
            yield Violation(
                f"the plan {verb} this instance, and whether {what} is deleted with it is unknown until "
                f"apply ({field})",
                unknown=True,
                path=f"{path}.{field}",
            )
            continue
        yield Violation(
            f"the plan {verb} this instance, and {what} is deleted with it (delete_on_termination), with the "
            "data it holds",
            path=f"{path}.delete_on_termination",
        )


def _contained_objects(resources: Sequence[Resource]) -> Iterator[Violation]:
    """Objects the plan leaves in place in a container it deletes or replaces with `force_destroy`: the
    container's delete empties it first, so they are deleted too. A `force_destroy` unknown until apply
    makes it an unknown finding."""
    by_name: dict[str, Resource] = {}
    by_address: dict[str, Resource] = {}
    for resource in resources:
        if resource.kind != "object_container" or resource.operation not in DESTROYED:
            continue
        force = plain(resource.get("force_destroy"))
        if force is not True and force is not UNKNOWN:
            continue  # Swift refuses to delete a container that holds objects: the apply fails instead
        name = plain(resource.get("name"))
        if isinstance(name, str) and name:
            by_name[name] = resource
        by_address[resource.address] = resource
        by_address[config_address(resource.address)] = resource
    if not by_address:
        return
    for resource in resources:
        if (
            resource.kind != "object"
            or resource.operation in DESTROYED
            or resource.operation is Operation.CREATE
        ):
            continue  # its own delete is its own finding; an object created in the plan holds nothing yet
        container = _container_of(resource, by_name, by_address)
        if container is None:
            continue
        verb = "deletes" if container.operation is Operation.DELETE else "replaces"
        if plain(container.get("force_destroy")) is UNKNOWN:
            yield Violation(
                f"the plan {verb} its container {container.name}, whose force_destroy is unknown until "
                "apply: if it is set, the container's delete deletes this object",
                resource=resource,
                unknown=True,
                path="container_name",
            )
        else:
            yield Violation(
                f"the plan {verb} its container {container.name} with force_destroy, which deletes this "
                "object first, though the plan leaves it in place",
                resource=resource,
                path="container_name",
            )


def _container_of(
    resource: Resource, by_name: Mapping[str, Resource], by_address: Mapping[str, Resource]
) -> Resource | None:
    """The destroyed container an object sits in: named by `container_name` (`bucket` for S3-style object
    stores), or the one it depends on."""
    name = plain(resource.get("container_name", resource.get("bucket")))
    if isinstance(name, str) and name:
        found = by_name.get(name)
        if found is not None:
            return found
    for dependency in resource.dependencies:
        found = by_address.get(dependency)
        if found is not None:
            return found
    return None


def check_stack(resources: Sequence[Resource], context: Context) -> Iterator[Violation]:
    for resource in resources:
        if resource.operation in DESTROYED:
            for violation in check(resource, context):
                yield Violation(violation.message, resource, violation.unknown, violation.path)
    yield from _contained_objects(resources)


POLICY = Policy(
    id="no-data-destruction",
    title="No planned delete or replace of a data store",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "Deleting or replacing a volume, object container, share, database or key loses what it holds; a "
        "replace is often the side effect of changing one immutable property or renaming a resource, and "
        "deleting an instance or a container takes the volumes and objects it holds with it. Health data "
        "lost this way cannot be recovered from the plan."
    ),
    remediation=(
        "Keep the resource: revert the change that forces the replace, or use an alias when renaming. Boot "
        "instances from volumes managed as resources of their own, or set delete_on_termination to false. If "
        "the removal is intended, back the data up first and record a waiver for this resource, with an "
        "owner and an expiry."
    ),
    requirements=("SecNumCloud 3.2 §12.5", "HDS v2 (arrêté du 26 avril 2024)"),
    check_stack=check_stack,
)
