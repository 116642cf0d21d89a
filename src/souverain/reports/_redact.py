"""Last line of defence: no secret value leaves in a report, whatever a message or field contains."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..model import Plan, Resource, Secret, walk_values

REDACTED = "[secret]"
MIN_SECRET_LENGTH = 4
"""Shorter secrets would redact ordinary words; they are also too short to be worth stealing."""


def _secret_strings(value: Any) -> Iterator[str]:
    for _, leaf in walk_values(value):
        if isinstance(leaf, Secret):
            for _, inner in walk_values(leaf.reveal()):
                if isinstance(inner, str) and len(inner) >= MIN_SECRET_LENGTH:
                    yield inner
                elif isinstance(inner, int | float) and not isinstance(inner, bool) and len(str(inner)) >= 6:
                    yield str(inner)


def secret_strings(resources: Iterable[Resource], plan: Plan | None = None) -> set[str]:
    found: set[str] = set()
    for resource in resources:
        found.update(_secret_strings(resource.properties))
        if resource.provider is not None:
            found.update(_secret_strings(dict(resource.provider.properties)))
    if plan is not None:
        found.update(_secret_strings(plan.config))
    return found


def redact(text: str, resources: Iterable[Resource], plan: Plan | None = None) -> str:
    for secret in sorted(secret_strings(resources, plan), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
