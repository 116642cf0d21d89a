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

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from souverain.catalog import Catalog, Offer
from souverain.kinds import encryption_requests, rule_matches, rule_unknown
from souverain.model import UNKNOWN, Resource
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import (
    catalog_memo,
    config_address,
    endpoint_unknown_words,
    endpoint_words,
    package_endpoint,
    plain,
    resource_region,
)

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


def _names(offers: tuple[Offer, ...]) -> str:
    return ", ".join(offer.name for offer in offers)


def _offers_or_violation(resource: Resource, context: Context) -> tuple[Offer, ...] | Violation:
    """The offers that must encrypt the resource, or why none can be named; remembered per question.

    The offers are those the resource really reaches, as qualified-region resolves them: its region (or
    the region its provider reaches by construction), its package, and the endpoint its provider's setting
    names (`Catalog.offers_reaching`): a `gcp` disk in S3NS's region without S3NS's universe domain is on
    Google Cloud's API, not S3NS's, and is not credited with S3NS's encryption."""
    catalog = context.catalog
    region = resource_region(catalog, resource)
    what = resource.kind or "resource"
    if region is UNKNOWN:
        return Violation(
            f"the {what}'s region is unknown until apply, so the offer that must encrypt it is unknown",
            unknown=True,
            path="region",
        )
    if not isinstance(region, str) or not region:
        return Violation(f"the {what} has no region, so no offer can be shown to encrypt it", path="region")
    package = resource.package
    host, explicit, name = (
        package_endpoint(catalog, resource)
        if getattr(catalog, "decides_by_endpoint", False)
        else (None, False, "")
    )
    if host is UNKNOWN:
        return Violation(
            f"{endpoint_unknown_words(catalog, package, name)}, so the offer that must encrypt the {what} is "
            "unknown",
            unknown=True,
        )
    key = (what, region, package, host if isinstance(host, str) else None, explicit, name)
    cache = catalog_memo(catalog, "encrypted-storage-offers", _offers_cache)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _find_offers(catalog, *key)
    return found


_OfferKey = tuple[str, str, str, str | None, bool, str]


def _offers_cache(catalog: Catalog) -> dict[_OfferKey, tuple[Offer, ...] | Violation]:
    return {}


def _find_offers(
    catalog: Catalog, what: str, region: str, package: str, host: str | None, explicit: bool, name: str
) -> tuple[Offer, ...] | Violation:
    offers = tuple(catalog.offers_reaching(region, package or None, host))
    if offers:
        return offers
    elsewhere = catalog.offers_reaching(region, package or None) if host is not None else []
    if elsewhere:
        canonical = sorted({found.name for offer in elsewhere if (found := offer.region(region))})
        where = (
            f"region {region!r}" if canonical == [region] else f"{region!r} (region {', '.join(canonical)})"
        )
        return Violation(
            f"{where} is served by {_names(tuple(elsewhere))} only at its own endpoint, but "
            f"{endpoint_words(catalog, package, host or '', explicit, name)}: that offer's encryption does "
            f"not apply, and no offer the {what} reaches is shown to encrypt it",
            path="region",
        )
    return Violation(
        f"region {region!r} is served by no offer in the catalog, so its encryption is unknown",
        path="region",
    )


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


Request = tuple[bool, str | None]
"""Whether the resource asks for encryption at rest, and if it does not, the path of a request whose value
is unknown until apply (None when every request is known): such a request cannot be shown to be one."""


def _requests_encryption(resource: Resource, offers: tuple[Offer, ...]) -> Request:
    """Whether the resource asks for encryption at rest by one of its kind's `encryption_requests`."""
    rules = encryption_requests(resource.kind)
    props = resource.properties
    if all(rule.path and props.get(rule.path[0]) is None for rule in rules):
        return False, None  # the common case: no request is set, nor unknown (`values_at` finds nothing)
    encrypted_types = frozenset.intersection(
        *(frozenset(offer.capabilities.encrypted_volume_types) for offer in offers)
    )
    if any(rule_matches(rule, props, encrypted_types=encrypted_types) for rule in rules):
        return True, None
    return False, next((rule.dotted for rule in rules if rule_unknown(rule, props)), None)


