"""no-plaintext-secret: no password, token or private key in clear in the plan, the state or cloud-init.

What is in clear in a plan is in clear in the state, in CI logs and in the cloud's metadata service. A
Pulumi secret (or a Terraform sensitive value) is encrypted or at least masked; anything else is not.
`admin_pass` is refused even as a secret: Nova hands it to the guest through the metadata service.
A stack-level check, so a provider configured once yields one finding, not one per resource.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

from souverain import facets
from souverain.kinds import secret_reference_keys, secret_value_paths, values_at
from souverain.model import UNKNOWN, Resource, Secret, snake_case
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._support import stack_provider_uses, string_leaves

SECRET_WORDS = frozenset(
    {
        "password", "passwords", "passwd", "pass", "pwd", "passphrase", "secret", "secrets", "token",
        "tokens", "psk", "apikey", "accesskey", "secretkey", "privatekey",
    }
)  # fmt: skip
"""Words that make a property name a secret's (`db_password`, `auth_token`, `client_secret`)."""

SECRET_PAIRS = frozenset(
    {("private", "key"), ("api", "key"), ("access", "key"), ("secret", "key"), ("encryption", "key"),
     ("signing", "key"), ("preshared", "key"), ("shared", "key")}
)  # fmt: skip
"""Two-word names of secrets (`private_key`, `apiKey`), whose single words are harmless."""

NOT_A_SECRET_LAST_WORDS = frozenset(
    {
        "id", "ids", "ref", "refs", "url", "uri", "type", "types", "name", "names", "length", "ttl",
        "expiration", "expires", "expiry", "at", "path", "file", "policy", "version", "enabled", "arn",
        "format", "algorithm", "required", "count", "mode", "method",
    }
)  # fmt: skip
"""A last word that makes the name *about* a secret, not the secret (`secret_ref`, `token_url`,
`payload_content_type`, `password_length`)."""

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)
def names_a_secret(key: str) -> bool:
    """Whether a property or map key names a secret value: `adminPassword`, `api-key`, `db_token`."""
    words = [word for word in _WORD_SPLIT.split(snake_case(key).casefold()) if word]
    if not words or words[-1] in NOT_A_SECRET_LAST_WORDS:
        return False
    if any(word in SECRET_WORDS for word in words):
        return True
    return any(pair in SECRET_PAIRS for pair in pairwise(words))


_CLOUD_INIT_PASSWORD_KEYS = frozenset({"password", "passwd", "plain_text_passwd", "hashed_passwd"})

_CLOUD_INIT_PATTERNS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("a PEM private key", ("private key",), re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    (
        "a password entry",
        ("passw",),
        re.compile(
            r"(?im)(?:^|[\s{,])-?[ \t]*(?:plain_text_passwd|hashed_passwd|passwd|password)[ \t]*:[ \t]*"
            r"(?![\"']{2})(?![\"']?(?:RANDOM|R)\b)[^\s#,}]"
        ),
    ),
    ("an AWS access key", ("akia", "asia"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
)
"""What gives a secret away in cloud-init `user_data`: a description, lowercase substrings one of which
must be present (a cheap test before the pattern), and the pattern, compiled once."""

_ASSIGNMENT_HINTS = ("pass", "pwd", "secret", "token", "key", "psk")
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<key>[A-Za-z0-9_.-]+)"
    r"(?:[ \t]*=[ \t]*|[ \t]*:[ \t]+)[\"']?(?P<value>(?![\"'$\s{<])[^\s\"'#]{6,})"
)
"""`DB_PASSWORD=...`, `--token=...`, `client_secret: ...` in scripts and config files written by cloud-init;
kept only when the key names a secret by the same rule as property names."""

_CHPASSWD_ENTRY = re.compile(
    r"(?m)^[ \t]*(?:-[ \t]*)?[\"']?[a-z_][\w.-]*:(?!//)(?!(?:RANDOM|R)\b)[^\s:\"']+[\"']?[ \t]*$"
)
"""A `user:password` line of cloud-init's `chpasswd: {list: ...}` (legacy form)."""

_SCALARS = frozenset({int, float, bool})

_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


@lru_cache(maxsize=2048)
def secrets_in_user_data(text: str) -> tuple[str, ...]:
    """What kinds of secret a cloud-init document holds in clear (never the values).

    Cached: instances of one tier share their cloud-init document.
    """
    lower = text.casefold()
    found = [
        what
        for what, hints, pattern in _CLOUD_INIT_PATTERNS
        if any(hint in lower for hint in hints) and pattern.search(text)
    ]
    if "chpasswd" in lower and _CHPASSWD_ENTRY.search(text):
        found.append("a chpasswd entry")
    if any(hint in lower for hint in _ASSIGNMENT_HINTS) and any(
        names_a_secret(match["key"])
        and match["value"] != "RANDOM"
        and match["key"].casefold() not in _CLOUD_INIT_PASSWORD_KEYS  # already "a password entry"
        for match in _ASSIGNMENT.finditer(text)
    ):
        found.append("a password, token or key assignment")
    return tuple(found)


