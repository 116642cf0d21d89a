"""What several policies share: the distinct providers of a stack, per-catalog memos, URL hosts.

Kept apart from the policies so each policy module stays one `check` beside its metadata.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, TypeVar
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from souverain.catalog import Catalog, EndpointSetting, service_entry
from souverain.model import UNKNOWN, ProviderConfig, Resource, Secret, _Unknown
from souverain.model import config_address as config_address  # policies import it from here
from souverain.policy import Context
from souverain.provider_services import service_of

T = TypeVar("T")

_MEMOS: WeakKeyDictionary[Catalog, dict[str, Any]] = WeakKeyDictionary()
_MISSING: Any = object()


def catalog_memo(catalog: Catalog, name: str, build: Callable[[Catalog], T]) -> T:
    """A value derived from `catalog` once (an index, a verdict cache), kept as long as the catalog lives.

    Policies run per resource, 10k-100k times a check: they must not scan the catalog each time.
    """
    memos: dict[str, Any] | None = getattr(catalog, "memos", None)  # a Catalog's own: no weakref lookup
    if memos is None:
        memos = _MEMOS.get(catalog)
        if memos is None:
            memos = _MEMOS[catalog] = {}
    value: T = memos.get(name, _MISSING)
    if value is _MISSING:
        value = memos[name] = build(catalog)
    return value


@dataclass(frozen=True, slots=True)
class StringLeaves:
    """The strings under a resource's properties, gathered in one walk that several policies share.

    A fast pass: a policy that finds nothing of interest here skips the resource; one that does walks the
    properties again for the paths of its findings (rare).
    """

    host_like: Sequence[str]
    """Every string that holds a `.` or a `:` (no host name or address lacks both), secrets revealed, but
    timestamps (`_TIMESTAMP`); and every other that names a container tool, whose image may come from the
    default registry (`docker run nginx`)."""
    keys_in_clear: Sequence[Any]
    """For each non-empty string outside any secret, the mapping key it sits under; the items of a list
    take the list's key (`dns_nameservers`), a top-level string its property name."""
    dense: Sequence[str]
    """Every string without `.` or `:` that may hold an encoded layer, secrets revealed: one of
    `DENSE_LENGTH` characters or more with neither `-` nor ` ` (a whole base64 value, `user_data`), or one
    that names base64 or MIME (`b64`, `base64`, `multipart/`: `echo <run> | base64 -d`). The host scans
    read their decoded texts (`_decode`); encoded layers with a `.` or `:` are among `host_like`."""
    texts_in_clear: Sequence[str]
    """Every string outside any secret that may embed a secret in its text, by what each pattern of
    no-plaintext-secret needs: a `:` (`password: ...`, `postgres://u:pw@h`, `PuTTY-User-Key-File-2:`), `=`
    (`PGPASSWORD=...`), a line break (a script), `-----` (a PEM block), `AKIA`/`ASIA` (an AWS key), or an
    encoded layer (`dense`). Ids, names and CIDRs, most of a plan's strings, hold none."""


DENSE_LENGTH = 20

_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
).fullmatch
"""An RFC 3339 timestamp (`2025-07-16T19:43:46Z`, `created_at`, `updated_at`), which holds a `:` but names
no host, holds no secret and encodes nothing: left out of `host_like` and `texts_in_clear`. Half the `:`
strings of a real state or plan are such dates; each string policy would judge every one (bench/: 0.011 s
of the 10k plan's evaluation)."""


