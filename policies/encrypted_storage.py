"""encrypted-storage: data at rest is encrypted, as the catalog records it for the offer serving the region.

OpenStack shows none of this through its API: Cinder encrypts only volumes of an operator-defined
encrypted type, Swift encrypts at rest (or not) cluster-wide, and Barbican exists on some offers only. So
the facts come from the catalog's `capabilities` of the offer serving the resource's effective region.
Other providers encrypt some services by default and others on request: a resource passes when every
offer serving its region encrypts its kind (`block_storage_encrypted`, `object_storage_encrypted`,
`database_encrypted`), or when it asks for encryption itself by a property `kinds.yaml` lists under
`encryption_requests` (`encryption_at_rest: true`, a customer-managed key...).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from souverain.catalog import Catalog, Offer
from souverain.kinds import encryption_requests, rule_matches
from souverain.model import UNKNOWN, Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import catalog_memo, plain

KEY_MANAGER_KINDS = frozenset({"secret", "secret_container", "key_order"})
"""Barbican's resources: they need an offer that runs Barbican."""
PROVIDER_KMS_KINDS = frozenset({"kms_key", "secrets_manager_secret", "secret_version"})
"""Keys and secrets in a provider's own key or secrets manager: they need an offer that has one."""
STORAGE_KINDS = (
    frozenset({"volume", "object_container", "instance", "database", "node_pool"})
    | KEY_MANAGER_KINDS
    | PROVIDER_KMS_KINDS
)

SSE_HEADER = "x-amz-server-side-encryption"
"""The S3 request header for server-side encryption, where a resource sends `headers`."""

NEW_VOLUME_SOURCES = frozenset({"image", "blank", "snapshot"})
"""An instance block device with one of these sources and destination `volume` creates a Cinder volume."""


def _serving_cache(catalog: Catalog) -> dict[tuple[str, str], tuple[Offer, ...]]:
    return {}


def serving_offers(catalog: Catalog, region: str, package: str) -> tuple[Offer, ...]:
    """The offers that list `region` and are reached by `package` (offers naming no package reach all)."""
    cache = catalog_memo(catalog, "serving-offers", _serving_cache)
    key = (region.casefold(), package.casefold())
    offers = cache.get(key)
    if offers is None:
        reached = {id(offer) for offer in catalog.offers_for_package(package)} if package else set()
        offers = cache[key] = tuple(
            offer
            for offer in catalog.offers_for_region(region)
            if not package or not (offer.packages.pulumi or offer.packages.terraform) or id(offer) in reached
        )
    return offers


def _names(offers: tuple[Offer, ...]) -> str:
    return ", ".join(offer.name for offer in offers)


def _offers_or_violation(resource: Resource, context: Context) -> tuple[Offer, ...] | Violation:
    """The offers that must encrypt the resource, or why none can be named; remembered per question."""
    region = resource.region
    what = resource.kind or "resource"
    if not (region is None or region is UNKNOWN or type(region) is str):
        return _find_offers(what, region, resource.package, context.catalog)
    key = (what, region, resource.package)
    cache = catalog_memo(context.catalog, "encrypted-storage-offers", _offers_cache)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _find_offers(what, region, resource.package, context.catalog)
    return found


def _offers_cache(catalog: Catalog) -> dict[tuple[str, Any, str], tuple[Offer, ...] | Violation]:
    return {}


def _find_offers(what: str, region: Any, package: str, catalog: Catalog) -> tuple[Offer, ...] | Violation:
    if region is UNKNOWN:
        return Violation(
            f"the {what}'s region is unknown until apply, so the offer that must encrypt it is unknown",
            unknown=True,
            path="region",
        )
    if not isinstance(region, str) or not region:
        return Violation(f"the {what} has no region, so no offer can be shown to encrypt it", path="region")
    offers = serving_offers(catalog, region, package)
    if not offers:
        return Violation(
            f"region {region!r} is served by no offer in the catalog, so its encryption is unknown",
            path="region",
        )
    return offers


def _choices(offers: tuple[Offer, ...]) -> str:
    encrypted = sorted({t for offer in offers for t in offer.capabilities.encrypted_volume_types})
    return f"encrypted types: {', '.join(encrypted)}" if encrypted else "the offer records no encrypted type"