def _decoded(text: str) -> str:
    """`user_data` as cloud-init reads it: base64 is decoded when the whole value is base64."""
    stripped = text.strip()
    if len(stripped) % 4 == 0 and _BASE64.fullmatch(stripped):
        try:
            return base64.b64decode(stripped, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return text
    return text


def _is_clear(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _named_secrets(value: Any, path: str, key: str, out: list[str]) -> list[str]:
    """Add to `out` the paths under `value` whose own key names a secret and whose value is a non-empty
    string in clear (secrets are skipped). Plain loops: it runs on every property of every resource."""
    kind = type(value)
    if kind is str:
        if value and names_a_secret(key):
            out.append(path)
    elif kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping)):
        for child_key, item in value.items():
            item_kind = type(item)
            if item_kind is str:
                if item and names_a_secret(str(child_key)):
                    out.append(f"{path}.{child_key}")
            elif item is not None and item_kind not in _SCALARS and item_kind is not Secret:
                _named_secrets(item, f"{path}.{child_key}", str(child_key), out)
    elif kind is list or kind is tuple:
        for index, item in enumerate(value):
            if item is not None and type(item) not in _SCALARS:
                _named_secrets(item, f"{path}[{index}]", key, out)
    return out


def _names_a_secret_among(keys: Iterable[Any], harmless: set[Any]) -> bool:
    """Whether one of `keys` names a secret; the others are added to `harmless`."""
    found = False
    for key in keys:
        if key not in harmless:
            if names_a_secret(str(key)):
                found = True
            else:
                harmless.add(key)
    return found


_OWN_CHECK_KINDS = frozenset({"instance", "secret", "secrets_manager_secret", "secret_version"})
"""Kinds `_resource_findings` looks at beyond `user_data` and keys that name a secret (`admin_pass`, the
secret value of a key manager's secret): other resources with neither are skipped without a generator."""


_BOOT_DATA_WHAT = "boot data: cloud-init or a startup script"


def _boot_data(resource: Resource) -> list[tuple[str, Any]]:
    """What the guest receives at boot, where `souverain.facets` knows the type's fields (a Scaleway
    `user_data` map, a Google `metadata_startup_script`...); else the resource's own `user_data`."""
    if facets.has_boot_data(resource):
        return facets.boot_data(resource)
    user_data = resource.properties.get("user_data")
    return [("user_data", user_data)] if user_data is not None else []


def _resource_findings(resource: Resource, named_in_clear: bool) -> Iterator[Violation]:
    """`named_in_clear`: some string in clear sits under a key that names a secret (from the fast pass);
    only then are the properties walked again for the paths."""
    props = resource.properties
    kind = resource.kind
    skip: set[str] = set(secret_reference_keys(kind))
    if kind == "instance" and props.get("admin_pass") not in (None, ""):
        skip.add("admin_pass")
        yield Violation(
            "admin_pass is set: Nova passes it to the guest through the metadata service and keeps it in "
            "the state; use an SSH key pair instead",
            resource=resource,
            path="admin_pass",
        )
    for value_path in secret_value_paths(kind):  # Barbican's `payload`, a secret version's `data`...
        if any(_is_clear(value) for value in values_at(props, value_path, reveal=False)):
            dotted = ".".join(value_path)
            skip.add(value_path[0])
            yield Violation(
                f"{dotted} is the secret's value and is in clear: make it a secret (pulumi.Output.secret / "
                "`pulumi config set --secret`, a sensitive Terraform variable)",
                resource=resource,
                path=dotted,
            )
    for path, user_data in _boot_data(resource):
        if isinstance(user_data, str) and user_data:
            found = secrets_in_user_data(_decoded(user_data))
            if found:
                yield Violation(
                    f"{path} ({_BOOT_DATA_WHAT}) holds {' and '.join(found)} in clear",
                    resource=resource,
                    path=path,
                )
    if not named_in_clear:
        return
    for key, value in props.items():
        if key in skip:
            continue
        if value is None or type(value) in _SCALARS:
            continue
        for path in _named_secrets(value, key, key, []):
            yield Violation(f"{path} holds a secret in clear", resource=resource, path=path)


def check(resources: Sequence[Resource], context: Context) -> Iterator[Violation]:
    harmless: set[Any] = set()  # keys seen in this stack that name no secret: most resources have only those
    for resource in resources:
        if resource.custom and not resource.is_provider:
            keys = string_leaves(resource, context).keys_in_clear
            named_in_clear = not harmless.issuperset(keys) and _names_a_secret_among(keys, harmless)
            if (
                named_in_clear
                or resource.kind in _OWN_CHECK_KINDS
                or "user_data" in resource.properties
                or facets.has_boot_data(resource)
            ):
                yield from _resource_findings(resource, named_in_clear)
    for use in stack_provider_uses(resources, context):
        for key, value in use.properties.items():
            if value is UNKNOWN:
                continue
            for path in _named_secrets(value, key, key, []):
                yield Violation(
                    f"the provider's {path} is in clear in its configuration: set it as a secret",
                    resource=use.subject,
                    path=path,
                )


POLICY = Policy(
    id="no-plaintext-secret",
    title="No password, token or private key in clear",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    rationale=(
        "A value in clear in a plan is in clear in the state file, in CI logs and in review tools; "
        "cloud-init `user_data` and `admin_pass` are also served to the guest by the metadata service. "
        "Keys and secrets must live in a security container (the stack's secrets provider, the key manager)."
    ),
    remediation=(
        "Make the value a Pulumi secret (`pulumi config set --secret`, `pulumi.Output.secret`) or a "
        "sensitive Terraform variable; use SSH key pairs instead of admin_pass; keep keys out of user_data "
        "and fetch them at boot from the key manager."
    ),
    requirements=("SecNumCloud 3.2 §10.5", "SecNumCloud 3.2 §10.3"),
    check_stack=check,
)
