"""protected-data-store: in production, every data store is protected or retained on delete."""

from __future__ import annotations

from collections.abc import Iterator

from souverain.kinds import deletion_protection_rules, is_data_store, rule_matches
from souverain.model import Operation, Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation


def check(resource: Resource, context: Context) -> Iterator[Violation]:
    if not context.settings.production or not resource.is_cloud_resource or not is_data_store(resource.kind):
        return
    if resource.operation is Operation.DELETE:
        return  # a planned delete is no-data-destruction's finding, not this one's
    if resource.protect or resource.retain_on_delete:
        return
    if any(rule_matches(rule, resource.properties) for rule in deletion_protection_rules(resource.kind)):
        return  # the provider refuses the delete itself (`deletion_protection`)
    yield Violation(
        f"{resource.kind} is neither protected nor retained on delete in a production stack",
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
        "container, share, database and key in production; souverain's storage components do by default. "
        "Where the provider offers it, `deletion_protection = true` counts too (Cloud SQL, OVHcloud "
        "databases): a Terraform plan shows no `protect`."
    ),
    requirements=(
        "SecNumCloud 3.2 §12.5 (sauvegarde des informations)",
        "HDS v2 (availability and integrity of health data)",
    ),
    check_resource=check,
    applies_to=is_data_store,
    config_schema={
        "production": {"type": "boolean", "description": "Treat the stack as production whatever its name."}
    },
)