def _volume_verdict(
    volume_type: Any, offers: tuple[Offer, ...], path: str, context: Context
) -> Violation | None:
    """`_volume_type`, remembered per (type, offers, path): thousands of volumes share a few types."""
    volume_type = plain(volume_type)
    if not (volume_type is None or volume_type is UNKNOWN or type(volume_type) is str):
        return _volume_type(volume_type, offers, path)
    cache = catalog_memo(context.catalog, "encrypted-storage-volumes", _volume_cache)
    key = (volume_type, id(offers), path)  # `offers` comes from a cache of the same catalog: its id is stable
    found: Violation | None = cache.get(key, _MISSING)
    if found is _MISSING:
        found = cache[key] = _volume_type(volume_type, offers, path)
    return found


_MISSING: Any = object()


def _volume_cache(catalog: Catalog) -> dict[tuple[Any, int, str], Violation | None]:
    return {}


def _volume_type(volume_type: Any, offers: tuple[Offer, ...], path: str) -> Violation | None:
    volume_type = plain(volume_type)
    if volume_type is UNKNOWN:
        return Violation(
            "volume_type is unknown until apply, so it cannot be shown to be encrypted",
            unknown=True,
            path=path,
        )
    if volume_type is None or volume_type == "":
        return Violation(
            "no volume_type: the operator's default type cannot be shown to be encrypted "
            f"({_choices(offers)})",
            path=path,
        )
    if all(volume_type in offer.capabilities.encrypted_volume_types for offer in offers):
        return None
    return Violation(
        f"volume_type {volume_type!r} is not an encrypted type of {_names(offers)} ({_choices(offers)})",
        path=path,
    )


def _requests_encryption(resource: Resource, offers: tuple[Offer, ...]) -> bool:
    """Whether the resource asks for encryption at rest by one of its kind's `encryption_requests`."""
    rules = encryption_requests(resource.kind)
    if not rules:
        return False
    encrypted_types = frozenset.intersection(
        *(frozenset(offer.capabilities.encrypted_volume_types) for offer in offers)
    )
    return any(rule_matches(rule, resource.properties, encrypted_types=encrypted_types) for rule in rules)


def _sets_sse(props: Mapping[str, Any]) -> bool:
    """An S3 `x-amz-server-side-encryption` header among the resource's `headers` (Swift containers)."""
    headers = plain(props.get("headers"))
    if isinstance(headers, Mapping):
        return any(
            str(key).casefold() == SSE_HEADER and plain(value) not in (None, "")
            for key, value in headers.items()
        )
    return False


