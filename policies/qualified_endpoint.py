"""qualified-endpoint: every endpoint a stack sends data to belongs to a SecNumCloud-qualified offer.

The region name alone does not say whose cloud a provider talks to: `GRA11` could be spelt in any
operator's catalog. The Keystone auth URL does, and so does every other endpoint a provider or a resource
names: per-service endpoint overrides (`endpoint_overrides`, an S3 client's `endpoints`, Google's
`*_custom_endpoint`) and the targets
that copy data elsewhere (a Swift container's `container_sync_to`). A stack-level check, because a
provider is configured once and used by many resources: one finding per provider, not one per resource.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from souverain.catalog import Catalog, Offer, host_matches
from souverain.model import UNKNOWN, Resource, Secret
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import (
    ProviderUse,
    catalog_memo,
    package_name,
    parse_network,
    plain,
    stack_provider_uses,
    url_host,
)


def _keystone_offers(catalog: Catalog) -> dict[str, list[Offer]]:
    """Verdict cache: host -> offers whose Keystone endpoints it matches (filled lazily)."""
    return {}


def _offers_for_keystone(catalog: Catalog, host: str) -> list[Offer]:
    cache = catalog_memo(catalog, "keystone-offers", _keystone_offers)
    offers = cache.get(host)
    if offers is None:
        offers = cache[host] = [o for o in catalog.offers if host_matches(host, o.endpoints.keystone)]
    return offers


def _is_openstack(use: ProviderUse) -> bool:
    return package_name(use.package) == "openstack" or "auth_url" in use.properties


def check(resources: Sequence[Resource], context: Context) -> Iterator[Violation]:
    for use in stack_provider_uses(resources, context):
        if _is_openstack(use):
            yield from _check_provider(use, context)
        yield from _service_endpoints(use, context)
    for resource in resources:
        if resource.kind in SYNC_KINDS:
            yield from _sync_targets(resource, context)


def _check_provider(use: ProviderUse, context: Context) -> Iterator[Violation]:
    subject = use.subject
    value = use.properties.get("auth_url")
    secret = isinstance(value, Secret)
    raw = plain(value)
    if raw is UNKNOWN:
        yield Violation(
            "the provider's auth_url is unknown until apply, so its Keystone cannot be shown to be qualified",
            resource=subject,
            unknown=True,
            path="auth_url",
        )
        return
    if raw is None or raw == "":
        source = "its clouds.yaml entry" if use.properties.get("cloud") else "OS_AUTH_URL in the environment"
        yield Violation(
            f"the provider sets no auth_url, so it will authenticate against {source} at apply time, "
            "which a plan cannot show to be qualified: set auth_url in the provider configuration",
            resource=subject,
            path="auth_url",
        )
        return
    shown = "the provider's auth_url (a secret)" if secret else f"auth_url {raw!r}"
    host = url_host(raw) if isinstance(raw, str) else None
    if host is None:
        yield Violation(f"{shown} is not a URL with a host", resource=subject, path="auth_url")
        return
    offers = _offers_for_keystone(context.catalog, host)
    if not offers:
        yield Violation(
            f"{shown}: its host is not a Keystone endpoint of any offer in the sovereignty catalog",
            resource=subject,
            path="auth_url",
        )
        return
    us = next((offer for offer in offers if offer.us_controlled), None)
    if us is not None:
        yield Violation(
            f"{shown} is a Keystone endpoint of {us.name}, operated by {us.operator.entity} "
            f"({us.operator.country}), a US-controlled offer",
            resource=subject,
            path="auth_url",
        )
        return
    today = context.settings.today
    if not any(offer.has_scheme("secnumcloud", today) for offer in offers):
        names = ", ".join(offer.name for offer in offers)
        yield Violation(
            f"{shown} is a Keystone endpoint of {names}, which holds no current SecNumCloud qualification",
            resource=subject,
            path="auth_url",
        )


# -- every other endpoint: per-service overrides and replication targets ------------------------------

SERVICE_ENDPOINT_MAPS = ("endpoint_overrides", "endpoints")
"""Provider settings that map services to endpoint URLs: the OpenStack provider's `endpoint_overrides`
(`{"object-store": "https://..."}`), and an S3 or AWS-compatible client's `endpoints` (Terraform's block
list `[{"s3": "https://..."}]`, Pulumi's list of objects); whatever the package, they say where data goes."""

SYNC_KINDS = frozenset({"object_container"})
"""Kinds whose resources copy their data to a target they name (Swift container sync)."""

_SYNC_METADATA_KEYS = frozenset({"x-container-sync-to", "sync-to", "sync_to"})
"""Metadata keys that spell Swift's `X-Container-Sync-To` header, compared case-insensitively."""


CUSTOM_ENDPOINT_SUFFIX = "_custom_endpoint"
"""Google's per-service endpoint settings (`storage_custom_endpoint`, Pulumi `storageCustomEndpoint`)."""


def _service_endpoints(use: ProviderUse, context: Context) -> Iterator[Violation]:
    for name in SERVICE_ENDPOINT_MAPS:
        value = use.properties.get(name)
        if value is None:
            continue
        for path, url in _endpoint_leaves(value, name):
            yield from _judge_endpoint(url, path, "endpoint", use.subject, context)
    for name, value in use.properties.items():
        if isinstance(name, str) and name.endswith(CUSTOM_ENDPOINT_SUFFIX) and value is not None:
            yield from _judge_endpoint(value, name, "endpoint", use.subject, context)


