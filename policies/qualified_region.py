"""qualified-region: every cloud resource is in a SecNumCloud-qualified region (HDS too for health data)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from souverain.catalog import Catalog
from souverain.model import UNKNOWN, Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import catalog_memo

_UNKNOWN_REGION = (
    Violation("region is unknown until apply, so it cannot be shown to be qualified", unknown=True),
)
_NO_REGION = (
    Violation(
        "no region is set on the resource or its provider, so it cannot be shown to be qualified",
        path="region",
    ),
)


def check(resource: Resource, context: Context) -> tuple[Violation, ...]:
    """A tuple, not a generator: this runs on every resource and the verdicts are remembered."""
    if not resource.is_cloud_resource:
        return ()
    region = resource.region
    if region is UNKNOWN:
        return _UNKNOWN_REGION
    if not isinstance(region, str) or not region:
        return _NO_REGION
    settings = context.settings
    verdicts = catalog_memo(context.catalog, "qualified-region", _verdict_cache)
    key = (region, resource.package, settings.health_data, settings.today)
    found = verdicts.get(key)
    if found is None:
        found = verdicts[key] = tuple(_region_violations(context.catalog, *key))
    return found


def _verdict_cache(catalog: Catalog) -> dict[tuple[str, str, bool, date], tuple[Violation, ...]]:
    """`_region_violations` per question: thousands of resources share one region and package."""
    return {}


def _region_violations(
    catalog: Catalog, region: str, package: str, health_data: bool, today: date
) -> Iterator[Violation]:
    if not catalog.offers_for_region(region):
        yield Violation(f"region {region!r} is not in the sovereignty catalog", path="region")
        return
    if not catalog.region_qualified(region, "secnumcloud", package or None, today):
        yield Violation(f"region {region!r} is not SecNumCloud-qualified for this provider", path="region")
    if health_data and not catalog.region_qualified(region, "hds", package or None, today):
        yield Violation(
            f"region {region!r} is not HDS-certified, and the stack holds health data", path="region"
        )


POLICY = Policy(
    id="qualified-region",
    title="Resources are in a SecNumCloud-qualified (and, for health data, HDS-certified) region",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "SecNumCloud qualifies an offer for named regions only; data in any other region, even the same "
        "operator's, is outside the qualification. Health data also needs an HDS-certified host."
    ),
    remediation=(
        "Set the resource's `region`, or its provider's (`pulumi config set openstack:region ...`), to a "
        "region the catalog lists as qualified; declare contract regions in a catalog overlay."
    ),
    requirements=("SecNumCloud 3.2 §19.2", "SecNumCloud 3.2 §19.6", "HDS v2 (arrêté du 26 avril 2024)"),
    check_resource=check,
    config_schema={"healthData": {"type": "boolean", "description": "The stack holds personal health data."}},
)
