"""no-plaintext-secret: no password, token or private key in clear in the plan, the state or cloud-init.

What is in clear in a plan is in clear in the state, in CI logs and in the cloud's metadata service. A
Pulumi secret (or a Terraform sensitive value) is encrypted or at least masked; anything else is not.
`admin_pass` is refused even as a secret: Nova hands it to the guest through the metadata service.
A stack-level check, so a provider configured once yields one finding, not one per resource.

Where a secret hides: under a key that names one (`db_password`, `PGPASSWORD`, an env entry
`{name: PGPASSWORD, value: ...}`), in a text (`export MYSQL_PWD=...`, `postgres://u:pw@h`, a PEM private
key, a cloud-init `passwd:`), and in the encoded layers of either (base64, gzip+base64, MIME parts: the
decoder `_decode` that the host scans share). A value is judged too, not only its key (`secret_value`):
`http_tokens: "optional"` and `api_key_source: "HEADER"` hold no secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import Any

from souverain import facets
from souverain.kinds import secret_reference_keys, secret_value_paths, values_at
from souverain.model import UNKNOWN, Resource, Secret, snake_case, walk_values
from souverain.policy import Context, Enforcement, Policy, Severity, Violation

from ._decode import decode, looks_encoded
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


SECRET_SUFFIXES = ("password", "passwd", "passphrase", "secret", "token", "apikey", "secretkey", "privatekey")
"""Endings that make one run-together word a secret's name (`PGPASSWORD`, `KEYSTONEPASSWD`, `VAULTTOKEN`)."""


@lru_cache(maxsize=4096)
def names_a_secret(key: str) -> bool:
    """Whether a property or map key names a secret value: `adminPassword`, `api-key`, `db_token`,
    `PGPASSWORD`, `MYSQL_PWD`."""
    words = [word for word in _WORD_SPLIT.split(snake_case(key).casefold()) if word]
    if not words or words[-1] in NOT_A_SECRET_LAST_WORDS:
        return False
    if any(word in SECRET_WORDS or word.endswith(SECRET_SUFFIXES) for word in words):
        return True
    return any(pair in SECRET_PAIRS for pair in pairwise(words))


SWITCH_WORDS = frozenset(
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "enabled", "disabled", "enable", "disable",
        "none", "null", "nil", "optional", "required", "preferred", "auto", "default", "always", "never",
        "unset", "empty", "random",
    }
)  # fmt: skip
"""Values that switch a setting rather than hold a secret (`http_tokens: optional`, `password: RANDOM`)."""
_CONSTANT = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
"""An API constant in capitals (`HEADER`, `AUTHORIZER`, `SECURE_STRING`): an enum value."""
_REFERENCE = re.compile(
    r"(?:\$\{.*\}|\$\(.*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\}|\(\(.*\)\)|<[^<>]*>|%[sd]|\*+|x{3,}|X{3,})"
    r"|(?:arn|vault|ref\+[a-z0-9]+|sm|secretsmanager|ssm|gcpsm|azkv|keyvault|op|bws|sops)://?\S*"
    r"|arn:\S+|/[^\s]*",
    re.DOTALL,
)
"""A reference to a secret kept elsewhere, or a placeholder: `${DB_PASSWORD}`, `$(cat /run/secrets/db)`,
`{{ vault_pw }}`, `<password>`, `***`, `arn:aws:secretsmanager:...`, `vault://...`, a file path."""
MAX_CONSTANT = 40
"""Longer runs of capitals are not enum values."""
MIN_SECRET_VALUE = 4
"""Shorter values are no credential worth the name (and are what enum codes look like: `on`, `v2`)."""


def secret_value(value: str) -> bool:
    """Whether a value under a secret's name looks like a secret. Not one: a value shorter than
    `MIN_SECRET_VALUE`, a switch word (`SWITCH_WORDS`), an API constant in capitals of at most
    `MAX_CONSTANT` characters without digits (`HEADER`), a
    reference or placeholder (`_REFERENCE`), a URL without a password. Anything else is (fail closed)."""
    text = value.strip()
    if len(text) < MIN_SECRET_VALUE or text.casefold() in SWITCH_WORDS:
        return False
    if (
        len(text) <= MAX_CONSTANT
        and _CONSTANT.fullmatch(text) is not None
        and not any(c.isdigit() for c in text)
    ):
        return False
    if _REFERENCE.fullmatch(text) is not None:
        return False
    if "://" in text and " " not in text:
        return _URL_PASSWORD.search(text) is not None
    return True


_CLOUD_INIT_PASSWORD_KEYS = frozenset({"password", "passwd", "plain_text_passwd", "hashed_passwd"})

_URL_PASSWORD = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@'\"]*:(?P<password>[^/\s@'\"]+)@")
"""A password in a URL's userinfo: `postgres://u:pw@h`, `amqp://u:pw@h`, `redis://:pw@h`."""