def _endpoint_leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Each endpoint of a service map (a map, a list of maps, a map of maps), with its path. Pulumi sends
    a provider's object settings as JSON text (the string `[{"s3": "https://..."}]`): decoded. A leaf
    under a secret stays a secret; a whole setting unknown until apply is one leaf."""
    if isinstance(value, Secret):
        for leaf_path, leaf in _endpoint_leaves(value.reveal(), path):
            yield leaf_path, leaf if isinstance(leaf, Secret) else Secret(leaf)
        return
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict | list):
            yield from _endpoint_leaves(decoded, path)
            return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _endpoint_leaves(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _endpoint_leaves(item, f"{path}[{index}]")
    elif value is not None and value != "" and not isinstance(value, bool | int | float):
        yield path, value


def _sync_targets(resource: Resource, context: Context) -> Iterator[Violation]:
    """A container synchronized to another: `container_sync_to`, or the header spelt in `metadata`."""
    target = resource.properties.get("container_sync_to")
    if target is not None:
        yield from _judge_endpoint(target, "container_sync_to", "sync target", resource, context)
    metadata = plain(resource.get("metadata"))
    if metadata is UNKNOWN:  # it may hold X-Container-Sync-To: not shown absent
        yield Violation(
            "metadata is unknown until apply, so the container cannot be shown not to be synchronized to "
            "another offer (X-Container-Sync-To)",
            resource=resource,
            unknown=True,
            path="metadata",
        )
    elif isinstance(metadata, Mapping):
        for key, value in metadata.items():
            if isinstance(key, str) and key.casefold() in _SYNC_METADATA_KEYS and value is not None:
                yield from _judge_endpoint(value, f"metadata.{key}", "sync target", resource, context)


def _is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1: the machine that runs the deployment itself."""
    if host.casefold() == "localhost" or host.casefold().endswith(".localhost"):
        return True
    network = parse_network(host.strip("[]"))
    return network is not None and network.num_addresses == 1 and network.network_address.is_loopback


def _judge_endpoint(
    value: Any, path: str, role: str, subject: Resource, context: Context
) -> Iterator[Violation]:
    """The verdict on one endpoint: its host must be an endpoint or domain of a catalogued offer that is not
    US-controlled and holds a current SecNumCloud qualification."""
    secret = isinstance(value, Secret)
    raw = plain(value)
    if raw is UNKNOWN:
        yield Violation(
            f"{path} is unknown until apply, so its {role} cannot be shown to be a qualified offer's",
            resource=subject,
            unknown=True,
            path=path,
        )
        return
    if raw is None or raw == "":
        return
    shown = f"{path} (a secret)" if secret else f"{path} {raw!r}"
    if isinstance(raw, str) and raw.startswith("//") and "." not in raw.split("/")[2]:
        yield Violation(
            f"{shown} is a container-sync realm, whose cluster the operator's realm configuration places, "
            "so its host cannot be shown to be a qualified offer's: sync to a full URL of a qualified offer",
            resource=subject,
            path=path,
        )
        return
    host = url_host(raw) if isinstance(raw, str) else None
    if host is None:
        yield Violation(f"{shown} is not a URL with a host", resource=subject, path=path)
        return
    if _is_loopback(host):
        return  # an emulator on the deploying machine (LocalStack): nothing leaves it
    offers = context.catalog.offers_for_host(host)
    if not offers:
        yield Violation(
            f"{shown}: its host is not an endpoint of any offer in the sovereignty catalog",
            resource=subject,
            path=path,
        )
        return
    us = next((offer for offer in offers if offer.us_controlled), None)
    if us is not None:
        yield Violation(
            f"{shown} is an endpoint of {us.name}, operated by {us.operator.entity} ({us.operator.country}), "
            "a US-controlled offer",
            resource=subject,
            path=path,
        )
        return
    if not any(offer.has_scheme("secnumcloud", context.settings.today) for offer in offers):
        names = ", ".join(offer.name for offer in offers)
        yield Violation(
            f"{shown} is an endpoint of {names}, which holds no current SecNumCloud qualification",
            resource=subject,
            path=path,
        )


POLICY = Policy(
    id="qualified-endpoint",
    title="Providers and replication targets reach only SecNumCloud-qualified offers' endpoints",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "The Keystone auth URL decides whose cloud every resource of the provider lands in, whatever region "
        "name it uses; a per-service endpoint override or a container-sync target sends data to its own "
        "host. Only an offer that is not US-controlled and holds a current SecNumCloud qualification keeps "
        "data and administration under EU law; a URL read from the environment at apply time cannot be "
        "checked in review."
    ),
    remediation=(
        "Set the provider's auth URL explicitly (`pulumi config set openstack:authUrl https://...`, or "
        "`auth_url` in the Terraform provider block) to the Keystone endpoint of a qualified offer, and "
        "point every endpoint override and container-sync target at a qualified offer's hosts; declare a "
        "contract's own endpoints in a catalog overlay citing the contract."
    ),
    requirements=("SecNumCloud 3.2 §19.2", "SecNumCloud 3.2 §19.6"),
    check_stack=check,
)
