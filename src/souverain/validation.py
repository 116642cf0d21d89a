"""pydantic validation errors as a person reads them: the argument's path and the reason, nothing else.

pydantic's own text carries its schema internals (`lax-or-strict[...]`, `function-after[...]`,
`[type=value_error, input_value=...]`) and, for a union such as `IPv4Network | IPv6Network`, one error
per member. Components and stack config models report through `readable_errors`, so no message a user
sees names a validator; `cidr` gives networks the one message worth having (host bits set, and the
network that was probably meant).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

_SCHEMA_TAG = re.compile(r"[\[\]()]|^(?:[a-z]+-)+[a-z]+$")
"""`lax-or-strict[...]`, `function-after[...]`, `json-or-python`, `is-instance[...]`: schema steps."""
_TYPE_NAMES = frozenset(
    {
        "int",
        "str",
        "float",
        "bool",
        "bytes",
        "list",
        "dict",
        "tuple",
        "set",
        "none",
        "IPv4Network",
        "IPv6Network",
        "IPv4Address",
        "IPv6Address",
        "IPv4Interface",
        "IPv6Interface",
    }
)
"""Union members pydantic puts in the location: a type, not a place in the user's value."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a value was refused."""

    path: tuple[int | str, ...]
    """Where in the arguments: field names and list indexes."""
    message: str
    input: Any = None
    """The refused value, to find where it came from (a config key); never printed as such."""

    @property
    def where(self) -> str:
        """`admin_ranges[0]`, `tiers.web.cidr`."""
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return text

    def line(self) -> str:
        return f"{self.where}: {self.message}" if self.path else self.message


def _place(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    return tuple(
        part for part in loc if isinstance(part, int) or not (_SCHEMA_TAG.search(part) or part in _TYPE_NAMES)
    )


def _message(error: Any) -> str:
    message = str(error.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error.get("type") == "missing":
        return "required"
    if error.get("type") == "extra_forbidden":
        return "not an argument of this component (a typo?)"
    return message


def readable_errors(exc: ValidationError) -> list[Problem]:
    """One problem per place, in pydantic's order; a union's alternatives collapse into one.

    Of several errors at one place, the one a validator of ours raised (`value_error`) wins: it says
    what is wrong with the value, where the union members only say it is not their type.
    """
    chosen: dict[tuple[int | str, ...], Any] = {}
    for error in exc.errors(include_url=False):
        place = _place(tuple(error["loc"]))
        current = chosen.get(place)
        if current is None or (error["type"] == "value_error" and current["type"] != "value_error"):
            chosen[place] = error
    problems = [Problem(place, _message(error), error.get("input")) for place, error in chosen.items()]
    # An error on a whole collection caused by its refused items ("should have at least 1 item after
    # validation") repeats what the item says: keep the item.
    return [
        problem
        for problem in problems
        if not any(
            other.path[: len(problem.path)] == problem.path and len(other.path) > len(problem.path)
            for other in problems
        )
    ]


def cidr(value: Any) -> Any:
    """A network in CIDR notation, host bits clear; `10.0.0.1/24` is refused and the fix suggested.

    pydantic (like `ipaddress`, strictly) refuses it as "not a valid IPv4 network", which sends the user
    looking for a typo in the wrong place. Non-strings pass through to the field's own validation.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not a network in CIDR notation (such as 192.0.2.0/24)") from None
    raise ValueError(f"{text} has host bits set; did you mean {loose}?")


class ComponentRefusedError(ValueError):
    """A component refused its arguments before registering anything: which component, where, why.

    One readable line (`Bastion 'bastion': admin_ranges[0]: 10.0.0.1/24 has host bits set; ...`), never
    a validator's internals. `problems` lists every reason; `errors()` is pydantic's list, for code that
    inspected the `ValidationError` components raised before.
    """

    def __init__(
        self,
        component: str,
        name: str,
        problems: Sequence[Problem],
        validation: ValidationError | None = None,
    ) -> None:
        self.component = component
        """The component's type token, `souverain:bastion:Bastion`."""
        self.name = name
        self.problems = tuple(problems)
        self.validation = validation
        super().__init__(self.line())

    @property
    def kind(self) -> str:
        """`Bastion`: the class name users write."""
        return self.component.rsplit(":", 1)[-1]

    def line(self) -> str:
        first = self.problems[0].line() if self.problems else "refused"
        more = len(self.problems) - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        return f"{self.kind} {self.name!r}: {first}{extra}"

    def errors(self) -> list[Any]:
        return list(self.validation.errors()) if self.validation is not None else []
