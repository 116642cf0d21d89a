"""qualified-region: every cloud resource is in a SecNumCloud-qualified region (HDS too for health data).

Where a resource lands is its region, `location` or zone (`souverain.model.placements`); a zone belongs to
the region the catalog lists it under, and every placement a resource states must name that one region.
Which offer serves the region depends on the package and, for packages that reach several offers, on the
provider's endpoint setting (`universe_domain`): a `gcp` resource in `u-france-east1` reaches S3NS only with
universe domain `s3nsapis.fr`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from souverain.catalog import Catalog, Offer
from souverain.kinds import is_local_only_package
from souverain.model import UNKNOWN, Resource, _Unknown, is_region_path, placements
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import catalog_memo, endpoint_unknown_words, endpoint_words, package_endpoint, resource_region

_UNKNOWN_REGION = (
    Violation("region is unknown until apply, so it cannot be shown to be qualified", unknown=True),
)
_NO_REGION = (
    Violation(
        "no region is set on the resource or its provider, so it cannot be shown to be qualified",
        path="region",
    ),
)
_SCHEME_NAMES = {"secnumcloud": "SecNumCloud", "hds": "HDS"}
_LOCAL_ONLY: dict[str, bool] = {}
"""`is_local_only_package` per package: the list is process-wide data (kinds.yaml)."""

Placements = tuple[tuple[str, str | _Unknown], ...]
_VerdictKey = tuple[str, str, Placements, str, str | None, bool, str, bool, date]


def check(resource: Resource, context: Context) -> tuple[Violation, ...]:
    """A tuple, not a generator: this runs on every resource and the verdicts are remembered."""
    if not resource.is_cloud_resource:
        return ()
    package = resource.package
    local = _LOCAL_ONLY.get(package)
    if local is None:
        local = _LOCAL_ONLY[package] = is_local_only_package(package)
    if local:
        return ()  # a random password, a TLS key, a local file: computed where the stack runs
    catalog = context.catalog
    region = resource.region
    if region is None:
        region = resource_region(catalog, resource)  # a one-region provider's implied region
    if region is UNKNOWN:
        return _UNKNOWN_REGION
    if not isinstance(region, str) or not region:
        return _NO_REGION
    host, explicit, name = (
        package_endpoint(catalog, resource)
        if getattr(catalog, "decides_by_endpoint", False)
        else (None, False, "")
    )
    if host is UNKNOWN:
        return (
            Violation(
                f"{endpoint_unknown_words(catalog, package, name)}, so the offer serving the region cannot "
                "be known",
                unknown=True,
            ),
        )
    stated = placements(resource)
    field = stated[0][0] if stated else "region"
    others = stated[1:]
    settings = context.settings
    verdicts = catalog_memo(catalog, "qualified-region", _verdict_cache)
    key: _VerdictKey = (
        region,
        field,
        others,
        package,
        host if isinstance(host, str) else None,
        explicit,
        name,
        settings.health_data,
        settings.today,
    )
    found = verdicts.get(key)
    if found is None:
        found = verdicts[key] = tuple(_region_violations(catalog, *key))
    return found


def _verdict_cache(catalog: Catalog) -> dict[_VerdictKey, tuple[Violation, ...]]:
    """`_region_violations` per question: thousands of resources share one region and package."""
    return {}


def _label(field: str) -> str:
    """How a message names a placement field: `region` (the resource's or its provider's), `zone`..."""
    return field.removeprefix("provider.")


def _region_names(catalog: Catalog, name: str) -> tuple[list[Offer], set[str]]:
    """The offers listing `name` (a region, alias or zone) and the canonical names of its region."""
    offers = catalog.offers_for_region(name)
    names = {region.name for offer in offers if (region := offer.region(name)) is not None}
    return offers, names


def _region_violations(
    catalog: Catalog,
    region: str,
    field: str,
    others: Placements,
    package: str,
    host: str | None,
    explicit: bool,
    name: str,
    health_data: bool,
    today: date,
) -> Iterator[Violation]:
    path = _label(field)
    offers, names = _region_names(catalog, region)
    if not offers:
        yield Violation(f"{path} {region!r} is not in the sovereignty catalog", path=path)
        return
    canonical = ", ".join(sorted(names))
    where = f"{path} {region!r}" if {region} == names else f"{path} {region!r} (region {canonical})"
    yield from _disagreements(catalog, offers, names, where, others)
    for scheme in ("secnumcloud", "hds") if health_data else ("secnumcloud",):
        if catalog.region_qualified(region, scheme, package or None, today, host=host):
            continue
        yield Violation(
            _not_qualified(catalog, region, scheme, package, host, explicit, name, where, today), path=path
        )


def _disagreements(
    catalog: Catalog, offers: list[Offer], names: set[str], where: str, others: Placements
) -> Iterator[Violation]:
    """Placements that send the resource outside its region: a zone of another region, a `location` that
    differs from `region`, a zone the region does not list (when the catalog lists the region's zones; an
    operator's own zone names, such as OpenStack's `nova`, are not judged where it lists none)."""
    lists_zones = any(
        region.zones for offer in offers for name in names if (region := offer.region(name)) is not None
    )
    wanted = {name.casefold() for name in names}
    for other_field, value in others:
        path = _label(other_field)
        region_level = is_region_path(path)
        if value is UNKNOWN:
            if region_level or lists_zones:
                yield Violation(
                    f"{path} is unknown until apply, so it cannot be shown to be in {where}",
                    path=path,
                    unknown=True,
                )
            continue
        if not isinstance(value, str):
            continue
        their_offers, theirs = _region_names(catalog, value)
        if their_offers:
            if not wanted & {name.casefold() for name in theirs}:
                yield Violation(
                    f"{path} {value!r} is in region {', '.join(sorted(theirs))}, not in {where}: the "
                    "resource lands there",
                    path=path,
                )
        elif region_level:
            yield Violation(
                f"{path} {value!r} is not in the sovereignty catalog, and differs from {where}", path=path
            )
        elif lists_zones:
            yield Violation(
                f"{path} {value!r} is not one of the zones the catalog lists for {where}", path=path
            )


def _not_qualified(
    catalog: Catalog,
    region: str,
    scheme: str,
    package: str,
    host: str | None,
    explicit: bool,
    name: str,
    where: str,
    today: date,
) -> str:
    scheme_name = _SCHEME_NAMES.get(scheme, scheme)
    what = "HDS-certified" if scheme == "hds" else "SecNumCloud-qualified"
    tail = ", and the stack holds health data" if scheme == "hds" else ""
    if host is not None and catalog.region_qualified(region, scheme, package or None, today):
        through = sorted(
            offer.name
            for offer in catalog.offers_serving(region, package or None)
            if offer.region_qualified(region, scheme, today)
        )
        reached = catalog.offers_for_package_at(package, host)
        target = f" ({reached[0].name})" if reached else ""
        how = endpoint_words(catalog, package, host, explicit, name)
        return (
            f"{where} is {what} only through {', '.join(through)}{tail}; package {package!r} reaches "
            f"that offer only at its own endpoint, but {how}{target}"
        )
    pending = [
        f"{_region_name(offer, region)} ({offer.name}): {scheme_name} qualification in progress since "
        f"{entry.since}, not qualified"
        for offer in catalog.offers_serving(region, package or None, host)
        if (entry := offer.in_progress(scheme)) is not None
    ]
    if pending:
        return f"{where} is not {what}{tail}: " + "; ".join(pending)
    return f"{where} is not {what}{tail}" if tail else f"{where} is not {what} for this provider"


def _region_name(offer: Offer, name: str) -> str:
    """The region's own name for `name` (a region, alias or zone) in `offer`."""
    region = offer.region(name)
    return region.name if region is not None else name


POLICY = Policy(
    id="qualified-region",
    title="Resources are in a SecNumCloud-qualified (and, for health data, HDS-certified) region",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "SecNumCloud qualifies an offer for named regions only; data in any other region, even the same "
        "operator's, is outside the qualification. A qualification in progress is not one. Health data "
        "also needs an HDS-certified host."
    ),
    remediation=(
        "Set the resource's `region` (or `location`, `zone`), or its provider's (`pulumi config set "
        "openstack:region ...`), to a region the catalog lists as qualified, with zones of that region only; "
        "for Google's providers, set the universe domain of the qualified offer (`universe_domain`); for "
        "the AWS provider on an AWS-compatible offer, set each service's `endpoints` entry to the offer's "
        "hosts in that region; declare contract regions in a catalog overlay."
    ),
    requirements=("SecNumCloud 3.2 §19.2", "SecNumCloud 3.2 §19.6", "HDS v2 (arrêté du 26 avril 2024)"),
    check_resource=check,
    config_schema={"healthData": {"type": "boolean", "description": "The stack holds personal health data."}},
)
