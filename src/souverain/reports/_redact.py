"""Last line of defence: no secret value leaves in a report, whatever a message or field contains.

Two kinds of secret: values the inputs mark as secret (`Secret`), and credentials embedded in values in
clear (`embedded_credentials`: the password of a URL's userinfo, `Password=...` in a connection string),
which a policy may quote with the value (`auth_url 'https://u:pw@h/v3'`). Each is searched for in the
forms a report may print it in: as is, `repr`-escaped, JSON-escaped (`printed_forms`); and a pattern
(`scrub_embedded`) masks what looks like a credential in a URL or a connection string even where the
inputs did not hold it in that form.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..model import Plan, Resource, Secret

REDACTED = "[secret]"
MIN_SECRET_LENGTH = 4
"""Shorter secrets would redact ordinary words; they are also too short to be worth stealing."""


def _secret_leaves(value: Any) -> Iterator[str]:
    """Every string (and long number) anywhere under a secret's value, nested secrets included."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Secret):
            stack.append(item.reveal())
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str):
            if len(item) >= MIN_SECRET_LENGTH:
                yield item
        elif isinstance(item, int | float) and not isinstance(item, bool) and len(str(item)) >= 6:
            yield str(item)


def _same_objects(left: list[Any], right: list[Any]) -> bool:
    return len(left) == len(right) and all(map(operator.is_, left, right))


def _secret_strings(value: Any) -> Iterator[str]:
    """Every string (and long number) held inside a `Secret` anywhere under `value`.

    This walks every property of every resource for each report, so it looks at types with `type(x) is`
    (plain dicts and lists are what readers build) and pushes only containers and secrets, never leaves.
    """
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            children: Iterable[Any] = item.values()
        elif kind is list or kind is tuple:
            children = item
        elif kind is Secret:
            yield from _secret_leaves(item.reveal())
            continue
        elif isinstance(item, Mapping):
            children = item.values()
        else:
            continue
        for child in children:
            child_kind = type(child)
            if child_kind is str or child_kind is int or child_kind is bool or child is None:
                continue
            stack.append(child)


_USERINFO_PASSWORD = re.compile(r"://[^/\s:@]*:(?P<secret>[^/\s@]+)@")
"""The password of a URL's userinfo: `postgres://u:pw@h`, `amqp://u:pw@h`, `redis://:pw@h`. Any character
but `/`, white space and `@`, so that quotes and escapes (`\\'`, `\\"`, `\\u00e9`) stay inside it.
It starts with the literal `://`, which the regex engine finds at C speed in a long text."""
_KEYED_PASSWORD = re.compile(
    r"(?i)(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|accountkey)[ \t]*=[ \t]*"
    r"(?P<secret>[^;\s&,)]+)"
)
"""`Password=...;` in a connection string (ADO.NET, JDBC, libpq `password=...`), `AccountKey=...` in an
Azure storage connection string, `token=...` in a query string, `PGPASSWORD=...` on a command line."""


def embedded_in(text: str) -> Iterator[str]:
    """The credentials embedded in a value in clear: URL userinfo passwords, keyed passwords."""
    if "@" in text and "://" in text:
        for match in _USERINFO_PASSWORD.finditer(text):
            yield match["secret"]
    if "=" in text:
        for match in _KEYED_PASSWORD.finditer(text):
            yield match["secret"]


def embedded_credentials(values: Iterable[Any]) -> set[str]:
    """Every credential embedded in a string in clear anywhere under `values` (`embedded_in`)."""
    found: set[str] = set()
    stack: list[Any] = list(values)
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if "@" in item or "=" in item:
                found.update(secret for secret in embedded_in(item) if len(secret) >= MIN_SECRET_LENGTH)
        elif kind is dict:
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is Secret:
            continue  # its whole value is a secret already
        elif isinstance(item, Mapping):
            stack.extend(item.values())
    return found


def scrub_embedded(text: str) -> str:
    """`text` with what looks like an embedded credential masked, whatever the inputs held."""
    if "@" in text and "://" in text:
        text = _USERINFO_PASSWORD.sub(_mask, text)
    if "=" in text:
        text = _KEYED_PASSWORD.sub(_mask, text)
    return text


