"""no-data-destruction: no plan deletes or replaces a data store. This is how health data gets lost."""

from __future__ import annotations

from collections.abc import Iterator

from souverain.kinds import is_data_store
from souverain.model import Operation, Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation


def check(resource: Resource, context: Context) -> Iterator[Violation]:
    operation = resource.operation
    if operation is not Operation.DELETE and operation is not Operation.REPLACE:
        return
    if not resource.is_cloud_resource or not is_data_store(resource.kind):
        return
    if operation is Operation.DELETE:
        yield Violation(f"the plan deletes this {resource.kind}, and the data it holds with it")
    else:
        yield Violation(
            f"the plan replaces this {resource.kind}: the new one starts empty and the old one, with its "
            "data, is deleted"
        )


POLICY = Policy(
    id="no-data-destruction",
    title="No planned delete or replace of a data store",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "Deleting or replacing a volume, object container, share, database or key loses what it holds; a "
        "replace is often the side effect of changing one immutable property or renaming a resource. Health "
        "data lost this way cannot be recovered from the plan."
    ),
    remediation=(
        "Keep the resource: revert the change that forces the replace, or use an alias when renaming. If the "
        "removal is intended, back the data up first and record a waiver for this resource, with an owner "
        "and an expiry."
    ),
    requirements=("SecNumCloud 3.2 §12.5", "HDS v2 (arrêté du 26 avril 2024)"),
    check_resource=check,
    applies_to=is_data_store,
)