_CLOUD_INIT_PATTERNS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    (
        "a PEM private key",
        ("private key", "putty-user-key"),
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-[0-9]+:"),
    ),
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
"""What gives a secret away in a text (cloud-init `user_data`, a script, a config file): a description,
lowercase substrings one of which must be present (a cheap test before the pattern), and the pattern."""

_ASSIGNMENT_HINTS = ("pass", "pwd", "secret", "token", "key", "psk")
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<key>[A-Za-z0-9_.-]+)"
    r"(?P<sep>[ \t]*=[ \t]*|[ \t]*:[ \t]+)[\"']?(?P<value>(?![\"'$\s{<])[^\s\"'#;]{6,})"
)
"""`DB_PASSWORD=...`, `--token=...`, `client_secret: ...` in scripts and config files written by cloud-init;
kept only when the key names a secret by the same rule as property names."""

_CHPASSWD_ENTRY = re.compile(
    r"(?m)^[ \t]*(?:-[ \t]*)?[\"']?[a-z_][\w.-]*:(?!//)(?!(?:RANDOM|R)\b)[^\s:\"']+[\"']?[ \t]*$"
)
"""A `user:password` line of cloud-init's `chpasswd: {list: ...}` (legacy form)."""

_SCALARS = frozenset({int, float, bool})


@lru_cache(maxsize=4096)
def secrets_in_text(text: str) -> tuple[str, ...]:
    """What kinds of secret a text holds in clear (never the values): a cloud-init document, a script, a
    config file, a connection string, one line of a command.

    Cached: instances of one tier share their cloud-init document, and plans repeat their strings.
    """
    lower = text.casefold()
    found = [
        what
        for what, hints, pattern in _CLOUD_INIT_PATTERNS
        if any(hint in lower for hint in hints) and pattern.search(text)
    ]
    if "chpasswd" in lower and _CHPASSWD_ENTRY.search(text):
        found.append("a chpasswd entry")
    if (
        "://" in text
        and "@" in text
        and any(secret_value(match["password"]) for match in _URL_PASSWORD.finditer(text))
    ):
        found.append("a password in a URL")
    if any(hint in lower for hint in _ASSIGNMENT_HINTS) and any(
        names_a_secret(match["key"].lstrip("-"))
        and secret_value(match["value"])
        and not (
            ":" in match["sep"] and match["key"].casefold() in _CLOUD_INIT_PASSWORD_KEYS
        )  # "a password entry"
        for match in _ASSIGNMENT.finditer(text)
    ):
        found.append("a password, token or key assignment")
    return tuple(found)


def secrets_in_value(text: str) -> tuple[tuple[str, ...], str | None]:
    """What kinds of secret a string holds in clear, in itself or in the layers decoded from it, and why
    some layer could not be decoded (a bound exceeded: the value cannot be shown to hold none)."""
    found = list(secrets_in_text(text))
    decoded = decode(text)
    for inner in decoded.texts:
        found.extend(what for what in secrets_in_text(inner) if what not in found)
    return tuple(found), decoded.problem


secrets_in_user_data = secrets_in_text
"""The name this scan had when it read `user_data` only."""


def _value_findings(text: str) -> str | None:
    """The finding's wording for a string holding a secret in its text or its encoded layers, or None."""
    found, problem = secrets_in_value(text)
    if found:
        return f"holds {' and '.join(found)} in clear"
    if problem is not None:
        return f"is encoded beyond what the gate decodes ({problem}), so it cannot be shown to hold no secret"
    return None


_TEXT_HINTS = re.compile(r"[\n=@]|-----|PuTTY|:[ \t]|(?i:passw)|AKIA|ASIA")
"""What a text must contain for `secrets_in_text` to find anything in it (one C-speed search), each
alternative one pattern's: a PEM or PuTTY key (`-----`, `PuTTY`), a password entry or chpasswd in any case
(`passw`), an AWS key, a URL's userinfo (`@`), an assignment (`=`, or `:` then a space or tab). Otherwise
only an encoded layer can hold a secret. Keep it in step with the patterns: a hint too narrow lets a secret
through (`PASSWORD:...` did, before `passw` was matched in any case)."""
_PAIR_NAME_KEYS = ("name", "key", "variable", "env")
"""Keys that name the secret of a name/value pair (`env: [{name: PGPASSWORD, value: ...}]`)."""


@lru_cache(maxsize=16384)
def _text_finding(text: str) -> str | None:
    """`_value_findings`, memoized, for any string: most fail the hints and are not encoded, and so hold
    nothing (bench/: the 10k plan's 1904 hashed `user_data` values cost 0.008 s through the full scan)."""
    if _TEXT_HINTS.search(text) is None and not looks_encoded(text):
        return None
    return _value_findings(text)


