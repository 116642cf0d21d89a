"""Checks of a Pulumi stack file itself (`Pulumi.<stack>.yaml`), located on its lines.

- A value that looks secret written in clear (not `secure:`): a key that names a secret (`dbPassword`,
  `openstack:password`, `apiKey`, by the same rule as `no-plaintext-secret`'s property names), a PEM
  private key, or a URL with a password. Pulumi stores the file in the repository: whatever is in clear
  there is in clear in every clone. Provider credentials are included.
- A key nobody knows: not declared in `Pulumi.yaml`, not read by the program during the offline run,
  not a configuration key of the provider package it names, not one of souverain's. A typo
  (`adminRange`) silently leaves a default in place; the finding names the closest known key.

Findings never carry the value. A namespace whose keys cannot be known (a provider package that is not
installed) is not judged: unknown is not wrong here, since the key decides nothing by itself.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .model import InputFinding, SourceLocation
from .yaml_lines import LinePath, value_lines

PLAINTEXT_ID = "stack-config-plaintext-secret"
UNKNOWN_KEY_ID = "stack-config-unknown-key"

SOUVERAIN_KEYS = frozenset({"souverain:catalogOverlays", "souverain:policyConfig", "souverain:production"})
"""The keys souverain itself reads (docs/stacks.md)."""
PULUMI_KEYS = frozenset({"pulumi:disable-default-providers", "pulumi:tags", "pulumi:template"})
"""Keys of the `pulumi` namespace the CLI reads."""

_PEM_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
_PACKAGE_KEY = re.compile(r"""__config__\.get\w*\(\s*['"]([A-Za-z0-9_-]+)['"]""")


def _names_a_secret(key: str) -> bool:
    from souverain.policies.no_plaintext_secret import names_a_secret

    return names_a_secret(key)


def _is_secure(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"secure"}


def _clear_secrets(value: Any, key: str, sub: LinePath = ()) -> Iterator[tuple[LinePath, str]]:
    """(place inside the value, what) for each part of a stack value that looks secret in clear."""
    if _is_secure(value):
        return
    if isinstance(value, Mapping):
        for child, item in value.items():
            yield from _clear_secrets(item, str(child), (*sub, str(child)))
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _clear_secrets(item, key, (*sub, index))
        return
    if not isinstance(value, str) or not value:
        return
    if _PEM_PRIVATE_KEY.search(value):
        yield sub, "a private key"
    elif _URL_PASSWORD.search(value):
        yield sub, "a URL with a password"
    elif _names_a_secret(key.rsplit(":", 1)[-1]):
        yield sub, "a value its name says is secret"


def _where(sub: LinePath) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in sub)


def _line(lines: Mapping[LinePath, int], raw_keys: Mapping[str, str], key: str, sub: LinePath) -> int | None:
    raw = raw_keys.get(key, key)
    for depth in range(len(sub), -1, -1):  # the value's own line, else its nearest enclosing one
        line = lines.get(("config", raw, *sub[:depth]))
        if line is not None:
            return line
    return None


def _raw_keys(lines: Mapping[LinePath, int], normalize: Any) -> dict[str, str]:
    """Normalized key -> the key as written (`ns:config:name` is `ns:name`)."""
    return {
        normalize(where[1]): str(where[1])
        for where in lines
        if len(where) == 2 and where[0] == "config" and isinstance(where[1], str)
    }


def plaintext_secrets(
    stack_path: Path, config: Mapping[str, Any], normalize: Any, stack_name: str
) -> list[InputFinding]:
    """A finding per value of the stack file that looks secret and is not `secure:`."""
    lines = value_lines(stack_path)
    raw_keys = _raw_keys(lines, normalize)
    found = []
    for key, value in config.items():
        for sub, what in _clear_secrets(value, key):
            line = _line(lines, raw_keys, key, sub)
            found.append(
                InputFinding(
                    policy=PLAINTEXT_ID,
                    severity="high",
                    message=(
                        f"{key}{_where(sub)} holds {what} in clear in {stack_path.name}: set it with "
                        f"`pulumi config set --secret {key}` (and rotate it: the file is in the repository)"
                    ),
                    resource=f"{stack_name}:{key}",
                    type="pulumi:stack-config",
                    location=SourceLocation(str(stack_path), line) if line else None,
                    path=key + _where(sub),
                )
            )
    return found


@lru_cache(maxsize=32)
def package_config_keys(namespace: str) -> frozenset[str] | None:
    """The configuration keys the installed Pulumi package `namespace` reads (its generated
    `pulumi_<namespace>/config/vars.py`), or None when that package is not installed."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", namespace):
        return None
    module = f"pulumi_{namespace.replace('-', '_')}.config.vars"
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    try:
        text = Path(spec.origin).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return frozenset(f"{namespace}:{name}" for name in _PACKAGE_KEY.findall(text))


def unknown_keys(
    stack_path: Path,
    keys: Iterable[str],
    declared: Iterable[str],
    read: Iterable[str],
    normalize: Any,
    stack_name: str,
) -> list[InputFinding]:
    """A finding per stack key no one reads, with the closest known key of its namespace."""
    known = set(declared) | set(read) | SOUVERAIN_KEYS | PULUMI_KEYS
    lines = value_lines(stack_path)
    raw_keys = _raw_keys(lines, normalize)
    found = []
    for key in keys:
        if key in known:
            continue
        namespace = key.split(":", 1)[0]
        candidates = {k for k in known if k.split(":", 1)[0] == namespace}
        if namespace not in {"souverain", "pulumi"}:
            package_keys = package_config_keys(namespace)
            if package_keys is not None:
                if key in package_keys:
                    continue
                candidates |= package_keys
            elif not candidates:
                continue  # a namespace whose keys cannot be known: not judged
        closest = difflib.get_close_matches(key, sorted(candidates), n=1, cutoff=0.6)
        hint = f"; did you mean {closest[0]}?" if closest else ""
        line = _line(lines, raw_keys, key, ())
        found.append(
            InputFinding(
                policy=UNKNOWN_KEY_ID,
                severity="medium",
                message=(
                    f"{key} in {stack_path.name} is read by nothing: not declared in Pulumi.yaml, not read "
                    f"by the program{hint}"
                ),
                resource=f"{stack_name}:{key}",
                type="pulumi:stack-config",
                location=SourceLocation(str(stack_path), line) if line else None,
                path=key,
            )
        )
    return found
