"""What every reader shares: property normalization, Pulumi's wire markers, and finishing a resource."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, NoReturn

from ..errors import InputError
from ..kinds import kind_of
from ..model import UNKNOWN, Resource, Secret, _Unknown, add_tags, effective_region, snake_case

PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The string Pulumi writes for a value unknown at preview."""
PULUMI_SIG_KEY = "4dabf18193072939515e22adb298388d"
PULUMI_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 (a signature, not a password)
PULUMI_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
PULUMI_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
PULUMI_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
"""Output values on the wire: `value` (absent when unknown), `secret`, `dependencies`."""
PULUMI_BYTES_SIG = "803fd3297a5875dc03ca845dda5d2a98"
"""A string that is not valid UTF-8 (deployment version 4, feature `byteString`): `value` is its bytes in
base64."""
MASKED = "[secret]"
"""What `pulumi preview --json` prints in place of a secret value (inputs, outputs and `config`)."""

USER_MAP_KEYS = frozenset(
    {"metadata", "tags", "labels", "value_specs", "extra_specs", "headers", "all_metadata"}
)
"""Keys whose values are user maps: their keys are data, not property names, and keep their spelling."""

MAX_DEPTH = 200


@lru_cache(maxsize=8192)
def _snake(name: str) -> str:
    return snake_case(name)


def pulumi_value(value: Any, depth: int = 0, convert_keys: bool = True) -> Any:
    """A Pulumi property value with snake_case keys, UNKNOWN for the sentinel, Secret for envelopes.

    A secret whose value the document does not carry (a `ciphertext`, or the `[secret]` mask of
    `pulumi preview --json`) is `Secret(UNKNOWN)`: known to be secret, value unknown here.
    Plain scalars inside a container are copied without a call (most of a document is made of them);
    a non-empty container at MAX_DEPTH is refused, as its items, one level deeper, would have been.
    """
    if depth > MAX_DEPTH:
        raise RecursionError
    if isinstance(value, str):
        if value == PULUMI_UNKNOWN:
            return UNKNOWN
        if value == MASKED:
            return recorded_secret(UNKNOWN)
        return value
    if isinstance(value, dict):
        if PULUMI_SIG_KEY in value and value[PULUMI_SIG_KEY] is not None:
            return _pulumi_signed(value, value[PULUMI_SIG_KEY], depth, convert_keys)
        if value and depth >= MAX_DEPTH:
            raise RecursionError
        child = depth + 1
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = _snake(key) if convert_keys and isinstance(key, str) else key
            kind = type(item)
            if kind in _PLAIN_SCALARS or (kind is str and item != PULUMI_UNKNOWN and item != MASKED):
                out[name] = item
            else:
                out[name] = pulumi_value(item, child, name not in USER_MAP_KEYS)
        return out
    if isinstance(value, list):
        if value and depth >= MAX_DEPTH:
            raise RecursionError
        child = depth + 1
        return [
            item
            if (kind := type(item)) in _PLAIN_SCALARS
            or (kind is str and item != PULUMI_UNKNOWN and item != MASKED)
            else pulumi_value(item, child, convert_keys)
            for item in value
        ]
    return value


_PLAIN_SCALARS = frozenset({int, float, bool, type(None)})
"""Scalars `pulumi_value` returns as they are (strings too, but for the unknown sentinel and the mask)."""


def _pulumi_signed(value: dict[str, Any], signature: Any, depth: int, convert_keys: bool) -> Any:
    if signature == PULUMI_SECRET_SIG:
        if "value" in value:  # the wire form (gRPC structs, policy packs, mocks)
            return recorded_secret(pulumi_value(value["value"], depth + 1, convert_keys))
        plaintext = value.get("plaintext")
        if isinstance(plaintext, str):  # `stack export --show-secrets`: the value JSON-encoded
            try:
                decoded = json.loads(plaintext)
            except ValueError:
                decoded = plaintext
            return recorded_secret(pulumi_value(decoded, depth + 1, convert_keys))
        return recorded_secret(UNKNOWN)  # ciphertext only: this document cannot show the value
    if signature == PULUMI_OUTPUT_SIG:
        if "value" not in value:
            return UNKNOWN
        inner = pulumi_value(value["value"], depth + 1, convert_keys)
        return recorded_secret(inner) if value.get("secret") is True else inner
    if signature == PULUMI_BYTES_SIG:
        encoded = value.get("value")
        if isinstance(encoded, str):
            try:
                # Invalid bytes become U+FFFD: the rest of the text is still read (and scanned).
                return base64.b64decode(encoded, validate=True).decode("utf-8", "replace")
            except ValueError:
                pass  # not base64: kept as written, below
    if signature == PULUMI_REF_SIG:
        if "id" in value:
            # A custom resource's id; Pulumi writes "" while it is unknown (a resource the same preview
            # creates: `ResourceReference.IDString`), so "" is UNKNOWN, not an empty reference.
            ref_id = value["id"]
            return UNKNOWN if ref_id == "" else pulumi_value(ref_id, depth + 1, convert_keys)
        return pulumi_value(value.get("urn"), depth + 1, convert_keys)
    # Assets and archives (and signatures this reader does not know) are kept as written.
    return bound_nesting({k: v for k, v in value.items() if k != PULUMI_SIG_KEY}, depth + 1)


