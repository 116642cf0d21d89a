"""Typed, validated stack configuration for Pulumi programs: read Pulumi config into a pydantic model.

A program declares its configuration once, as a pydantic model whose field aliases are Pulumi config keys
(`openstack:region`, or `researchProjects` for the project's own namespace), and calls `load_config`
before creating any resource. A bad or missing value raises `StackConfigError` naming the config key, so
`pulumi up` stops with a clear message, and `souverain check` turns it into one line naming
`Pulumi.<stack>.yaml` and the key.

Secret keys are refused here: their values must stay `Output` secrets (`pulumi.Config().require_secret`),
never plain strings in a model where they could reach a resource input in clear.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel, ValidationError

from .catalog import Catalog, load_catalog
from .errors import InputError
from .validation import readable_errors

ModelT = TypeVar("ModelT", bound=BaseModel)

CATALOG_KEY = "souverain:catalogOverlays"
"""Config key naming the catalog overlays (paths relative to the project folder) a stack relies on."""


class StackConfigError(ValueError):
    """A stack config value is missing or invalid. `key` is the full config key, with the path inside it."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


def full_key(key: str, project: str) -> str:
    """`researchProjects` -> `health-data-hub:researchProjects`; namespaced keys are returned unchanged."""
    return key if ":" in key else f"{project}:{key}"


def _decoded(raw: str) -> Any:
    """Pulumi passes structured values as JSON text, everything else as the string written."""
    stripped = raw.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def value_path(loc: tuple[int | str, ...]) -> str:
    """`(1, "name")` -> `[1].name`: the place inside a structured value."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def config_error(exc: ValidationError, project: str) -> StackConfigError:
    """The first error of a validation, as the config key and path it is about (no validator internals)."""
    first = readable_errors(exc)[0]
    loc = first.path
    if not loc:
        return StackConfigError(f"{project}:<config>", first.message)
    key = full_key(str(loc[0]), project)
    message = first.message
    if message == "required" and len(loc) == 1:
        message = "missing: set it in the stack config"
    return StackConfigError(key + value_path(loc[1:]), message)


def load_config(
    model: type[ModelT], project: str | None = None, context: Mapping[str, Any] | None = None
) -> ModelT:
    """Read every field of `model` from Pulumi config (field alias = config key) and validate it.

    `context` is pydantic's validation context (validators read the catalog from it, for one).
    """
    project = project or pulumi.get_project()
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        qualified = full_key(key, project)
        if runtime_config.is_config_secret(qualified):
            raise StackConfigError(
                qualified, "is a secret: read it with Config.require_secret, not a config model"
            )
        raw = runtime_config.get_config(qualified)
        if raw is not None:
            data[key] = _decoded(raw)
    try:
        return model.model_validate(data, context=dict(context or {}))
    except ValidationError as exc:
        raise config_error(exc, project) from None


_checking: Catalog | None = None
"""The catalog of a `souverain check` running the program offline (see `checking_catalog`)."""


@contextmanager
def checking_catalog(catalog: Catalog | None) -> Iterator[None]:
    """While a check runs the program, `stack_catalog()` is the check's catalog (`--catalog` included),
    so components validate against what the policies judge with. A module global, not a context
    variable: the program runs on a thread of its own, in a fresh context."""
    global _checking
    previous, _checking = _checking, catalog
    try:
        yield
    finally:
        _checking = previous


def stack_catalog() -> Catalog:
    """The shipped catalog plus the overlays the stack declares in `souverain:catalogOverlays`.

    Paths are relative to the project folder (Pulumi's root directory), so `pulumi up` and `souverain
    check` read the same files. Components validate against this catalog, the checker's policies too.
    Under `souverain check`, the check's own catalog, which adds any `--catalog` overlay.
    """
    if _checking is not None:
        return _checking
    raw = runtime_config.get_config(CATALOG_KEY)
    if raw is None:
        return load_catalog()
    entries = _decoded(raw)
    if isinstance(entries, str):
        entries = [entries]
    if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
        raise StackConfigError(CATALOG_KEY, "expected a list of catalog overlay paths")
    root = Path(pulumi.get_root_directory())
    try:
        return load_catalog([root / entry for entry in entries])
    except InputError as exc:
        raise StackConfigError(CATALOG_KEY, exc.line()) from None
