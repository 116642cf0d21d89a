"""sovereign-state-backend: the stack's state and secrets stay out of US-controlled services.

Pulumi state holds every resource's inputs and outputs, and the secrets provider holds the key that
protects the secrets inside it. A Pulumi project's settings (`backend.url`, `PULUMI_BACKEND_URL`, the stack
file's `secretsprovider`, ESC `environment` imports) are put on the `pulumi:pulumi:Stack` resource by the
offline runner (`backend_url`, `secrets_provider`, `vault_address`, `environments`); plans that do not
carry them (Terraform plans, preview files) are not judged here.

Which service a URL reaches follows the Pulumi CLI and gocloud.dev: `s3://` without `endpoint` is Amazon
S3, `azblob://` Azure Blob Storage, `gs://` Google Cloud Storage, no backend at all is Pulumi Cloud, the
`hashivault://` server is the one in `VAULT_SERVER_URL`. Who controls each host is the catalog's answer;
a host the catalog does not know fails closed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from souverain.model import UNKNOWN, Resource, Secret
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

STACK_TYPE = "pulumi:pulumi:Stack"
PULUMI_CLOUD_HOST = "api.pulumi.com"
"""Where `pulumi login` with no URL, the `service` secrets provider and ESC environments go."""
DIY_SCHEMES = frozenset({"s3", "azblob", "gs", "file", "postgres", "postgresql"})
PASSPHRASE = "passphrase"  # noqa: S105 - the provider's name, not a password
SERVICE_PROVIDERS = frozenset({"default", "service"})


def _host(netloc_or_url: str) -> str | None:
    """The host of `https://h:1/x`, `h:1` or `h`, lower-cased; None when there is none."""
    text = netloc_or_url.strip()
    parsed = urlsplit(text if "://" in text else f"//{text}")
    return parsed.hostname or None


def _verdict(host: str | None, what: str, context: Context) -> str | None:
    """Why `host` is not acceptable for `what`, or None when the catalog shows it is not US-controlled."""
    if not host:
        return f"{what} has no host, so it cannot be shown to be operated outside US control"
    offer = context.catalog.us_controlled_host(host)
    if offer is not None:
        return (
            f"{what} is {host}, run by {offer.operator.entity} ({offer.operator.country}), "
            f"a US-controlled service ({offer.name})"
        )
    if not context.catalog.offers_for_host(host):
        return f"{what} is {host}, not in the sovereignty catalog, so it cannot be shown to be sovereign"
    return None


def backend_host(url: str) -> tuple[str | None, str]:
    """The host that a backend URL stores state on, and what to call it in a message."""
    parsed = urlsplit(url)
    scheme = parsed.scheme.lower()
    query = parse_qs(parsed.query)
    if scheme == "s3":
        endpoint = (query.get("endpoint") or [""])[0]
        if endpoint:
            return _host(endpoint), "the state backend's S3 endpoint"
        region = (query.get("region") or [""])[0]
        return (
            f"s3.{region}.amazonaws.com" if region else "s3.amazonaws.com"
        ), "the state backend (Amazon S3)"
    if scheme == "azblob":
        account = (query.get("storage_account") or ["account"])[0]
        return f"{account}.blob.core.windows.net", "the state backend (Azure Blob Storage)"
    if scheme == "gs":
        return "storage.googleapis.com", "the state backend (Google Cloud Storage)"
    return parsed.hostname, "the state backend"


def _check_backend(url: Any, context: Context) -> Iterator[str]:
    if not url:
        yield (
            "no state backend is configured (no `backend.url` in Pulumi.yaml, no PULUMI_BACKEND_URL): "
            "`pulumi login` then defaults to Pulumi Cloud"
        )
        yield from _opt(_verdict(PULUMI_CLOUD_HOST, "the default backend", context))
        return
    if not isinstance(url, str):
        yield "the state backend URL is not text"
        return
    scheme = urlsplit(url).scheme.lower()
    if scheme == "file":
        return  # state on the machine that runs pulumi
    if scheme not in DIY_SCHEMES | {"https", "http"}:
        yield f"the state backend scheme {scheme or '(none)'!r} is not one Pulumi supports"
        return
    host, what = backend_host(url)
    yield from _opt(_verdict(host, what, context))


def _opt(message: str | None) -> Iterator[str]:
    if message is not None:
        yield message


def _service_host(backend: Any) -> str:
    """The Pulumi Cloud (managed or self-hosted) that serves a stack's default secrets and ESC."""
    if isinstance(backend, str) and urlsplit(backend).scheme.lower() in {"https", "http"}:
        return urlsplit(backend).hostname or PULUMI_CLOUD_HOST
    return PULUMI_CLOUD_HOST