def gather_string_leaves(properties: Mapping[str, Any]) -> StringLeaves:
    """`StringLeaves` of `properties`, uncached. A loop over a stack of containers, not recursion, with the
    commonest types tested first and each test a C-speed substring test: it runs on every string of every
    resource of 10k-100k resource plans. Keep the tests in step with what the scans look for: a string left
    out here is never judged (`tests/test_string_leaves.py`)."""
    host_like: list[str] = []
    keys_in_clear: list[Any] = []
    dense: list[str] = []
    texts: list[str] = []
    keep, name, keep_dense, keep_text = host_like.append, keys_in_clear.append, dense.append, texts.append
    stack: list[tuple[Any, Any, bool]] = [(properties, None, False)]
    pop, push = stack.pop, stack.append
    while stack:
        container, key, in_secret = pop()
        kind = type(container)
        if kind is list or kind is tuple:
            items: Iterable[tuple[Any, Any]] = zip(repeat(key), container)  # items take the list's key
        elif kind is dict or (
            kind is not Secret and container is not UNKNOWN and isinstance(container, Mapping)
        ):
            items = container.items()
        elif kind is Secret:
            items = ((key, container.reveal()),)
            in_secret = True
        else:
            continue  # a float, UNKNOWN, another object: no string
        for child_key, value in items:
            kind = type(value)
            if kind is not str:
                if value is not None and kind is not bool and kind is not int and value is not UNKNOWN:
                    push((value, child_key, in_secret))
                continue
            if not value:
                continue
            if "." in value or ":" in value:
                if value[0] in "0123456789" and _TIMESTAMP(value) is not None:
                    if not in_secret:
                        name(child_key)
                    continue
                keep(value)
                if not in_secret:
                    name(child_key)
                    if (":" in value or "=" in value or "\n" in value) or (
                        len(value) >= DENSE_LENGTH
                        and (
                            "-----" in value
                            or ("IA" in value and ("AKIA" in value or "ASIA" in value))
                            or ("64" in value and ("b64" in value or "base64" in value))
                        )
                    ):
                        keep_text(value)
            elif len(value) < DENSE_LENGTH:  # too short for an encoded layer, an AWS key or a PEM line
                if (" " in value or "," in value or "\t" in value) and (
                    "docker" in value
                    or "image" in value
                    or "podman" in value
                    or "nerdctl" in value
                    or "crictl" in value
                ):
                    # names a container tool (`_hosts.may_name_images`), after a blank or a comma as every
                    # command pattern needs when the text has no `:`: `docker run nginx`, `[docker,run,x]`
                    keep(value)
                if not in_secret:
                    name(child_key)
                    if "=" in value or "\n" in value:
                        keep_text(value)
            elif (
                ("-" not in value and " " not in value)
                or ("64" in value and ("b64" in value or "base64" in value))
                or "ultipart/" in value
            ):
                keep_dense(value)
                if not in_secret:
                    name(child_key)
                    keep_text(value)
            else:
                if (" " in value or "," in value or "\t" in value) and (
                    "docker" in value
                    or "image" in value
                    or "podman" in value
                    or "nerdctl" in value
                    or "crictl" in value
                ):
                    keep(value)
                if in_secret:
                    continue
                name(child_key)
                if (
                    "=" in value
                    or "\n" in value
                    or "-----" in value
                    or ("IA" in value and ("AKIA" in value or "ASIA" in value))
                ):
                    keep_text(value)
    return StringLeaves(host_like, keys_in_clear, dense, texts)


def string_leaves(resource: Resource, context: Context) -> StringLeaves:
    """`StringLeaves` of the resource's properties, computed once per evaluation (`Context.memo`)."""
    key = ("string-leaves", id(resource))
    cached = context.memo.get(key)
    if cached is not None and cached[0] is resource:
        leaves: StringLeaves = cached[1]
        return leaves
    leaves = gather_string_leaves(resource.properties)
    context.memo[key] = (resource, leaves)  # holding the resource keeps its id from being reused
    return leaves


def plain(value: Any) -> Any:
    """The value inside a `Secret`, or the value itself."""
    return value.reveal() if isinstance(value, Secret) else value


def package_name(package: str) -> str:
    """`registry.terraform.io/terraform-provider-openstack/openstack` or `openstack` -> `openstack`."""
    return package.rsplit("/", 1)[-1].casefold()


@dataclass(frozen=True, slots=True)
class ProviderUse:
    """One provider configuration of the stack, and the resource that findings about it name."""

    subject: Resource
    """The provider resource (Pulumi), or a stand-in named by the provider's address (Terraform)."""
    package: str
    properties: Mapping[str, Any]


