"""What every report writer shares: one order, one view of what was checked, fingerprints, the input path.

Every writer builds its report from these helpers so that the five formats agree on counts, order and
identity: a finding is the same finding in the text, JSON, SARIF, JUnit and GitLab reports.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from itertools import chain
from operator import attrgetter
from pathlib import Path, PurePath
from typing import Any, Protocol

import msgspec

from ..engine import Evaluation, Finding
from ..model import UNKNOWN, Secret
from ..policy import Enforcement, Policy
from ._redact import (
    REDACTED,
    SecretMatcher,
    any_holds_embedded,
    holds_embedded,
    printed_forms,
    quoted_credentials,
    scrub_embedded,
    secret_strings,
)

TOOL_NAME = "souverain"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
STACK_RESOURCE = "stack"


class Writer(Protocol):
    """A report writer. `scrub` lets the caller share one secret matcher; each writer makes one otherwise."""

    def __call__(self, evaluation: Evaluation, *, scrub: Scrubber | None = None) -> str: ...


def tool_version() -> str:
    from .. import __version__

    return __version__


def information_uri() -> str | None:
    """The project's home page from the installed distribution's metadata, if it declares one."""
    from importlib import metadata

    try:
        meta = metadata.metadata("souverain")
    except metadata.PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().casefold() in {"homepage", "home", "source", "repository"} and url.strip():
            return str(url.strip())
    for home in meta.get_all("Home-page") or []:
        if str(home).strip():
            return str(home).strip()
    return None


class Scrubber:
    """Replaces secret values inside strings *before* a writer encodes them.

    The last pass over the finished report (`text`) searches the encoded text, where JSON or XML escaping
    (`\\u00e9`, `&amp;`) can hide a secret from a plain search; scrubbing each string first closes that gap.
    """

    def __init__(self, evaluation: Evaluation) -> None:
        if evaluation.secret_values is None:
            named = {finding.resource for finding in evaluation.findings}
            evaluation.secret_values = frozenset(
                secret_strings(evaluation.resources, evaluation.plan)
                | quoted_credentials(evaluation.resources, named, evaluation.plan)
            )
        # Each secret in every form a message may print it in (`repr`, JSON escapes), not only as is.
        self.matcher = SecretMatcher(
            {form for secret in evaluation.secret_values for form in printed_forms(secret)}
        )
        self._seen: dict[str, str] = {}
        """Each string scrubbed so far, or found to hold no secret by one search over many (`prescan`)."""
        self._verified: str | None = None
        # Secrets that JSON or XML would write differently (a quote, a backslash, `&`, a control
        # character): escaping other text can spell them, so the encoded text is searched for them too.
        self._escapable = tuple(s for s in self.matcher.secrets if _ESCAPABLE.search(s))
        self._static = _static_phrases(evaluation, self.matcher) if self.matcher else None

    def verified_json(self, value: Any) -> str | None:
        """`value` encoded as JSON if no string in it holds a secret, else None (scrub with `deep`).

        The fast path for large reports: one walk gathers the distinct strings and one search looks for
        every secret in them, instead of copying and scrubbing the report string by string. The same walk
        tells whether msgspec may write the text (`_fast_json`). The text it returns is remembered as
        verified, so the last pass over the finished report (`text`) leaves it as it is.
        """
        strings, plain = _distinct_strings(value)
        if (self.matcher and self.matcher.find("\0".join(strings))) or any_holds_embedded(strings):
            return None
        encoded = _fast_json(value) if plain else None
        if encoded is None:
            # msgspec refuses lone surrogates (valid in JSON input as `\ud800`, but not encodable)
            encoded = _LONE_SURROGATE.sub(
                "\ufffd", json.dumps(value, ensure_ascii=False, default=_json_default)
            )
        encoded += "\n"
        if any(secret in encoded for secret in self._escapable):
            return None
        if self.matcher and _LETTER_ESCAPE.search(encoded) and self.matcher.find(encoded):
            return None  # an escape (`\u0001` + "111") spells a secret made of letters and digits
        self._verified = encoded
        return encoded

    def __call__(self, text: str) -> str:
        """One string of the report, memoized: reports repeat types, providers and messages. Credentials
        embedded in it (a URL's password, `Password=...`) are masked too (`scrub_embedded`)."""
        done = self._seen.get(text)
        if done is None:
            done = self._seen[text] = self.text(text, embedded=True)
        return done

    def text(self, text: str, *, embedded: bool = False) -> str:
        """A whole finished report (not memoized). Also replaces lone surrogates (valid in JSON input as
        `\\ud800`, but not encodable) with U+FFFD, so that the report can always be written as UTF-8.
        `embedded`: also mask what looks like an embedded credential, for a text whose strings were not
        scrubbed one by one (the text report; an encoded JSON or XML report must keep its quotes)."""
        if text is self._verified:
            return text
        if self.matcher:
            text = self._sub_outside_static(text)
        if embedded:
            text = scrub_embedded(text)
        return _LONE_SURROGATE.sub("\ufffd", text)

    def _sub_outside_static(self, text: str) -> str:
        """Secrets masked, except inside the code's own words (`_static_phrases`): a password `secret`
        must not turn the rule id `no-plaintext-secret` into `no-plaintext-[secret]`, which tools key on."""
        if self._static is None:
            return self.matcher.sub(text)
        pattern = self._static
        kept: list[str] = []

        def hold(match: re.Match[str]) -> str:
            kept.append(match.group(0))
            return _HELD

        text = self.matcher.sub(pattern.sub(hold, text)) if _HELD not in text else self.matcher.sub(text)
        if not kept:
            return text
        held = iter(kept)
        return _HELD_RE.sub(lambda _: next(held), text)

    def deep(self, value: Any) -> Any:
        """A JSON-ready copy of `value` with every string scrubbed, dates as ISO strings, secrets masked;
        other types JSON does not know become what the fast path's encoder makes of them (`_json_default`).

        One search over the value's distinct strings first tells which of them hold no secret (`prescan`):
        those are copied as they are instead of being searched one by one.
        """
        if self.matcher:
            self.prescan(_distinct_strings(value)[0])
        return self._copy(value)

    def prescan(self, strings: Iterable[str]) -> None:
        """Search many strings for secrets at once: those that hold none are then left as they are when
        scrubbed (`__call__`), instead of each being searched on its own."""
        if not self.matcher:
            return
        strings = list(dict.fromkeys(strings))
        found = self.matcher.find("\0".join(strings))
        sub = _LONE_SURROGATE.sub
        self._seen.update(
            (s, sub("\ufffd", s))
            for s in strings
            if not any(secret in s for secret in found) and not holds_embedded(s)
        )

    def _copy(self, value: Any) -> Any:
        if isinstance(value, str):
            return self(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, Mapping):
            return {self(str(key)): self._copy(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._copy(item) for item in value]
        if isinstance(value, Secret):
            return REDACTED
        if isinstance(value, datetime | date):
            return value.isoformat()
        return self._copy(_json_default(value))


_HELD = "\ue000"
"""Stands for a static phrase while secrets are masked: a private-use character no secret is made of."""
_HELD_RE = re.compile(_HELD)


def _static_phrases(evaluation: Evaluation, matcher: SecretMatcher) -> re.Pattern[str] | None:
    """The code's own words that hold a secret of this run (`secret` in `no-plaintext-secret`): policy ids,
    titles, severities, enforcement levels, rationales, remediations, requirements; and the mask itself. They
    come from the code, not the inputs, so printing them reveals nothing; masking inside them would change
    the ids that SARIF, GitLab and JUnit consumers and waivers key on. Matched whole, between characters
    that cannot continue an id, so that an input value abutting one is still searched."""
    words: set[str] = {*(level.value for level in Enforcement), *SEVERITY_WORDS}
    for policy in evaluation.policies:
        words.update((policy.id, policy.title, policy.rationale, policy.remediation, *policy.requirements))
        words.add(policy.severity.value)
    words.update(finding.policy for finding in evaluation.findings)  # waiver and input finding ids
    phrases = sorted((word for word in words if word and matcher.find(word)), key=lambda w: (-len(w), w))
    if not phrases and not matcher.find(REDACTED):
        return None
    if any(_HELD in secret for secret in matcher.secrets):
        return None  # the stand-in could be masked with its neighbours: mask everywhere instead
    # The mask itself wherever it stands (`'[secret]-value'`): a second pass must not mask inside it.
    alternatives = [re.escape(REDACTED)]
    if phrases:
        alternatives.append(r"(?<![\w-])(?:" + "|".join(map(re.escape, phrases)) + r")(?![\w-])")
    return re.compile("|".join(alternatives))


SEVERITY_WORDS = ("critical", "high", "medium", "low")

_LETTER_ESCAPE = re.compile(r"\\[bfnrtu]")
"""A JSON escape that writes letters or digits (`\n`, `\u001f`), which can spell part of a secret."""
_ESCAPABLE = re.compile(r'["\\&<>\'\x00-\x1f\x7f]')


def _json_default(value: Any) -> Any:
    """What `Scrubber.deep` makes of values JSON has no type for, for `json.dumps(default=...)`."""
    if isinstance(value, Secret):
        return REDACTED
    if value is UNKNOWN:
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, msgspec.Struct):
        return msgspec.structs.asdict(value)  # the JSON report's inventory rows
    return str(value)


def _distinct_strings(value: Any) -> tuple[list[str], bool]:
    """Every string a JSON encoding of `value` would hold (keys and long numbers included), each once, and
    whether `value` is plain: what `_fast_json` writes exactly as `json.dumps` does.

    Report lists hold thousands of flat records: a record of scalars is added whole at C speed, and only
    containers and types JSON does not know are visited one by one.
    """
    keys: set[Any] = set()
    leaves: set[Any] = set()
    plain = True
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            keys.update(item)
            try:
                leaves.update(item.values())
                continue
            except TypeError:  # a container among the values
                children: Any = item.values()
        elif kind is list or kind is tuple:
            try:
                leaves.update(item)
                continue
            except TypeError:
                children = item
            kinds = set(map(type, item)) if kind is list else None
            if kinds == _DICT_TYPE:
                # A list of records: all their keys, then all their values.
                keys.update(chain.from_iterable(item))
                try:
                    leaves.update(chain.from_iterable(map(dict.values, item)))
                    continue
                except TypeError:
                    pass
            elif kinds and len(kinds) == 1 and (fields := _plain_struct_fields(kinds.pop())):
                # A list of Structs of one class (the resource inventory): its fields, then all values.
                keys.update(fields)
                try:
                    leaves.update(chain.from_iterable(map(msgspec.structs.astuple, item)))
                except TypeError:
                    stack.extend(map(msgspec.structs.asdict, item))
                continue
        else:
            plain = False
            leaves.update(_strings_written(item))
            continue
        for child in children:
            child_kind = type(child)
            if child_kind is dict or child_kind is list:
                stack.append(child)
                continue
            try:
                leaves.add(child)
            except TypeError:  # a tuple holding a container, a set...
                stack.append(child)
    strings: list[str] = []
    for key in keys:
        if type(key) is not str:
            plain = False
            key = _KEY_SPELLING.get(key, key) if type(key) is bool or key is None else str(key)
        strings.append(key)
    for item in leaves:
        kind = type(item)
        if kind is str:
            strings.append(item)
        elif kind is int:
            strings.append(str(item))  # a long number can be a secret too (see `secret_strings`)
            if not -_EXPONENT_FLOAT < item < _EXPONENT_FLOAT:
                plain = False  # an equal float (1e16 == 10**16) may hide behind it in the set
        elif kind is bool or item is None:
            continue
        elif kind is tuple:
            found, plain_tuple = _distinct_strings(list(item))
            strings.extend(found)
            plain = plain and plain_tuple
        elif kind is float or kind is date:
            # msgspec writes some floats otherwise (`1e16` for `1e+16`, `null` for NaN): each is compared.
            spelling = json.dumps(item, default=_json_default)
            plain = plain and _fast_json(item) == spelling
            strings.append(spelling)
        else:  # hashable but not JSON: an enum, a secret, a frozenset...
            plain = False
            strings.extend(_strings_written(item))
    return strings, plain


def _strings_written(value: Any) -> list[str]:
    """The strings of a value that is not a plain dict, list or JSON leaf, as the encoder writes it."""
    converted = _contents(value)
    return [converted] if type(converted) is str else _distinct_strings([converted])[0]


def _plain_struct_fields(kind: type) -> tuple[str, ...]:
    """The fields of a Struct class msgspec writes as `json.dumps` writes the dict of an instance's fields
    (`_json_default`): no renamed or omitted fields, tag or array layout. Empty for any other class."""
    if not issubclass(kind, msgspec.Struct):
        return ()
    config = kind.__struct_config__
    fields = kind.__struct_fields__
    plain = not config.array_like and not config.omit_defaults and config.tag is None
    return fields if plain and kind.__struct_encode_fields__ == fields else ()


def _contents(value: Any) -> Any:
    """What the walk looks into for a value that is not a plain dict, list or tuple: the items of a
    mapping, list or tuple of another class (`json.dumps` writes the subclasses as it writes their base
    classes), else what `_json_default` makes of it."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list | tuple):
        return list(value)
    return _json_default(value)


_DICT_TYPE = {dict}
_EXPONENT_FLOAT = 10**16
"""From here on floats are written with an exponent, which msgspec spells otherwise (`1e16`, `1e+16`).

The walk keeps one of equal leaves (`1 == 1.0 == True`, `"a" == StrEnum("a")`), so it checks the types of
distinct values only. A hidden value is written as `json.dumps` writes it, or msgspec refuses it (a str
subclass) and the standard library writes the report, except an integral float equal to a visible int:
from 1e16 up these are spelled otherwise, so an int that large sends the report to the standard library."""
_KEY_SPELLING = {True: "true", False: "false", None: "null"}
"""How `json.dumps` writes the keys that are not strings or numbers."""


def json_text(value: Any, *, indent: int | None = None) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=indent, default=_json_default)`, written by msgspec
    where that gives the same text (`_fast_json`): with an indent, the standard library's encoder is its
    pure-Python one, ten times slower."""
    encoded = _fast_json(value, indent) if _distinct_strings(value)[1] else None
    if encoded is None:
        encoded = json.dumps(value, ensure_ascii=False, indent=indent, default=_json_default)
    return encoded


def _fast_json(value: Any, indent: int | None = None) -> str | None:
    """`json.dumps(value, ensure_ascii=False, indent=indent)` written by msgspec, three to ten times
    faster; None when msgspec cannot write it (a lone surrogate, which UTF-8 cannot hold).

    Only for plain values (`_distinct_strings`): str keys; dict, list and tuple containers; str, int,
    bool and None leaves, and floats and dates msgspec spells as `json.dumps` does. msgspec writes other
    types itself (a dataclass such as `Secret` field by field, a set in its own order, a date-time in
    its own format) where `json.dumps` sends them to `_json_default`, and refuses subclasses of str.
    `msgspec.json.format` with `indent=0` gives the standard library's single-line `", "` and `": "`
    separators; with `indent=n`, its `","` and `": "` and n spaces a level, empty containers as `[]`.
    """
    if not _FAST_JSON_AGREES or indent == 0:  # json.dumps' indent=0 breaks lines; msgspec's does not
        return None
    try:
        return msgspec.json.format(_ENCODER.encode(value), indent=indent or 0).decode()
    except Exception:  # whatever msgspec refuses, the standard library writes (or refuses) as it always did
        return None


_ENCODER = msgspec.json.Encoder()
_ESCAPE_PROBE = [
    "".join(map(chr, range(0x80))) + "\x85\xa0\u2028\u2029\ufeff\uffff\U0001f600",
    {"k": [], "l": {}},
]
_FAST_JSON_AGREES = all(
    msgspec.json.format(_ENCODER.encode(_ESCAPE_PROBE), indent=indent or 0).decode()
    == json.dumps(_ESCAPE_PROBE, ensure_ascii=False, indent=indent)
    for indent in (None, 2)
)
"""Whether this msgspec escapes strings and lays out containers as `json.dumps(ensure_ascii=False)` does
(every ASCII character and a few others; escaping is character by character), checked once so that an
upgrade cannot change reports."""


def finding_key(finding: Finding) -> tuple[str, str, str, str]:
    return (finding.policy, finding.resource, finding.path or "", finding.message)


def sorted_findings(evaluation: Evaluation) -> list[Finding]:
    """Findings in the one order every report uses: by policy, then resource, property and message."""
    return sorted(evaluation.findings, key=finding_key)


def status(finding: Finding) -> str:
    """`mandatory`, `advisory` or `waived`: what the finding means for the run."""
    if finding.waived:
        return "waived"
    return "mandatory" if finding.enforcement is Enforcement.MANDATORY else "advisory"


def effective_enforcement(evaluation: Evaluation, policy: Policy) -> Enforcement:
    """The level a policy ran at: the engine's record when it keeps one, else the policy's default."""
    return evaluation.enforcement.get(policy.id, policy.enforcement)


def enabled_policies(evaluation: Evaluation) -> list[Policy]:
    return [
        p for p in evaluation.policies if effective_enforcement(evaluation, p) is not Enforcement.DISABLED
    ]


@dataclass(slots=True)
class Pair:
    """One (policy, resource) check and the findings it produced; no finding means it passed."""

    policy: str
    resource: str
    type: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """`failed` (an unwaived mandatory finding), `advisory`, `waived`, or `passed`."""
        if not self.findings:
            return "passed"
        statuses = {status(f) for f in self.findings}
        if "mandatory" in statuses:
            return "failed"
        if "advisory" in statuses:
            return "advisory"
        return "waived" if statuses else "passed"


def checked_pairs(evaluation: Evaluation) -> dict[str, list[Pair]]:
    """Every (policy, resource) pair the run checked, passing ones included, grouped by policy id.

    A resource policy is counted against every cloud resource (policies decide applicability themselves:
    a pair without a finding passed) and against any other resource it reported on, such as a provider.
    A stack policy is one pair for the stack when it found nothing, else one pair per resource it named.
    Findings of policies the evaluation does not list (waiver findings) form their own groups.
    """
    by_policy: dict[str, dict[str, Pair]] = {}
    cloud = sorted((r for r in evaluation.resources if r.is_cloud_resource), key=lambda r: r.address)
    policies = sorted(enabled_policies(evaluation), key=lambda p: p.id)
    for policy in policies:
        pairs: dict[str, Pair] = {}
        if policy.scope == "resource":
            for resource in cloud:
                pairs[resource.address] = Pair(policy.id, resource.address, resource.type)
        by_policy[policy.id] = pairs
    for finding in sorted_findings(evaluation):
        pairs = by_policy.setdefault(finding.policy, {})
        pair = pairs.get(finding.resource)
        if pair is None:
            pair = pairs[finding.resource] = Pair(finding.policy, finding.resource, finding.type)
        pair.findings.append(finding)
    for policy in policies:
        if policy.scope == "stack" and not by_policy[policy.id]:
            by_policy[policy.id][STACK_RESOURCE] = Pair(policy.id, stack_name(evaluation), "stack")
    return {pid: sorted(pairs.values(), key=lambda p: p.resource) for pid, pairs in sorted(by_policy.items())}


def stack_name(evaluation: Evaluation) -> str:
    plan = evaluation.plan
    return (plan.stack if plan is not None and plan.stack else None) or STACK_RESOURCE


def input_path(evaluation: Evaluation) -> str | None:
    """The checked file as reports should name it: relative to the working directory when it is under it,
    in forward slashes, without a leading `./`; a Pulumi project folder is named by its Pulumi.yaml."""
    plan = evaluation.plan
    if plan is None or not plan.path:
        return None
    path = Path(plan.path)
    if path.is_dir():
        for name in ("Pulumi.yaml", "Pulumi.yml"):
            if (path / name).is_file():
                path = path / name
                break
    if path.is_absolute():
        with contextlib.suppress(ValueError):
            path = path.relative_to(Path.cwd())
    text = path.as_posix()
    while text.startswith("./"):
        text = text[2:]
    return text or None


def source_root(evaluation: Evaluation) -> Path:
    """The folder source locations are printed relative to: the repository holding the checked input
    (the nearest folder above it with `.git`), as code scanning and merge requests resolve paths against
    the repository root; the working directory outside a repository."""
    plan = evaluation.plan
    if plan is not None and plan.source_root:
        return Path(plan.source_root).resolve()
    start = Path(plan.path) if plan is not None and plan.path else Path.cwd()
    return _repository_root(start.resolve()) or Path.cwd()


def _repository_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def located(finding: Finding, root: Path) -> tuple[str, int] | None:
    """The finding's source file (relative to `root` when under it, forward slashes) and line, if known."""
    location = finding.location
    if location is None:
        return None
    path = PurePath(location.path)
    if path.is_absolute():
        for base in (root, Path.cwd()):
            with contextlib.suppress(ValueError):
                path = path.relative_to(base)
                break
    return path.as_posix(), location.line


def fingerprints(findings: Sequence[Finding]) -> Iterator[tuple[Finding, str]]:
    """A stable identity per finding: a hash of policy, resource and property, numbered when repeated.

    The message is left out on purpose so that rewording a message does not reopen an alert; two
    findings of one policy on one property of one resource are told apart by their order.
    """
    import hashlib  # here: OpenSSL's bindings take longer to load than the JSON report takes to write

    seen: dict[tuple[str, str, str], int] = {}
    for finding in findings:
        key = (finding.policy, finding.resource, finding.path or "")
        index = seen.get(key, 0)
        seen[key] = index + 1
        digest = hashlib.sha256("\0".join((*key, str(index))).encode("utf-8", "surrogatepass")).hexdigest()
        yield finding, digest


def waiver_summary(waiver: Mapping[str, Any] | None) -> str:
    """`waived until 2026-06-30 by team-x: justification`, from whichever of those fields the waiver has."""
    if not waiver:
        return "waived"
    parts = ["waived"]
    expires = waiver.get("expires")
    if expires:
        parts.append(f"until {expires.isoformat() if isinstance(expires, date) else expires}")
    owner = waiver.get("owner")
    if owner:
        parts.append(f"by {owner}")
    text = " ".join(parts)
    justification = waiver.get("justification") or waiver.get("reason")
    return f"{text}: {justification}" if justification else text


def severity_of(evaluation: Evaluation, policy_id: str, default: str = "medium") -> str:
    for policy in evaluation.policies:
        if policy.id == policy_id:
            return policy.severity.value
    return default


def policies_by_id(evaluation: Evaluation) -> dict[str, Policy]:
    return {policy.id: policy for policy in evaluation.policies}


_IS_CLOUD_RESOURCE = attrgetter("is_cloud_resource")


def count_summary(evaluation: Evaluation) -> dict[str, Any]:
    """The summary every format reports: resources, and unwaived mandatory/advisory, waived, unknown."""
    findings = evaluation.findings
    return {
        "resources": len(evaluation.resources),
        "cloud_resources": sum(map(_IS_CLOUD_RESOURCE, evaluation.resources)),
        "policies": len(enabled_policies(evaluation)),
        "findings": len(findings),
        "mandatory": len(evaluation.mandatory),
        "advisory": len(evaluation.advisory),
        "waived": len(evaluation.waived),
        "unknown": sum(1 for f in findings if f.unknown),
        "passed": evaluation.passed,
    }