def _sets_sse(props: Mapping[str, Any]) -> Request:
    """An S3 `x-amz-server-side-encryption` header among the resource's `headers` (Swift containers)."""
    headers = plain(props.get("headers"))
    if headers is UNKNOWN:
        return False, "headers"
    if not isinstance(headers, Mapping):
        return False, None
    unknown = None
    for key, value in headers.items():
        if str(key).casefold() != SSE_HEADER:
            continue
        value = plain(value)
        if value is UNKNOWN:
            unknown = f"headers.{key}"
        elif value not in (None, ""):
            return True, None
    return False, unknown


ENCRYPTION_CONFIG_KIND = "object_encryption"
"""A bucket's default encryption configured apart from it (hashicorp/aws 4+:
`aws_s3_bucket_server_side_encryption_configuration`)."""


def _encryption_configs(context: Context) -> list[Resource]:
    """The stack's resources of `ENCRYPTION_CONFIG_KIND`, listed once per evaluation."""
    stack = context.resources_by_address
    cached = context.memo.get(_CONFIGS_KEY)
    if cached is not None and cached[0] is stack:
        configs: list[Resource] = cached[1]
        return configs
    configs = [resource for resource in stack.values() if resource.kind == ENCRYPTION_CONFIG_KIND]
    context.memo[_CONFIGS_KEY] = (stack, configs)  # holding the mapping keeps its id from being reused
    return configs


_CONFIGS_KEY = "encrypted-storage-configs"


def _names_bucket(config: Resource, bucket: Resource) -> bool:
    """Whether an encryption configuration is the bucket's: its `bucket` is the bucket's name or id when
    both are known; otherwise (an id allocated at apply, a generated name) it refers to the bucket, as a
    Pulumi input taken from the bucket's output or a Terraform reference makes it depend on it."""
    named = plain(config.get("bucket"))
    if isinstance(named, str) and named:
        names = [name for key in ("bucket", "id") if isinstance(name := plain(bucket.get(key)), str) and name]
        if named in names:
            return True
        if names:
            return False  # another bucket's name
    depends = {*config.dependencies, *map(config_address, config.dependencies)}
    return bucket.address in depends or config_address(bucket.address) in depends


def _configured_apart(bucket: Resource, offers: tuple[Offer, ...], context: Context) -> Request:
    """Whether an encryption configuration of the stack names the bucket and asks for encryption
    (`encryption_requests.object_encryption`); a request of one whose value is unknown is unknown."""
    unknown: str | None = None
    for config in _encryption_configs(context):
        if not _names_bucket(config, bucket):
            continue
        asked, maybe = _requests_encryption(config, offers)
        if asked:
            return True, None
        if maybe is not None and unknown is None:
            unknown = f"{config.address}: {maybe}"
    return False, unknown


def _either(*requests: Request) -> Request:
    if any(asked for asked, _ in requests):
        return True, None
    return False, next((path for _, path in requests if path is not None), None)


def _unknown_request(path: str, what: str, why: str) -> Violation:
    return Violation(
        f"{path} is unknown until apply, so the {what}'s request for encryption cannot be shown ({why})",
        unknown=True,
        path=path,
    )


NewVolume = tuple[str, Mapping[str, Any], str | None]
"""A block device that creates (or may create) a volume: its path, the device, and the path of its
destination or source when that is unknown until apply (None when it surely creates one)."""


def _new_volumes(resource: Resource) -> Iterator[NewVolume]:
    """The block devices of an instance that create a Cinder volume, with their property paths; a device
    whose destination or source is unknown until apply may create one, and is judged too."""
    for key in ("block_device", "block_devices"):  # Terraform's name, Pulumi's name
        devices = plain(resource.properties.get(key))
        if devices is UNKNOWN:
            yield key, {}, key
            continue
        if not isinstance(devices, list | tuple):
            continue
        for index, device in enumerate(devices):
            device = plain(device)
            path = f"{key}[{index}]"
            if device is UNKNOWN:
                yield path, {}, path
                continue
            if not isinstance(device, Mapping):
                continue
            destination = plain(device.get("destination_type"))
            source = plain(device.get("source_type"))
            if destination is not UNKNOWN and destination != "volume":
                continue
            if source is not UNKNOWN and source not in NEW_VOLUME_SOURCES:
                continue
            if destination is UNKNOWN:
                yield path, device, f"{path}.destination_type"
            elif source is UNKNOWN:
                yield path, device, f"{path}.source_type"
            else:
                yield path, device, None