def _reference_target(address: str) -> str:
    """A Pulumi provider reference `urn:...::name::id` without its `::id`; other addresses unchanged."""
    return address.rsplit("::", 1)[0] if address.startswith("urn:") and address.count("::") >= 4 else address


def provider_uses(resources: Iterable[Resource]) -> list[ProviderUse]:
    """Every distinct provider configuration, once: provider resources first, then configs that resources
    carry without a provider resource in the input (Terraform's `provider_config`), once per address.
    """
    uses: list[ProviderUse] = []
    seen: set[str] = set()
    carried: list[tuple[Resource, ProviderConfig]] = []
    for resource in resources:
        if resource.is_provider:
            seen.add(resource.address)
            uses.append(ProviderUse(resource, resource.package, resource.properties))
        elif resource.provider is not None:
            carried.append((resource, resource.provider))
    for resource, provider in carried:
        address = provider.address or f"{provider.package} (default)"
        if address in seen or _reference_target(address) in seen:
            continue
        if ", " in address and all(part in seen for part in address.split(", ")):
            continue  # a resource that may use any of several configurations, each judged on its own
        seen.add(address)
        stand_in = Resource(
            address=address,
            type=f'provider["{provider.package}"]',
            name=address,
            package=provider.package,
            properties=dict(provider.properties),
            is_provider=True,
            source=resource.source,
        )
        uses.append(ProviderUse(stand_in, provider.package, provider.properties))
    return uses


def stack_provider_uses(resources: Sequence[Resource], context: Context) -> Sequence[ProviderUse]:
    """`provider_uses(resources)` once per evaluation (`Context.memo`): two stack policies ask for it."""
    key = ("provider-uses", id(resources))
    cached = context.memo.get(key)
    if cached is not None and cached[0] is resources:
        uses: Sequence[ProviderUse] = cached[1]
        return uses
    uses = tuple(provider_uses(resources))
    context.memo[key] = (resources, uses)  # holding the sequence keeps its id from being reused
    return uses


def url_host(url: str) -> str | None:
    """The host of a URL (`https://auth.example:5000/v3` -> `auth.example`); scheme-less `host/path` too."""
    text = url.strip()
    if not text:
        return None
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host.rstrip(".") if host else None


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_network(text: str) -> IPNetwork | None:
    """A CIDR or a bare address as a network, or None if it is neither."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def within(network: IPNetwork, outer: IPNetwork) -> bool:
    """Whether `network` lies inside `outer`; networks of different IP versions never do."""
    if isinstance(network, ipaddress.IPv4Network) and isinstance(outer, ipaddress.IPv4Network):
        return network.subnet_of(outer)
    if isinstance(network, ipaddress.IPv6Network) and isinstance(outer, ipaddress.IPv6Network):
        return network.subnet_of(outer)
    return False


def block_devices(resource: Resource) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """An instance's block devices with their paths: Terraform's `block_device`, Pulumi's `block_devices`."""
    for key in ("block_device", "block_devices"):
        devices = plain(resource.properties.get(key))
        if not isinstance(devices, list | tuple):
            continue
        for index, device in enumerate(devices):
            device = plain(device)
            if isinstance(device, Mapping):
                yield f"{key}[{index}]", device


def volumes_deleted_with(resource: Resource) -> list[tuple[str, Mapping[str, Any], bool]]:
    """The block devices of an instance whose volume Nova deletes with it: destination `volume` and
    `delete_on_termination` (a volume Nova created from an image, a snapshot or blank, or an existing volume
    the instance boots from). Each with its path, and whether that is known: False when
    `delete_on_termination` or the destination is unknown until apply."""
    found: list[tuple[str, Mapping[str, Any], bool]] = []
    for path, device in block_devices(resource):
        delete = plain(device.get("delete_on_termination"))
        destination = plain(device.get("destination_type"))
        if delete is not True and delete is not UNKNOWN:
            continue
        if destination is not UNKNOWN and destination != "volume":
            continue  # a local disk: ephemeral by design, no data store
        found.append((path, device, delete is True and destination == "volume"))
    return found