def _new_volumes(resource: Resource) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The block devices of an instance that create a Cinder volume, with their property paths."""
    for key in ("block_device", "block_devices"):  # Terraform's name, Pulumi's name
        devices = plain(resource.properties.get(key))
        if not isinstance(devices, list):
            continue
        for index, device in enumerate(devices):
            device = plain(device)
            if (
                isinstance(device, Mapping)
                and plain(device.get("destination_type")) == "volume"
                and plain(device.get("source_type")) in NEW_VOLUME_SOURCES
            ):
                yield f"{key}[{index}]", device


def _instance_volumes(
    volumes: list[tuple[str, Mapping[str, Any]]], offers: tuple[Offer, ...], context: Context
) -> Iterator[Violation]:
    for path, device in volumes:
        violation = _volume_verdict(device.get("volume_type"), offers, f"{path}.volume_type", context)
        if violation is not None:
            yield violation


def _volume(resource: Resource, offers: tuple[Offer, ...], context: Context) -> Iterator[Violation]:
    """A volume is encrypted if its offer encrypts every volume, if it asks for encryption, or if its type
    (`volume_type`, else `type`) is an encrypted type of every offer serving its region."""
    if all(offer.capabilities.block_storage_encrypted for offer in offers) or _requests_encryption(
        resource, offers
    ):
        return
    props = resource.properties
    path = "type" if "volume_type" not in props and "type" in props else "volume_type"
    volume_type = props.get(path)
    listed = any(offer.capabilities.encrypted_volume_types for offer in offers)
    if plain(volume_type) is not UNKNOWN and not listed:
        yield Violation(
            f"the block storage of {_names(offers)} is not recorded as encrypted at rest and lists no "
            "encrypted volume type, and the volume requests no encryption",
            path=path,
        )
        return
    violation = _volume_verdict(volume_type, offers, path, context)
    if violation is not None:
        yield violation


def check(resource: Resource, context: Context) -> Iterator[Violation]:
    kind = resource.kind
    if kind not in STORAGE_KINDS or not resource.is_cloud_resource:
        return
    volumes = list(_new_volumes(resource)) if kind == "instance" else []
    if kind == "instance" and not volumes:
        return
    found = _offers_or_violation(resource, context)
    if isinstance(found, Violation):
        yield found
        return
    offers = found
    if kind == "volume":
        yield from _volume(resource, offers, context)
    elif kind == "instance":
        yield from _instance_volumes(volumes, offers, context)
    elif kind == "object_container":
        if not all(offer.capabilities.object_storage_encrypted for offer in offers) and not (
            _requests_encryption(resource, offers) or _sets_sse(resource.properties)
        ):
            yield Violation(
                f"the object storage of {_names(offers)} is not recorded as encrypted at rest, and the "
                "container requests no server-side encryption"
            )
    elif kind == "database":
        encrypted = all(offer.capabilities.database_encrypted for offer in offers)
        if not encrypted and not _requests_encryption(resource, offers):
            yield Violation(
                f"the managed databases of {_names(offers)} are not recorded as encrypted at rest, and the "
                "database instance requests no encryption at rest (nor an encrypted volume type)"
            )
    elif kind == "node_pool":
        encrypted = all(offer.capabilities.block_storage_encrypted for offer in offers)
        if not encrypted and not _requests_encryption(resource, offers):
            yield Violation(
                f"the block storage of {_names(offers)} is not recorded as encrypted at rest, and the node "
                "pool requests no key for its nodes' disks"
            )
    elif kind in PROVIDER_KMS_KINDS:
        lacking = tuple(offer for offer in offers if offer.capabilities.key_manager != "provider-kms")
        if lacking:
            managers = ", ".join(sorted({offer.capabilities.key_manager for offer in lacking}))
            yield Violation(
                f"a {kind} in the provider's own key or secrets manager, but {_names(lacking)} records "
                f"key manager {managers}, not a key manager of its own (provider-kms)"
            )
    else:  # KEY_MANAGER_KINDS
        lacking = tuple(offer for offer in offers if offer.capabilities.key_manager != "barbican")
        if lacking:
            managers = ", ".join(sorted({offer.capabilities.key_manager for offer in lacking}))
            yield Violation(
                f"a Barbican {kind} on {_names(lacking)}, whose key manager is {managers}, not Barbican: "
                "secrets and keys must live in the offer's own key manager"
            )


POLICY = Policy(
    id="encrypted-storage",
    title="Volumes, object containers, databases and keys use the offer's encryption at rest",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "SecNumCloud requires stored data to be encrypted, with keys kept in a security container. On "
        "OpenStack a volume is encrypted only if its type is an operator-defined encrypted type, object "
        "storage only if the operator encrypts it cluster-wide, and secrets belong in the offer's key "
        "manager; none of this is visible through the API, so the catalog records it per offer. Other "
        "clouds encrypt some services by default and others only when the resource asks: the catalog "
        "records what the offer does, the resource shows what it asks."
    ),
    remediation=(
        "Give every volume (and every boot volume an instance creates) a `volume_type` the catalog lists "
        "as encrypted for the region's offer (e.g. a `-luks` type), or ask for encryption (a "
        "customer-managed key, OVHcloud's `encryption`); keep containers on an offer whose object storage "
        "is encrypted at rest, or request server-side encryption; set `encryption_at_rest` (Scaleway) or a "
        "key (Cloud SQL) on managed databases whose offer does not encrypt them; use Barbican resources only "
        "on offers that run Barbican, and the offer's own KMS otherwise."
    ),
    requirements=("SecNumCloud 3.2 §10.1", "SecNumCloud 3.2 §10.5", "HDS v2 (arrêté du 26 avril 2024)"),
    check_resource=check,
    applies_to=STORAGE_KINDS.__contains__,
)
