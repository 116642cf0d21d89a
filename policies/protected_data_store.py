"""protected-data-store: in production, every data store is protected or retained on delete.

An instance whose block devices create or take volumes with `delete_on_termination` holds their data as
surely as a volume resource does: deleting it deletes them, so it needs the same protection.
"""

from __future__ import annotations

from collections.abc import Iterator

from souverain.kinds import deletion_protection_rules, is_data_store, rule_matches, rule_unknown
from souverain.model import Operation, Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import volumes_deleted_with


def applies_to(kind: str | None) -> bool:
    return kind == "instance" or is_data_store(kind)


def check(resource: Resource, context: Context) -> Iterator[Violation]:
    if not context.settings.production or not resource.is_cloud_resource:
        return
    if resource.operation is Operation.DELETE:
        return  # a planned delete is no-data-destruction's finding, not this one's
    if resource.protect or resource.retain_on_delete:
        return
    rules = deletion_protection_rules(resource.kind)
    if any(rule_matches(rule, resource.properties) for rule in rules):
        return  # the provider refuses the delete itself (`deletion_protection`)
    # a deletion protection unknown until apply may turn out on or off: not shown, so an unknown finding
    pending = next((rule.dotted for rule in rules if rule_unknown(rule, resource.properties)), None)
    if is_data_store(resource.kind):
        if pending is not None:
            yield Violation(
                f"{pending} is unknown until apply, and the {resource.kind} is neither protected nor "
                "retained on delete in a production stack",
                unknown=True,
                path=pending,
            )
            return
        yield Violation(
            f"{resource.kind} is neither protected nor retained on delete in a production stack",
            path="protect",
        )
    elif resource.kind == "instance":
        volumes = volumes_deleted_with(resource)
        if volumes:
            unknown = not any(known for _, _, known in volumes)
            paths = ", ".join(path for path, _, _ in volumes)
            yield Violation(
                f"the instance's volumes ({paths}) are deleted with it (delete_on_termination"
                f"{', unknown until apply' if unknown else ''}), and it is neither protected nor retained on "
                "delete in a production stack",
                unknown=unknown,
                path="protect",
            )


POLICY = Policy(
    id="protected-data-store",
    title="Production data stores are protected against deletion",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "Health data is lost by one mistaken `pulumi destroy` or a rename that replaces a volume. Pulumi's "
        "`protect` refuses the delete; `retainOnDelete` leaves the data in the cloud when the resource goes."
    ),
    remediation=(
        "Set `protect=True` (and `retain_on_delete=True`) in the resource options of every volume, "
        "container, share, database and key in production, and of every instance whose volumes are deleted "
        "with it; souverain's storage components do by default. Where the provider offers it, "
        "`deletion_protection = true` counts too (Cloud SQL, OVHcloud databases): a Terraform plan shows no "
        "`protect`."
    ),
    requirements=(
        "SecNumCloud 3.2 §12.5 (sauvegarde des informations)",
        "HDS v2 (availability and integrity of health data)",
    ),
    check_resource=check,
    applies_to=applies_to,
    config_schema={
        "production": {
            "type": "boolean",
            "description": "Treat the stack as production (as `souverain:production: true` in its stack "
            "file does).",
        }
    },
)