def holds_embedded(text: str) -> bool:
    """Whether `scrub_embedded` would change `text`."""
    return ("@" in text and "://" in text and _USERINFO_PASSWORD.search(text) is not None) or (
        "=" in text and _KEYED_PASSWORD.search(text) is not None
    )


def any_holds_embedded(strings: Iterable[str]) -> bool:
    """Whether `scrub_embedded` would change one of `strings`: the few that hold an `@` or a `=` are
    searched, one by one (a search over a whole multi-megabyte report would cost more than the report)."""
    return any(holds_embedded(text) for text in strings if "=" in text or "@" in text)


def _mask(match: re.Match[str]) -> str:
    whole = match.group()
    start = match.start("secret") - match.start()
    return whole[:start] + REDACTED + whole[match.end("secret") - match.start() :]


def printed_forms(secret: str) -> set[str]:
    """The spellings of `secret` a report may print: as is, inside `repr` (a message quoting a value with
    `!r`), inside JSON (`json.dumps`, with or without `ensure_ascii`)."""
    forms = {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    quoted = repr(secret)
    if quoted[0] == '"':  # `repr` chose double quotes; inside single quotes the `'` would be escaped
        forms.add(quoted[1:-1].replace("'", "\\'"))
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def secret_strings(resources: Iterable[Resource], plan: Plan | None = None) -> set[str]:
    """Every secret value in the resources, their providers and the plan's configuration.

    When the reader recorded the secrets it wrapped (`Plan.secrets`) and these are that plan's resources,
    the recorded secrets stand for the walk over every property of every resource.
    """
    found: set[str] = set()
    providers_seen: set[int] = set()
    resources = list(resources)
    recorded = plan.secrets if plan is not None else None
    if recorded is not None and _same_objects(resources, plan.resources if plan is not None else []):
        for secret in recorded:
            found.update(_secret_leaves(secret))
        walked: list[Resource] = []
    else:
        walked = resources
    for resource in walked:
        found.update(_secret_strings(resource.properties))
    for resource in resources:
        provider = resource.provider
        if provider is not None and id(provider.properties) not in providers_seen:
            # Readers share one provider configuration among the resources that use it: walk it once.
            providers_seen.add(id(provider.properties))
            found.update(_secret_strings(dict(provider.properties)))
    if plan is not None:
        found.update(_secret_strings(plan.config))
    return found


def quoted_credentials(
    resources: Iterable[Resource], named: Iterable[str], plan: Plan | None = None
) -> set[str]:
    """`embedded_credentials` of what a report's messages can quote: the resources findings name (by
    address, `named`), every provider configuration once (findings about a provider quote its values),
    and the plan's configuration. Not every resource: walking 10k resources' properties costs more than
    the rest of a report, and a message quotes only the resource it is about."""
    wanted = set(named)
    values: list[Any] = []
    providers_seen: set[int] = set()
    for resource in resources:
        if resource.address in wanted or resource.is_provider:
            values.append(resource.properties)
        provider = resource.provider
        if provider is not None and id(provider.properties) not in providers_seen:
            providers_seen.add(id(provider.properties))
            values.append(dict(provider.properties))
    if plan is not None:
        values.append(plan.config)
    return embedded_credentials(values)


DIRECT_LIMIT = 64
"""Up to this many secrets in one shape class, a plain substring search per secret is the fastest."""

# (minimum secret length, gram length, stride): longer secrets are indexed by longer substrings, which
# few unrelated texts share, so a report mentioning "[secret]" does not make every "secret-…" a candidate.
_SHAPES: tuple[tuple[int, int, int], ...] = ((23, 16, 8), (15, 8, 8), (11, 8, 4))
_SHORT_GRAM = 4
"""The shortest secrets (MIN_SECRET_LENGTH and up) use 4-grams, at a stride of length - 3."""
MAX_STRIDE = 32
"""Longer strides sample the text less but index each secret at as many offsets: this bounds the index."""
WIDE_TEXT_PER_SECRET = 512
"""From this many characters of text per secret of a class, the text is sampled at the widest stride the
class's shortest secret allows: indexing every secret at the extra offsets (once, when first needed)
costs about what sampling so long a text at the class's own stride costs more. A whole JSON report is
such a text; the single strings other reports scrub one by one are not."""


def _shape(length: int) -> tuple[int, int]:
    for minimum, gram, stride in _SHAPES:
        if length >= minimum:
            return gram, stride
    return _SHORT_GRAM, min(8, length - _SHORT_GRAM + 1)


_Index = dict[str, tuple[tuple[int, int], ...]]
"""gram -> (offset of the gram in a secret, that secret's length) pairs: at a hit, each pair names one slice
of the text to look up among the secrets, however many secrets share the gram (secrets with a common
prefix must not make every hit a scan of all of them)."""


def _index(secrets: Iterable[str], gram: int, stride: int) -> _Index:
    """Each secret's grams at offsets 0..stride-1 (the text is then sampled every `stride` characters)."""
    index: _Index = {}
    by_length: dict[int, list[tuple[tuple[int, int]]]] = {}  # one (pair,) per offset, shared: no allocation
    for secret in secrets:
        length = len(secret)
        singles = by_length.get(length)
        if singles is None:
            singles = by_length[length] = [((offset, length),) for offset in range(stride)]
        for offset, single in enumerate(singles):
            key = secret[offset : offset + gram]
            pairs = index.get(key)
            if pairs is None:
                index[key] = single
            elif single[0] not in pairs:
                index[key] = (*pairs, single[0])
    return index


class SecretMatcher:
    """Finds which of many secret strings occur in a text, in time that does not grow with their number.

    A plan can hold thousands of secret values (a generated password per instance), and searching a
    multi-megabyte report once per secret takes seconds. Instead a secret of length m is indexed by its
    g-character substrings at offsets 0..k-1 (k + g - 1 <= m), and the text is sampled every k characters:
    an occurrence of the secret covers a sampled position, whose g-gram is then in the index. Each hit is
    confirmed where it stands, so a common substring costs a few comparisons, not a search per secret.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        ordered = sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=lambda s: (-len(s), s))
        self.secrets: tuple[str, ...] = tuple(ordered)
        groups: dict[tuple[int, int], list[str]] = {}
        for secret in ordered:
            groups.setdefault(_shape(len(secret)), []).append(secret)
        self._direct: list[str] = []
        # per indexed class: gram length, its own stride, the widest stride, its secrets, indexes by stride
        self._classes: list[tuple[int, int, int, list[str], dict[int, _Index]]] = []
        self._indexed: frozenset[str] = frozenset()
        for (gram, stride), group in sorted(groups.items()):
            if len(group) <= DIRECT_LIMIT:
                self._direct.extend(group)
                continue
            self._indexed |= frozenset(group)
            # The shape's stride suits its shortest possible secret; the group's shortest (the last, in
            # this order) often allows a longer one (44-character keys: 29 instead of 8), so fewer samples.
            wide = max(stride, min(MAX_STRIDE, len(group[-1]) - gram + 1))
            self._classes.append((gram, stride, wide, group, {}))

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def find(self, text: str) -> list[str]:
        """The secrets that occur in `text`, longest first."""
        found = {secret for secret in self._direct if secret in text}
        indexed = self._indexed
        for gram, narrow, wide, group, indexes in self._classes:
            stride = wide if len(text) >= WIDE_TEXT_PER_SECRET * len(group) else narrow
            index = indexes.get(stride)
            if index is None:
                index = indexes[stride] = _index(group, gram, stride)
            sampled = {text[i : i + gram] for i in range(0, len(text) - gram + 1, stride)}
            for hit in index.keys() & sampled:
                pairs = index[hit]
                position = text.find(hit)
                while position >= 0:
                    for offset, length in pairs:
                        start = position - offset
                        if start >= 0 and (piece := text[start : start + length]) in indexed:
                            found.add(piece)
                    position = text.find(hit, position + 1)
        return sorted(found, key=lambda s: (-len(s), s))

    def sub(self, text: str) -> str:
        for secret in self.find(text):
            text = text.replace(secret, REDACTED)
        return text