_RECORDING: ContextVar[list[Secret] | None] = ContextVar("souverain_recorded_secrets", default=None)


def recorded_secret(value: Any) -> Secret:
    """`Secret(value)`, also recorded when a reader is recording (see `recording_secrets`)."""
    secret = Secret(value)
    recorded = _RECORDING.get()
    if recorded is not None:
        recorded.append(secret)
    return secret


def object_properties(value: Any, file: str, field: str, unknown_why: str) -> dict[str, Any]:
    """A resource's properties from its whole value as a reader built it. A whole object marked secret
    (which the tools write for outputs, not resources) keeps each property as a secret; a whole object
    unknown until apply is refused: no policy could judge it, and an empty object would pass unseen."""
    if isinstance(value, dict):
        return value
    if isinstance(value, Secret):
        whole = value.reveal()
        if isinstance(whole, Mapping):
            return {key: recorded_secret(item) for key, item in whole.items()}
    if value is UNKNOWN:
        fail(file, field, f"is unknown as a whole ({unknown_why}), so no policy can judge it")
    if isinstance(value, Mapping):
        return dict(value)
    fail(file, field, f"must be an object, not {json_type(value)}")


@contextmanager
def recording_secrets() -> Iterator[list[Secret]]:
    """Record every Secret the readers wrap while the block runs: the reports then know the plan's secret
    values without walking every property of every resource again (`Plan.secrets`)."""
    recorded: list[Secret] = []
    token = _RECORDING.set(recorded)
    try:
        yield recorded
    finally:
        _RECORDING.reset(token)


def terraform_value(value: Any, unknown: Any, sensitive: Any, depth: int = 0) -> Any:
    """A Terraform `after` value with `after_unknown` leaves as UNKNOWN and `after_sensitive` as Secret.

    Terraform omits unknown attributes from `after` (and writes null for unknown list elements), so
    the unknown mask is walked too, not only the value. Parts of the value that no mask marks are
    shared with the input document, not copied: plans are large and these parts are most of them.
    """
    if depth > MAX_DEPTH:
        raise RecursionError
    if sensitive is True:
        return recorded_secret(terraform_value(value, unknown, None, depth + 1))
    if unknown is True:
        return UNKNOWN
    if isinstance(value, dict) or (value is None and isinstance(unknown, dict) and unknown):
        unknown_map: dict[str, Any] = unknown if isinstance(unknown, dict) else {}
        sensitive_map: dict[str, Any] = sensitive if isinstance(sensitive, dict) else {}
        if not _marks(unknown_map) and not _marks(sensitive_map):
            return value
        marked = [k for k, m in unknown_map.items() if m is True or (m and _marks(m))]
        seen = set(marked)
        marked += [k for k, m in sensitive_map.items() if (m is True or (m and _marks(m))) and k not in seen]
        if not marked:
            return value
        source: dict[str, Any] = value if isinstance(value, dict) else {}
        out = dict(source)
        for key in marked:
            mark_u = unknown_map.get(key)
            mark_s = sensitive_map.get(key)
            if mark_u is True:
                out[key] = recorded_secret(UNKNOWN) if mark_s is True else UNKNOWN
            elif mark_s is True:
                out[key] = recorded_secret(terraform_value(source.get(key), mark_u, None, depth + 1))
            else:
                out[key] = terraform_value(source.get(key), mark_u, mark_s, depth + 1)
        return out
    if isinstance(value, list) or (value is None and isinstance(unknown, list) and unknown):
        unknown_list = unknown if isinstance(unknown, list) else ()
        sensitive_list = sensitive if isinstance(sensitive, list) else ()
        if not _marks(unknown_list) and not _marks(sensitive_list):
            return value
        items: list[Any] = value if isinstance(value, list) else [None] * len(unknown_list)
        return [
            terraform_value(
                item,
                unknown_list[i] if i < len(unknown_list) else None,
                sensitive_list[i] if i < len(sensitive_list) else None,
                depth + 1,
            )
            for i, item in enumerate(items)
        ]
    return value


def _marks(mask: Any) -> bool:
    """Whether an unknown/sensitive mask marks anything (`true` somewhere inside)."""
    if mask is True:
        return True
    if isinstance(mask, dict):
        mask = mask.values()
    elif not isinstance(mask, list):
        return False
    if not any(mask):  # the usual mask: false and empty containers only, told apart in C
        return False
    return any(item is True or (item and isinstance(item, dict | list) and _marks(item)) for item in mask)


