"""Reviewed exceptions to the policies: which finding is accepted, on what, why, by whom, until when.

A waiver never hides a finding: the finding stays in every report, marked with its waiver, and stops counting
as mandatory. A waiver that cannot be trusted (expired, unjustified, without owner, or naming no policy) is
itself a finding under the `waiver-invalid` id and waives nothing, so a stale exceptions file fails the
check instead of silently keeping an exception alive.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from msgspec import Meta

from .engine import Finding, WaiverMatcher
from .errors import InputError
from .policy import Enforcement, Severity
from .schema import Strict, validate

WAIVERS_SCHEMA_VERSION = 1
WAIVER_INVALID_ID = "waiver-invalid"
"""The policy id of findings about the waivers file itself."""
WAIVED_FINDING_ID = "waived-finding"
"""The pack's advisory policy that shows waived findings (the SDK cannot lower one policy's level)."""
PSEUDO_POLICY_IDS: tuple[str, ...] = (WAIVER_INVALID_ID, WAIVED_FINDING_ID)
"""Ids that a policy config may name besides the policies: the pack lists them as policies too."""
WAIVER_INVALID_SEVERITY = Severity.HIGH
WAIVER_UNUSED_ID = "waiver-unused"
"""A valid waiver that covered no finding of the run: the exception outlived its cause, or its address
or policy is misspelt (and the finding it was meant for fails the run)."""
WAIVER_EXPIRING_ID = "waiver-expiring"
"""A valid waiver that expires within `EXPIRY_NOTICE_DAYS`: review it before it fails the check."""
WAIVER_REVIEW_IDS: tuple[str, ...] = (WAIVER_UNUSED_ID, WAIVER_EXPIRING_ID)
"""Advisory findings of `souverain check` about waivers to review; a policy config may make them
mandatory. The CrossGuard pack judges resources one policy at a time and cannot tell an unused waiver."""
EXPIRY_NOTICE_DAYS = 30


class WaiverEntry(Strict, frozen=True, kw_only=True):
    """One waiver as written in the file. Blank text is allowed here and judged later, as a finding."""

    policy: str
    resource: Annotated[str, Meta(min_length=1)]
    """A glob (fnmatch, case-sensitive) over the Pulumi URN or Terraform address; `*` matches anything."""
    justification: str
    owner: str
    expires: date
    ticket: str | None = None


class WaiversFile(Strict, frozen=True, kw_only=True):
    schema_version: Literal[1]
    waivers: tuple[WaiverEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Waiver:
    entry: WaiverEntry
    index: int
    problems: tuple[str, ...]
    """Why it cannot be trusted; empty for a valid waiver."""

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_mapping(self, source: str) -> dict[str, Any]:
        """What reports show about the waiver that covers a finding."""
        data: dict[str, Any] = {
            "file": source,
            "index": self.index,
            "policy": self.entry.policy,
            "resource": self.entry.resource,
            "justification": self.entry.justification.strip(),
            "owner": self.entry.owner.strip(),
            "expires": self.entry.expires.isoformat(),
        }
        if self.entry.ticket:
            data["ticket"] = self.entry.ticket
        return data


class FileWaivers(WaiverMatcher):
    """The waivers of one file, judged on one day."""

    def __init__(self, source: str, waivers: Iterable[Waiver], today: date | None = None) -> None:
        self.source = source
        self.waivers = tuple(waivers)
        self.today = today
        # Indexed once: every finding asks, so a scan of every waiver per finding would make a long waivers
        # file (which a pull request can write) cost findings x waivers. Exact addresses are a dict lookup;
        # globs are compiled once and only those of the finding's policy are tried, in file order.
        self._exact: dict[tuple[str, str], Waiver] = {}
        self._globs: dict[str, list[tuple[Callable[[str], Any], Waiver]]] = {}
        for waiver in self.waivers:
            if not waiver.valid:
                continue
            policy, pattern = waiver.entry.policy, waiver.entry.resource
            self._exact.setdefault((policy, pattern), waiver)
            if any(char in pattern for char in "*?["):
                matcher = re.compile(fnmatch.translate(pattern)).match
                self._globs.setdefault(policy, []).append((matcher, waiver))

    def match(self, policy_id: str, resource: str) -> Mapping[str, Any] | None:
        """The first valid waiver in the file (exact address or glob) that covers this finding."""
        exact = self._exact.get((policy_id, resource))
        for matcher, waiver in self._globs.get(policy_id, ()):
            if exact is not None and waiver.index > exact.index:
                break
            if matcher(resource):
                return waiver.as_mapping(self.source)
        return exact.as_mapping(self.source) if exact is not None else None

    def review_findings(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        """Advisory findings about valid waivers to review, given every finding of the run: one that covered
        none of them, one that expires within `EXPIRY_NOTICE_DAYS` days."""
        used = {
            finding.waiver.get("index")
            for finding in findings
            if finding.waiver is not None and finding.waiver.get("file") == self.source
        }
        for waiver in self.waivers:
            if not waiver.valid:
                continue
            entry = waiver.entry
            what = f"waiver {waiver.index} ({entry.policy} on {entry.resource!r})"
            if waiver.index not in used:
                yield self._review(
                    WAIVER_UNUSED_ID,
                    waiver,
                    f"{what} covers no finding of this check: remove it, or correct its policy or resource",
                )
            if self.today is not None and entry.expires - self.today <= timedelta(days=EXPIRY_NOTICE_DAYS):
                days = (entry.expires - self.today).days
                yield self._review(
                    WAIVER_EXPIRING_ID,
                    waiver,
                    f"{what} expires on {entry.expires.isoformat()}, in {days} days: fix what it waives, "
                    "or review and extend it",
                )

    def _review(self, policy_id: str, waiver: Waiver, message: str) -> Finding:
        return Finding(
            policy=policy_id,
            enforcement=Enforcement.ADVISORY,
            severity=Severity.LOW.value,
            resource=self.source,
            type="waiver",
            message=message,
            path=f"waivers[{waiver.index}]",
        )

    def findings(self) -> Iterator[Finding]:
        for waiver in self.waivers:
            if waiver.valid:
                continue
            entry = waiver.entry
            yield Finding(
                policy=WAIVER_INVALID_ID,
                enforcement=Enforcement.MANDATORY,
                severity=WAIVER_INVALID_SEVERITY.value,
                resource=self.source,
                type="waiver",
                message=(
                    f"waiver {waiver.index} ({entry.policy} on {entry.resource!r}) waives nothing: "
                    + "; ".join(waiver.problems)
                ),
                path=f"waivers[{waiver.index}]",
            )


def judge(entry: WaiverEntry, index: int, policy_ids: frozenset[str], today: date) -> Waiver:
    problems = []
    if entry.policy not in policy_ids:
        problems.append(f"no policy has the id {entry.policy!r}")
    if not entry.justification.strip():
        problems.append("it has no justification")
    if not entry.owner.strip():
        problems.append("it has no owner")
    if entry.expires < today:
        problems.append(f"it expired on {entry.expires.isoformat()}")
    return Waiver(entry, index, tuple(problems))


def parse_waivers(data: Any, source: str, policy_ids: Iterable[str], today: date) -> FileWaivers:
    if not isinstance(data, Mapping):
        raise InputError(source, "a waivers file must be a YAML mapping with `schema_version` and `waivers`")
    parsed = validate(data, WaiversFile, source, "waivers file")
    known = frozenset(policy_ids)
    return FileWaivers(
        source, (judge(entry, i, known, today) for i, entry in enumerate(parsed.waivers)), today
    )


def load_waivers(path: str | Path, policy_ids: Iterable[str], today: date) -> FileWaivers:
    """Read and validate a waivers file. A malformed file is an `InputError` naming the field."""
    from .readers._json import read_bounded

    source = str(path)
    try:
        text = read_bounded(Path(path), source, "waivers file").decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(source, "waivers file is not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_DatesAsText)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(source, f"waivers file is not valid YAML{where}") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(source, f"waivers file is not valid YAML: {exc}") from None
    return parse_waivers(data, source, policy_ids, today)


class _DatesAsText(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so that validation judges them and names the field.

    (PyYAML turns `expires: 2026-13-01` into a ValueError with no position.)
    """


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