def _is_clear(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _pair_names_a_secret(mapping: Mapping[Any, Any]) -> bool:
    """Whether a name/value pair (`{name: PGPASSWORD, value: ...}`) names a secret by its name."""
    for key in _PAIR_NAME_KEYS:
        name = mapping.get(key)
        if type(name) is str and names_a_secret(name):
            return True
    return False


def _named_secrets(value: Any, path: str, key: str, out: list[str]) -> list[str]:
    """Add to `out` the paths under `value` whose own key names a secret (or whose name/value pair does)
    and whose value, a string in clear, looks like a secret (`secret_value`; secrets are skipped). Plain
    loops: it runs on every property of every resource."""
    kind = type(value)
    if kind is str:
        if value and names_a_secret(key) and secret_value(value):
            out.append(path)
    elif kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping)):
        pair = "value" in value and _pair_names_a_secret(value)
        for child_key, item in value.items():
            item_kind = type(item)
            if item_kind is str:
                if (
                    item
                    and (names_a_secret(str(child_key)) or (pair and child_key == "value"))
                    and secret_value(item)
                ):
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


SKIPPED_TEXT_KEYS = frozenset({"description"})
"""Prose for people, not read by a machine: its text is not scanned (a key named like a secret still is)."""


def _text_paths(props: Mapping[str, Any], skip: set[str]) -> Iterator[tuple[str, str]]:
    """(path, wording) of every string in clear whose text, or a layer decoded from it, holds a secret."""
    for key, value in props.items():
        if key in skip or key in SKIPPED_TEXT_KEYS or value is None or type(value) in _SCALARS:
            continue
        for path, leaf in walk_values(value, key):
            if type(leaf) is str:
                wording = _text_finding(leaf)
                if wording is not None:
                    yield path, wording


def _resource_findings(resource: Resource, named_in_clear: bool, in_texts: bool) -> Iterator[Violation]:
    """`named_in_clear`: some string in clear sits under a key (or in a name/value pair) that names a
    secret; `in_texts`: some string in clear holds one in its text (both from the fast pass). Only then are
    the properties walked again for the paths."""
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
    named: set[str] = set()
    if named_in_clear:
        for key, value in props.items():
            if key in skip:
                continue
            if value is None or type(value) in _SCALARS:
                continue
            for path in _named_secrets(value, key, key, []):
                named.add(path)
                yield Violation(f"{path} holds a secret in clear", resource=resource, path=path)
    for path, user_data in _boot_data(resource):  # labelled as boot data, read whole or decoded
        skip.add(path.split(".", 1)[0])
        if isinstance(user_data, str) and user_data and path not in named:
            wording = _text_finding(user_data)
            if wording is not None:
                yield Violation(f"{path} ({_BOOT_DATA_WHAT}) {wording}", resource=resource, path=path)
    if not in_texts:
        return
    for path, wording in _text_paths(props, skip):
        if path in named:
            continue
        yield Violation(f"{path} {wording}", resource=resource, path=path)


def _texts_hold_secrets(texts: Sequence[str], harmless: set[str]) -> bool:
    """Whether one of `texts` holds a secret (or cannot be decoded); the others are added to `harmless`."""
    found = False
    for text in texts:
        if text not in harmless:
            if _text_finding(text) is not None:
                found = True
            else:
                harmless.add(text)
    return found


def check(resources: Sequence[Resource], context: Context) -> Iterator[Violation]:
    harmless: set[Any] = set()  # keys seen in this stack that name no secret: most resources have only those
    harmless_texts: set[str] = set()  # strings in clear seen in this stack that hold none
    for resource in resources:
        if resource.custom and not resource.is_provider:
            leaves = string_leaves(resource, context)
            keys = leaves.keys_in_clear
            named_in_clear = not harmless.issuperset(keys) and _names_a_secret_among(keys, harmless)
            if not named_in_clear and "value" in keys:
                named_in_clear = any(_pair_names_in(value) for value in resource.properties.values())
            texts = leaves.texts_in_clear
            in_texts = not harmless_texts.issuperset(texts) and _texts_hold_secrets(texts, harmless_texts)
            if (
                named_in_clear
                or in_texts
                or resource.kind in _OWN_CHECK_KINDS
                or "user_data" in resource.properties
                or facets.has_boot_data(resource)
            ):
                yield from _resource_findings(resource, named_in_clear, in_texts)
    for use in stack_provider_uses(resources, context):
        for key, value in use.properties.items():
            if value is UNKNOWN:
                continue
            named = _named_secrets(value, key, key, [])
            for path in named:
                yield Violation(
                    f"the provider's {path} is in clear in its configuration: set it as a secret",
                    resource=use.subject,
                    path=path,
                )
            for path, wording in _text_paths({key: value}, set()):
                if path not in named:
                    yield Violation(
                        f"the provider's {path} {wording} in its configuration: set it as a secret",
                        resource=use.subject,
                        path=path,
                    )


def _pair_names_in(value: Any) -> bool:
    """Whether a name/value pair naming a secret sits anywhere under `value` (rare: env lists)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if type(item) is dict or (isinstance(item, Mapping) and not isinstance(item, Secret)):
            if "value" in item and type(item.get("value")) is str and _pair_names_a_secret(item):
                return True
            stack.extend(item.values())
        elif type(item) is list or type(item) is tuple:
            stack.extend(item)
    return False


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