def _instance_volumes(
    volumes: list[NewVolume], offers: tuple[Offer, ...], context: Context
) -> Iterator[Violation]:
    for path, device, uncertain in volumes:
        violation = _volume_verdict(device.get("volume_type"), offers, f"{path}.volume_type", context)
        if violation is None:
            continue  # an encrypted type: whatever the device turns out to be, no clear volume
        if uncertain is not None:
            yield Violation(
                f"{uncertain} is unknown until apply, so the device may create a volume, and "
                f"{violation.message}",
                unknown=True,
                path=uncertain,
            )
        else:
            yield violation


def _volume(resource: Resource, offers: tuple[Offer, ...], context: Context) -> Iterator[Violation]:
    """A volume is encrypted if its offer encrypts every volume, if it asks for encryption, or if its type
    (`volume_type`, else `type`) is an encrypted type of every offer serving its region."""
    if all(offer.capabilities.block_storage_encrypted for offer in offers):
        return
    asked, unknown = _requests_encryption(resource, offers)
    if asked:
        return
    props = resource.properties
    path = "type" if "volume_type" not in props and "type" in props else "volume_type"
    volume_type = props.get(path)
    listed = any(offer.capabilities.encrypted_volume_types for offer in offers)
    if plain(volume_type) is not UNKNOWN and not listed:
        why = (
            f"the block storage of {_names(offers)} is not recorded as encrypted at rest and lists no "
            "encrypted volume type"
        )
        if unknown is not None:
            yield _unknown_request(unknown, "volume", why)
        else:
            yield Violation(f"{why}, and the volume requests no encryption", path=path)
        return
    violation = _volume_verdict(volume_type, offers, path, context)
    if violation is None:
        return
    if unknown is not None and not violation.unknown:
        yield _unknown_request(unknown, "volume", violation.message)
    else:
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
        if all(offer.capabilities.object_storage_encrypted for offer in offers):
            return
        asked, unknown = _either(
            _requests_encryption(resource, offers),
            _sets_sse(resource.properties),
            _configured_apart(resource, offers, context),
        )
        if asked:
            return
        why = f"the object storage of {_names(offers)} is not recorded as encrypted at rest"
        if unknown is not None:
            yield _unknown_request(unknown, "container", why)
        else:
            yield Violation(f"{why}, and the container requests no server-side encryption")
    elif kind == "database" or kind == "node_pool":
        if kind == "database":
            encrypted = all(offer.capabilities.database_encrypted for offer in offers)
            why = f"the managed databases of {_names(offers)} are not recorded as encrypted at rest"
            none = "the database instance requests no encryption at rest (nor an encrypted volume type)"
        else:
            encrypted = all(offer.capabilities.block_storage_encrypted for offer in offers)
            why = f"the block storage of {_names(offers)} is not recorded as encrypted at rest"
            none = "the node pool requests no key for its nodes' disks"
        if encrypted:
            return
        asked, unknown = _requests_encryption(resource, offers)
        if asked:
            return
        if unknown is not None:
            yield _unknown_request(unknown, kind.replace("_", " "), why)
        else:
            yield Violation(f"{why}, and {none}")
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


def check_stack(resources: Sequence[Resource], context: Context) -> Iterator[Violation]:
    """`check` on every storage resource of the stack. A stack policy, not a resource one: a bucket's
    encryption may be configured by another resource (`_configured_apart`), which the CrossGuard pack
    shows only to a stack policy."""
    for resource in resources:
        if resource.kind in STORAGE_KINDS:
            for violation in check(resource, context):
                yield Violation(violation.message, resource, violation.unknown, violation.path)


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
        "is encrypted at rest, or request server-side encryption (with the AWS provider, an "
        "aws_s3_bucket_server_side_encryption_configuration naming the bucket); set "
        "`encryption_at_rest` (Scaleway) or a key (Cloud SQL) on managed databases whose offer does not "
        "encrypt them; use Barbican resources only on offers that run Barbican, and the offer's own KMS "
        "otherwise."
    ),
    requirements=("SecNumCloud 3.2 §10.1", "SecNumCloud 3.2 §10.5", "HDS v2 (arrêté du 26 avril 2024)"),
    check_stack=check_stack,
)