def bound_nesting(value: Any, depth: int = 0) -> Any:
    """`value` itself, once shown to nest no deeper than MAX_DEPTH below `depth` (RecursionError otherwise).

    Readers share parts of the document with the model rather than copy them, and a JSON decoder accepts
    about a thousand levels (more on Python 3.12+); policies and reports walk values recursively, so what
    is shared is bounded here as a copy would have been. Scalars are skipped without a call.
    """
    if depth > MAX_DEPTH:
        raise RecursionError
    kind = type(value)
    if kind is dict:
        items: Iterable[Any] = value.values()
    elif kind is list:
        items = value
    elif kind is Secret:
        bound_nesting(value.reveal(), depth + 1)
        return value
    else:
        return value
    for item in items:
        if type(item) in _NESTED_TYPES:
            bound_nesting(item, depth + 1)
    return value


_NESTED_TYPES = frozenset({dict, list, Secret})
"""What `bound_nesting` opens; anything else (scalars, UNKNOWN) nests nothing."""


def region_value(value: Any) -> str | _Unknown | None:
    """A provider's `region` setting as the model wants it: a name, UNKNOWN, or None when unset."""
    if isinstance(value, Secret):
        value = value.reveal()
    if isinstance(value, _Unknown):
        return value
    if isinstance(value, str) and value:
        return value
    return None


def finish(resource: Resource) -> Resource:
    """Fill in what derives from the rest: kind, effective region, tags."""
    resource.kind = kind_of(resource.type)
    resource.region, resource.region_source = effective_region(resource)
    props = resource.properties
    tags: dict[str, str] = {}
    previous: Any = None
    for key in _TAG_KEYS:
        raw = props.get(key)
        if isinstance(raw, Secret):
            raw = raw.reveal()
        # Terraform's `all_tags` usually repeats `tags`: adding the same pairs again changes nothing.
        if raw and not (type(raw) is list and type(previous) is list and raw == previous):
            add_tags(tags, raw)
            previous = raw
    resource.tags = tags
    return resource


_TAG_KEYS = ("tags", "all_tags", "metadata", "labels")


def pulumi_package(type_token: str) -> str:
    """`openstack:compute/instance:Instance` -> `openstack`; `pulumi:providers:aws` -> `aws`."""
    if type_token.startswith("pulumi:providers:"):
        return type_token.removeprefix("pulumi:providers:")
    return type_token.split(":", 1)[0]


# Defensive field access: a plan is untrusted input, so every field read from it is type-checked and a
# wrong shape becomes an InputError naming the file and the field path (`steps[3].urn`), never a crash.

_JSON_TYPE_NAMES: dict[type, str] = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def json_type(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def fail(file: str, field: str, message: str) -> NoReturn:
    raise InputError(file, message, field=field or None)


def expect_mapping(value: Any, file: str, field: str) -> Mapping[str, Any]:
    """An object; null or absent counts as empty."""
    if type(value) is dict or isinstance(value, Mapping):
        return value
    if value is None:
        return {}
    fail(file, field, f"must be an object, not {json_type(value)}")


def expect_list(value: Any, file: str, field: str) -> list[Any]:
    """A list; null or absent counts as empty."""
    if isinstance(value, list):
        return value
    if value is None:
        return []
    fail(file, field, f"must be a list, not {json_type(value)}")


def expect_str(value: Any, file: str, field: str) -> str:
    """A required, non-empty string."""
    if isinstance(value, str) and value:
        return value
    if value is None:
        fail(file, field, "is missing")
    if value == "":
        fail(file, field, "is empty")
    fail(file, field, f"must be a string, not {json_type(value)}")


def optional_str(value: Any, file: str, field: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    fail(file, field, f"must be a string, not {json_type(value)}")


def optional_bool(value: Any, file: str, field: str, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    fail(file, field, f"must be true or false, not {json_type(value)}")


IS_STR = str.__instancecheck__
"""`isinstance(x, str)` as a C callable: `all(map(IS_STR, value))` checks a list the document gives
before `str_tuple` is called to report it."""


def str_tuple(value: Any, file: str, field: str) -> tuple[str, ...]:
    """A list of strings (dependencies, actions); null or absent counts as empty."""
    items = expect_list(value, file, field)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            fail(file, f"{field}[{index}]", f"must be a string, not {json_type(item)}")
    return tuple(items)


def key_path(field: str, key: str) -> str:
    """`config` + `openstack:region` -> `config["openstack:region"]`; plain names use a dot."""
    if key.replace("_", "").isalnum():
        return f"{field}.{key}" if field else key
    return f"{field}[{json.dumps(key)}]"