def _check_secrets(provider: Any, backend: Any, vault: Any, context: Context) -> Iterator[Violation]:
    diy = isinstance(backend, str) and urlsplit(backend).scheme.lower() in DIY_SCHEMES
    if not provider or provider in SERVICE_PROVIDERS:
        if diy:
            return  # a DIY backend's default secrets provider is the passphrase one
        yield from _violations(
            _verdict(
                _service_host(backend), "the default secrets provider (the Pulumi Cloud service)", context
            )
        )
        return
    if not isinstance(provider, str):
        yield Violation("the secrets provider is not text", path="secrets_provider")
        return
    if provider == PASSPHRASE:
        return
    parsed = urlsplit(provider)
    scheme = parsed.scheme.lower()
    query = parse_qs(parsed.query)
    if scheme == "awskms":
        region = (query.get("region") or [""])[0]
        host = f"kms.{region}.amazonaws.com" if region else "kms.amazonaws.com"
        yield from _violations(
            _verdict(host, "the secrets provider (AWS KMS)", context) or _us_kms("AWS KMS")
        )
    elif scheme == "azurekeyvault":
        yield from _violations(
            _verdict(parsed.hostname, "the secrets provider (Azure Key Vault)", context)
            or _us_kms("Azure Key Vault")
        )
    elif scheme == "gcpkms":
        yield from _violations(
            _verdict("cloudkms.googleapis.com", "the secrets provider (Google Cloud KMS)", context)
            or _us_kms("Google Cloud KMS")
        )
    elif scheme == "hashivault":
        if not isinstance(vault, str) or not vault:
            yield Violation(
                "the hashivault secrets provider's server is read from VAULT_SERVER_URL at run time, which "
                "is not set here, so it cannot be shown to be outside US control",
                path="secrets_provider",
                unknown=True,
            )
            return
        yield from _violations(_verdict(_host(vault), "the secrets provider's Vault server", context))
    else:
        yield Violation(
            f"the secrets provider scheme {scheme or provider!r} is not one Pulumi supports",
            path="secrets_provider",
        )


def _us_kms(name: str) -> str:
    """A cloud KMS the catalog happens to call non-US is still one Pulumi reaches on the US cloud's API."""
    return f"the secrets provider is {name}, a US cloud's key management service"


def _violations(message: str | None) -> Iterator[Violation]:
    if message is not None:
        yield Violation(message, path="secrets_provider")


_UNKNOWN_SETTING = {
    "backend_url": "the state backend URL",
    "secrets_provider": "the secrets provider",
    "vault_address": "the Vault server address",
    "environments": "the ESC environments the stack imports",
}


def _setting(props: Mapping[str, Any], key: str) -> tuple[Any, bool]:
    """A setting's value, revealed when it is a secret, and whether it was one (a secret is judged but
    never quoted). UNKNOWN stays UNKNOWN: it is not unset, and a policy must not read it as unset."""
    value = props.get(key)
    if isinstance(value, Secret):
        return value.reveal(), True
    return value, False


def _unknown(key: str, stack: Resource) -> Violation:
    return Violation(
        f"{_UNKNOWN_SETTING[key]} {'are' if key == 'environments' else 'is'} not known until the program "
        "runs, so it cannot be shown to stay out of US-controlled services",
        resource=stack,
        path=key,
        unknown=True,
    )


def _scrubbed(message: str, key: str, secret: bool) -> str:
    """A message about a setting held as a secret names the setting, not what it holds."""
    return f"{_UNKNOWN_SETTING[key]} (a secret) is not shown to stay out of US control" if secret else message


def check_settings(stack: Resource, context: Context) -> Iterator[Violation]:
    props: Mapping[str, Any] = stack.properties
    backend, backend_secret = _setting(props, "backend_url")
    provider, provider_secret = _setting(props, "secrets_provider")
    vault, vault_secret = _setting(props, "vault_address")
    if backend is UNKNOWN:
        yield _unknown("backend_url", stack)
    elif "backend_url" in props:
        for message in _check_backend(backend, context):
            message = _scrubbed(message, "backend_url", backend_secret)
            yield Violation(message, resource=stack, path="backend_url")
    if "secrets_provider" in props:
        if provider is UNKNOWN:
            yield _unknown("secrets_provider", stack)
        elif vault is UNKNOWN and isinstance(provider, str) and urlsplit(provider).scheme == "hashivault":
            yield _unknown("vault_address", stack)
        elif backend is not UNKNOWN or (provider and provider not in SERVICE_PROVIDERS):
            secret = provider_secret or vault_secret or backend_secret
            for violation in _check_secrets(provider, backend, vault, context):
                yield Violation(
                    _scrubbed(violation.message, "secrets_provider", secret),
                    resource=stack,
                    path=violation.path,
                    unknown=violation.unknown,
                )
    environments, environments_secret = _setting(props, "environments")
    if environments is UNKNOWN or (
        isinstance(environments, list | tuple) and any(item is UNKNOWN for item in environments)
    ):
        yield _unknown("environments", stack)
    elif environments not in (None, "", [], ()):
        if backend is UNKNOWN:
            return  # which Pulumi Cloud serves ESC is the backend's: its finding covers it
        esc = _verdict(
            _service_host(backend), "the Pulumi ESC service the stack imports environments from", context
        )
        if esc is not None:
            yield Violation(
                _scrubbed(esc, "environments", environments_secret or backend_secret),
                resource=stack,
                path="environments",
            )


def check(resources: Sequence[Resource], context: Context) -> Iterator[Violation]:
    for resource in resources:
        if resource.type == STACK_TYPE and (
            "backend_url" in resource.properties or "secrets_provider" in resource.properties
        ):
            yield from check_settings(resource, context)


POLICY = Policy(
    id="sovereign-state-backend",
    title="Pulumi state, secrets and config stay out of US-controlled services",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "Pulumi state records every resource's configuration and outputs, and the secrets provider holds the "
        "key to the secrets in it: both are technical data that SecNumCloud keeps in the EU, out of reach of "
        "non-EU law. Pulumi Cloud (the default backend, secrets provider and ESC), AWS KMS, Azure Key Vault "
        "and Google Cloud KMS are run by US companies."
    ),
    remediation=(
        "Set `backend: url: s3://<bucket>?endpoint=<qualified S3 endpoint>&s3ForcePathStyle=true` in "
        "Pulumi.yaml (object storage on a qualified offer), and create the stack with "
        "`pulumi stack init <name> --secrets-provider=passphrase` or a hashivault server on a qualified host."
    ),
    requirements=("SecNumCloud 3.2 §19.2", "SecNumCloud 3.2 §19.6", "SecNumCloud 3.2 §10.5"),
    check_stack=check,
)
