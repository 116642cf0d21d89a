"""qualified-endpoint: every OpenStack provider authenticates against a qualified offer's Keystone.

The region name alone does not say whose cloud a provider talks to: `GRA11` could be spelt in any
operator's catalog. The Keystone auth URL does. A stack-level check, because a provider is configured once
and used by many resources: one finding per provider, not one per resource.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from souverain.catalog import Catalog, Offer, host_matches
from souverain.model import UNKNOWN, Resource, Secret
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import ProviderUse, catalog_memo, package_name, plain, stack_provider_uses, url_host


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


POLICY = Policy(
    id="qualified-endpoint",
    title="OpenStack providers authenticate against a SecNumCloud-qualified offer's Keystone",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "The Keystone auth URL decides whose cloud every resource of the provider lands in, whatever region "
        "name it uses. Only an offer that is not US-controlled and holds a current SecNumCloud qualification "
        "keeps data and administration under EU law; a URL read from the environment at apply time cannot "
        "be checked in review."
    ),
    remediation=(
        "Set the provider's auth URL explicitly (`pulumi config set openstack:authUrl https://...`, or "
        "`auth_url` in the Terraform provider block) to the Keystone endpoint of a qualified offer; declare "
        "a contract's own endpoint in a catalog overlay citing the contract."
    ),
    requirements=("SecNumCloud 3.2 §19.2", "SecNumCloud 3.2 §19.6"),
    check_stack=check,
)