UNMAPPED_SERVICE = "?"
"""The service part of an endpoint name (`endpoints.?`) when the data does not say which service a resource
type calls: it is taken to reach the setting's default."""


def package_endpoint(catalog: Catalog, resource: Resource) -> tuple[str | _Unknown | None, bool, str]:
    """Where the resource's package sends its API calls, when the catalog records the provider setting
    that decides it (`universe_domain`; the AWS provider's per-service `endpoints`, read at the entry of
    the resource's service, `data/provider_services.yaml`): the setting's host, or the catalog's default
    when unset, or UNKNOWN; None when the catalog records no such setting. Also whether the provider sets
    it, and the setting's name as messages show it (`universe_domain`, `endpoints.s3`)."""
    package_host = getattr(catalog, "package_host", None)
    setting = catalog.endpoint_setting(resource.package) if resource.package else None
    if package_host is None or setting is None:
        return None, False, ""
    if resource.is_provider:
        settings: Mapping[str, Any] | None = resource.properties
    elif resource.provider is None or not resource.provider.shown:
        settings = None  # the configuration is not in the input: its setting is unknown
    else:
        settings = resource.provider.properties
    keys: tuple[str, ...] = ()
    name = setting.setting
    if setting.per_service:
        service = service_of(resource.package, resource.type)
        keys = service.keys if service is not None else ()
        name = f"{setting.setting}.{service.service if service is not None else UNMAPPED_SERVICE}"
    host: str | _Unknown | None = package_host(resource.package, settings, keys)
    if host is None:
        return None, False, name
    return host, endpoint_is_set(setting, settings, keys), name


def endpoint_is_set(
    setting: EndpointSetting, settings: Mapping[str, Any] | None, keys: Sequence[str]
) -> bool:
    """Whether a provider's `settings` set the endpoint: the setting itself, or for a per-service setting the
    entry of the service spelt `keys` (`endpoints.s3`); else the provider reaches the setting's default."""
    if settings is None:
        return False
    value = settings.get(setting.setting)
    if setting.per_service:
        value = service_entry(value, keys) if keys else None
    return value is not None and value != ""


def endpoint_words(catalog: Catalog, package: str, host: str, explicit: bool, name: str = "") -> str:
    """`its provider sets no universe_domain, so it reaches the default googleapis.com` and the like;
    `name` is the setting as `package_endpoint` names it (`endpoints.s3`), the package's setting if empty."""
    if not name:
        setting = catalog.endpoint_setting(package)
        name = setting.setting if setting is not None else "endpoint"
    if name.endswith("." + UNMAPPED_SERVICE):
        return (
            f"souverain does not know which entry of its provider's {name[:-2]} serves this resource type, "
            f"so it is taken to reach the default {host}"
        )
    if explicit:
        return f"its provider's {name} is {host}"
    return f"its provider sets no {name}, so it reaches the default {host}"


def endpoint_unknown_words(catalog: Catalog, package: str, name: str = "") -> str:
    """`the universe_domain of provider 'gcp' is not known (...)`: why the offer a resource reaches is
    unknown when its endpoint setting is (`package_endpoint` answered UNKNOWN)."""
    if not name:
        setting = catalog.endpoint_setting(package)
        name = setting.setting if setting is not None else "endpoint setting"
    name = name.removesuffix("." + UNMAPPED_SERVICE)  # a type whose entry is not known: the whole setting
    return (
        f"the {name} of provider {package!r} is not known (set at apply time, or its configuration is not "
        "in the input)"
    )


def resource_region(catalog: Catalog, resource: Resource) -> str | _Unknown | None:
    """The resource's effective region (`Resource.region`), else the region its package reaches by
    construction (`Catalog.implied_region`: a provider with no region setting on a one-region offer) when
    neither the resource nor its provider states one; None when nothing shows it."""
    region = resource.region
    if region is None and resource.package:
        implied = getattr(catalog, "implied_region", None)
        if implied is not None:
            found: str | None = implied(resource.package)
            return found
    return region
