"""The JSON report is written by msgspec where that gives, byte for byte, what `json.dumps` gives.

Users grep reports and tools diff them, so the faster encoder must not change one character: the
reference is `json.dumps(value, ensure_ascii=False, default=_json_default)` with lone surrogates replaced,
which is what the report always was. msgspec spells some floats otherwise (`1e16`, `1e-7`, `null` for
NaN), cannot write lone surrogates, writes dates, enums, sets and dataclasses (`Secret`!) itself where
`json.dumps` hands them to `_json_default`, and refuses keys and str subclasses `json.dumps` accepts.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, IntEnum
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any
from uuid import UUID

import msgspec
import pytest
from conftest import pulumi_resource
from generated_support import generated_inputs
from hypothesis import given, settings
from hypothesis import strategies as st
from report_scenario import VOLUME, scenario
from souverain.policies.qualified_region import POLICY as QUALIFIED_REGION

from souverain.catalog import Catalog, load_catalog
from souverain.checker import all_policies
from souverain.engine import Evaluation, PolicyConfig, WaiverMatcher, evaluate
from souverain.model import UNKNOWN, Plan, Resource, Secret
from souverain.policy import Context, Enforcement, Policy, Severity, Violation
from souverain.readers import read_plan
from souverain.reports import gitlab, json_report, junit, render, sarif
from souverain.reports._common import (
    _FAST_JSON_AGREES,
    _LONE_SURROGATE,
    Scrubber,
    _distinct_strings,
    _fast_json,
    _json_default,
    json_text,
)

BENCH_CATALOG = Path(__file__).resolve().parent.parent / "bench" / "catalog.yaml"


class Level(IntEnum):
    LOW = 1


class Shape(Enum):
    ROUND = ("round", 1)


class Label(str):
    """A str subclass: `json.dumps` writes its text, msgspec refuses it."""


class Record(msgspec.Struct):
    """Written by msgspec as the object of its fields, as `json.dumps` writes `_json_default`'s dict."""

    a: Any
    b: str = "b"


class Renamed(msgspec.Struct, rename="camel"):
    a_b: Any


class Sparse(msgspec.Struct, omit_defaults=True):
    a: Any = None


class Tagged(msgspec.Struct, tag=True):
    a: Any


class Frozen(msgspec.Struct, frozen=True):
    a: str


def standard(value: Any) -> str:
    """The report as `json.dumps` writes it: what every report was before msgspec."""
    return _LONE_SURROGATE.sub("\ufffd", json.dumps(value, ensure_ascii=False, default=_json_default)) + "\n"


def verified(value: Any) -> str | None:
    """The fast path with no secret to look for."""
    return Scrubber(Evaluation([], [], [])).verified_json(value)


_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=0x7F),
        st.sampled_from('"\\\x7f\x85\xa0\u2028\u2029\ufeff\uffff\U0001f600é'),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.characters(),
    ),
    max_size=12,
)
_FLOATS = st.one_of(
    st.floats(),
    st.sampled_from([1e16, 1e-7, 1e22, 1.5e300, 1e-5, 0.0001, 1e15, 123456789012345.0, -0.0, 5e-324]),
)
_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**70),
    st.sampled_from([10**16, 1e16, 10**22, 1e22, 1, 1.0, True, "x", Label("x"), Decimal(1)]),
    _FLOATS,
    _TEXT,
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
    st.sampled_from([Enforcement.MANDATORY, Severity.HIGH, Level.LOW, Shape.ROUND, UNKNOWN]),
    st.builds(Secret, st.text(max_size=8)),
    st.builds(PurePosixPath, st.sampled_from(["a/b", "plan.json"])),
    st.frozensets(st.text(alphabet="xyz", max_size=3), max_size=3),
    st.builds(Label, _TEXT),
    st.builds(Decimal, st.sampled_from(["1.5", "1E+3", "NaN"])),
    st.just(UUID(int=7)),
    st.binary(max_size=4),
)
_KEYS = st.one_of(_TEXT, st.integers(), st.booleans(), st.none(), _FLOATS)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(_TEXT, inner, max_size=4),
        st.dictionaries(_KEYS, inner, max_size=3),
        st.builds(OrderedDict, st.dictionaries(_TEXT, inner, max_size=2)),
        st.builds(MappingProxyType, st.dictionaries(_TEXT, inner, max_size=2)),
        # records, as the resource inventory holds them
        st.lists(st.fixed_dictionaries({"a": inner, "b": _TEXT}), min_size=2, max_size=4),
        st.lists(st.builds(Record, inner, _TEXT), min_size=1, max_size=4),
        st.lists(st.one_of(st.builds(Record, inner), st.builds(Frozen, _TEXT)), max_size=3),
        st.lists(
            st.one_of(st.builds(Renamed, inner), st.builds(Sparse, inner), st.builds(Tagged, inner)),
            min_size=1,
            max_size=3,
        ),
    ),
    max_leaves=20,
)


def test_this_msgspec_escapes_strings_as_the_standard_library() -> None:
    """If it did not, every report would silently take the slow path; the check below must hold."""
    assert _FAST_JSON_AGREES


@settings(max_examples=600, deadline=None)
@given(value=_VALUES)
def test_the_fast_path_writes_what_json_dumps_writes(value: Any) -> None:
    try:
        expected = standard(value)
    except (TypeError, ValueError) as error:  # keys json.dumps refuses (a date): the report refuses too
        with pytest.raises(type(error)):
            verified(value)
        return
    assert verified(value) == expected


@settings(max_examples=300, deadline=None)
@given(value=_VALUES)
def test_msgspec_writes_plain_values_as_json_dumps_does(value: Any) -> None:
    """Plain values (the walk's verdict) are the only ones msgspec is given: what it writes of them (it
    may refuse some, a lone surrogate or a str subclass) is what the standard library writes."""
    _, plain = _distinct_strings(value)
    fast = _fast_json(value) if plain else None
    if fast is not None:
        assert fast + "\n" == standard(value)


@settings(max_examples=300, deadline=None)
@given(value=_VALUES, indent=st.sampled_from([None, 2]))
def test_json_text_writes_what_json_dumps_writes(value: Any, indent: int | None) -> None:
    """The SARIF and GitLab reports (indent 2) and the JSON report's scrubbed copy (no indent)."""
    try:
        expected = json.dumps(value, ensure_ascii=False, indent=indent, default=_json_default)
    except (TypeError, ValueError) as error:
        with pytest.raises(type(error)):
            json_text(value, indent=indent)
        return
    assert json_text(value, indent=indent) == expected


@settings(max_examples=300, deadline=None)
@given(
    value=_VALUES,
    secrets=st.lists(st.text(alphabet='ab"\\é\n-1', min_size=4, max_size=6), max_size=3),
    pads=st.lists(st.text(alphabet='ab"\\é\n-1 x', max_size=5), max_size=4),
)
def test_deep_scrubs_as_string_by_string(value: Any, secrets: list[str], pads: list[str]) -> None:
    """`deep` searches all strings at once and leaves the clean ones: the copy is the one scrubbing each
    string on its own gives (strings, keys and a list hold the secrets between random padding)."""
    evaluation = Evaluation([], [], [])
    evaluation.secret_values = frozenset(secrets)
    planted = [f"{pad}{secret}{pad[::-1]}" for secret, pad in zip(secrets * 2, pads, strict=False)]
    value = [value, planted, {text: "k" for text in planted}]
    one_by_one = Scrubber(evaluation)._copy(value)
    assert json.dumps(Scrubber(evaluation).deep(value)) == json.dumps(one_by_one)


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ({"a": [1, "x", None, True, 1.5, date(2026, 6, 30), (2, "y")]}, True),
        ({"a": 1e16}, False),  # msgspec: 1e16
        ({"a": 1e-7}, False),  # msgspec: 1e-7
        ({"a": float("nan")}, False),  # msgspec: null
        ({"a": datetime(2026, 6, 30, tzinfo=UTC)}, False),  # msgspec: ...Z
        ({"a": Enforcement.MANDATORY}, False),
        ({"a": {1, 2}}, False),  # msgspec: its own order
        ({"a": Label("x")}, False),
        ({1: "a"}, False),
        ({None: "a"}, False),  # json.dumps: "null"; msgspec refuses
        ({"a": Secret("hunter22-pw")}, False),  # msgspec: {"_value": "hunter22-pw"}
        ([{"a": 1, "b": "x"}, {"a": Secret("pw-in-a-record")}], False),
        # equal values of other types hide behind a plain one in the walk's set of distinct values
        ([10**16, 1e16], False),  # 1e16 would be hidden: large ints send the report to json.dumps
        ([{"a": 10**16}, {"a": 1e16}], False),
        (["x", Label("x")], True),  # msgspec refuses the Label: json.dumps writes it
        ([1, 1.0, True, 0, -0.0, False], True),
        (["mandatory", Enforcement.MANDATORY, 1, Level.LOW], True),  # msgspec writes an enum's value
        ([1, Decimal(1), 1.5, Decimal("1.5")], True),  # msgspec writes str(decimal), as _json_default
        # Structs: a list of one plain class is written by msgspec; others go to json.dumps
        ([Record(1, "x"), Record([2, "y"])], True),
        ([Record(1), Frozen("x")], False),
        ([Renamed(1)], False),  # msgspec: {"aB": 1}
        ([Sparse()], False),  # msgspec: {}
        ([Tagged(1)], False),  # msgspec: {"type": "Tagged", "a": 1}
        ([Record(Secret("pw-in-a-struct"))], False),
    ],
)
def test_only_plain_values_go_to_msgspec(value: Any, plain: bool) -> None:
    assert _distinct_strings(value)[1] is plain
    assert verified(value) == standard(value)


def test_a_secret_object_is_never_written_field_by_field() -> None:
    """msgspec writes a dataclass as an object of its fields, which would print the secret itself."""
    out = verified({"records": [{"a": "x"}, {"a": Secret("hunter22-plaintext")}]})
    assert out is not None
    assert "hunter22" not in out
    assert "[secret]" in out


def test_a_lone_surrogate_takes_the_standard_path_and_is_replaced() -> None:
    value = {"resource": "urn:pulumi:dev::p::t::v\ud800", "n": [1, 2]}
    assert _distinct_strings(value)[1]
    assert _fast_json(value) is None
    assert verified(value) == standard(value)
    assert "\ufffd" in standard(value)


# --- real runs: the report is the standard encoding of its document, and the fast path wrote it -------


def _runs(small_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> list[Evaluation]:
    """The report scenario, and the benchmark generator's plans in the three formats (with secrets)."""
    runs = [scenario(small_catalog), scenario(small_catalog, reverse=True)]
    catalog = load_catalog([str(BENCH_CATALOG)])
    for path in generated_inputs(tmp_path_factory, 150, 11):
        plan = read_plan(path)
        runs.append(evaluate(plan.resources, catalog, all_policies(), PolicyConfig(), plan=plan))
    return runs


def test_real_reports_are_the_standard_encoding_written_by_msgspec(
    small_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with_secrets = 0
    for evaluation in _runs(small_catalog, tmp_path_factory):
        document = json_report._document(evaluation)
        assert _distinct_strings(document)[1], "a real report should take the fast path"
        assert _fast_json(document) is not None
        assert render(evaluation, "json") == standard(document)
        with_secrets += bool(evaluation.secret_values)
    assert with_secrets >= 1  # the secret search ran, and found nothing to decline for


def test_real_sarif_and_gitlab_reports_are_the_standard_encoding(
    small_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for evaluation in _runs(small_catalog, tmp_path_factory):
        scrub = Scrubber(evaluation)
        sarif_log = sarif.sarif_log(evaluation, scrub=scrub)
        issues = gitlab.issues(evaluation, scrub=scrub)
        assert _distinct_strings(sarif_log)[1]  # msgspec writes them
        assert _distinct_strings(issues)[1]
        for fmt, value in (("sarif", sarif_log), ("gitlab", issues)):
            standard_text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
            assert render(evaluation, fmt) == scrub.text(standard_text), fmt


def _documented_row(resource: Resource) -> dict[str, Any]:
    """One inventory row read field by field, as docs/reports.md describes it."""
    region = resource.region
    provider = resource.provider
    return {
        "resource": resource.address,
        "type": resource.type,
        "name": resource.name,
        "kind": resource.kind,
        "package": resource.package or None,
        "region": region if isinstance(region, str) and region else None,
        "region_source": resource.region_source,
        "region_unknown": region is UNKNOWN,
        "operation": resource.operation.value,
        "provider": provider.package if provider is not None else None,
        "provider_address": provider.address if provider is not None else None,
        "parent": resource.parent,
        "protect": resource.protect,
        "retain_on_delete": resource.retain_on_delete,
        "cloud_resource": resource.is_cloud_resource,
    }


def test_inventory_rows_hold_each_documented_field(
    small_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    seen: set[tuple[str, Any]] = set()
    for evaluation in _runs(small_catalog, tmp_path_factory):
        expected = [_documented_row(r) for r in sorted(evaluation.resources, key=lambda r: r.address)]
        rows = [msgspec.structs.asdict(row) for row in json_report._document(evaluation)["resources"]]
        assert json.dumps(rows) == json.dumps(expected)  # same keys in the same order, same values
        for row in rows:
            seen.update((key, row[key] is None) for key in ("region", "provider", "kind", "parent"))
            seen.update((key, row[key]) for key in ("region_unknown", "operation", "cloud_resource"))
    # the runs hold every case the row distinguishes
    assert {(key, True) for key in ("region", "provider", "kind", "parent")} <= seen
    assert {(key, False) for key in ("region", "provider", "kind", "parent")} <= seen
    assert {("region_unknown", True), ("cloud_resource", False), ("operation", "create")} <= seen
    assert len({value for key, value in seen if key == "operation"}) >= 3


class Items(list[Any]):
    """A list subclass: `json.dumps` writes its items as a list's."""


@pytest.mark.parametrize("holder", [Items, tuple, lambda items: MappingProxyType({"k": items[0]})])
def test_the_walk_reads_the_strings_inside_other_containers(holder: Any) -> None:
    """A secret with a newline inside a list subclass is written escaped (`a\\nb`): the walk must read the
    string itself, not the container's repr, or no search would find it."""
    evaluation = Evaluation([], [], [])
    evaluation.secret_values = frozenset({"pass\nword-42"})
    assert Scrubber(evaluation).verified_json({"x": holder(["pass\nword-42"])}) is None
    assert Scrubber(evaluation).verified_json({"x": holder(["password-42"])}) is not None


# --- JUnit: the text xml.etree wrote, assembled directly ------------------------------------------------


def _etree_junit(evaluation: Evaluation) -> str:
    """The JUnit report as it was written before: an `xml.etree` tree, `ET.indent`, `ET.tostring`."""
    import xml.etree.ElementTree as ET

    from souverain.reports._common import TOOL_NAME, Pair, checked_pairs, input_path, policies_by_id, status
    from souverain.reports._common import waiver_summary as summary

    scrub = Scrubber(evaluation)
    cleaned: dict[str, str] = {}

    def text(value: str) -> str:
        done = cleaned.get(value)
        if done is None:
            done = cleaned[value] = junit._clean(scrub(value))
        return done

    def testcase(
        suite: ET.Element, pair: Pair, outcome: str, remediation: str | None, path: str | None
    ) -> None:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=text(f"{TOOL_NAME}.{pair.policy}"),
            name=text(pair.resource),
            time="0",
        )
        if path:
            case.set("file", text(path))
        if outcome == "passed":
            return
        lines = [f"resource: {pair.resource} ({pair.type})", *junit._detail(pair)]
        first = pair.findings[0].message
        if outcome == "failed":
            mandatory = [f for f in pair.findings if status(f) == "mandatory"]
            element = ET.SubElement(case, "failure", message=text(mandatory[0].message), type="mandatory")
            if remediation:
                lines.append(f"fix: {remediation}")
        elif outcome == "advisory":
            element = ET.SubElement(case, "skipped", message=text(f"advisory: {first}"))
        else:
            element = ET.SubElement(
                case, "skipped", message=text(f"{first} ({summary(pair.findings[0].waiver)})")
            )
        element.text = text("\n".join(lines))

    policies = policies_by_id(evaluation)
    path = input_path(evaluation)
    root = ET.Element("testsuites", name=TOOL_NAME)
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for policy_id, pairs in checked_pairs(evaluation).items():
        policy = policies.get(policy_id)
        suite = ET.SubElement(root, "testsuite", name=text(policy_id))
        counts = {"tests": len(pairs), "failures": 0, "skipped": 0}
        if policy is not None:
            properties = ET.SubElement(suite, "properties")
            for name, prop in (
                ("title", policy.title),
                ("severity", policy.severity.value),
                ("requirements", "; ".join(policy.requirements)),
            ):
                ET.SubElement(properties, "property", name=name, value=text(prop))
        for pair in pairs:
            outcome = pair.outcome
            if outcome == "failed":
                counts["failures"] += 1
            elif outcome in ("advisory", "waived"):
                counts["skipped"] += 1
            testcase(suite, pair, outcome, policy.remediation if policy else None, path)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
        suite.set("time", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    return scrub.text(junit.XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n")


def _echo(enforcement: Enforcement) -> Policy:
    """A policy that quotes each resource's name in its message and property path (odd characters and all)."""

    def check(resource: Resource, context: Context) -> Iterator[Violation]:
        if resource.is_cloud_resource and resource.name[:1] in ("m", "a", "w"):
            yield Violation(f"{resource.name} is\tflagged\r\n({resource.name[::-1]})", path=resource.name)

    return Policy(
        id=f"echo-{enforcement.value}",
        title='Echo "<names>" & more',
        severity=Severity.LOW,
        enforcement=enforcement,
        rationale="test",
        remediation='Rename <it> & "retry"\n\tsoon.',
        requirements=("A & B", "<C>"),
        check_resource=check,
    )


class _WaiveW(WaiverMatcher):
    def match(self, policy_id: str, resource: str) -> Mapping[str, Any] | None:
        if resource.rsplit("::", 1)[-1].startswith("w"):
            return {"owner": 'team "<x>"\r', "justification": "ok & \t fine\n", "expires": date(2099, 1, 1)}
        return None


_NAMES = st.text(
    alphabet=st.one_of(
        st.sampled_from("maw&<>\"'\r\n\t\x07\x0b;#x \ud800\ufffe\U0001f600é"), st.characters()
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(_NAMES, min_size=0, max_size=6, unique=True),
    path=st.sampled_from(["", "plans/prod.json", 'a "<b>" & c\t.json']),
    secret=st.sampled_from([None, "flag", "is\tfl", 'e "<n']),
)
def test_junit_is_the_text_xml_etree_wrote(
    small_catalog: Catalog, names: list[str], path: str, secret: str | None
) -> None:
    resources = [
        pulumi_resource(VOLUME, {"size": 1}, name=name, provider_region="US-EAST-1") for name in names
    ]
    policies = [QUALIFIED_REGION, _echo(Enforcement.MANDATORY), _echo(Enforcement.ADVISORY)]
    plan = Plan(resources, source="pulumi-preview", path=path, stack="prod")
    evaluation = evaluate(resources, small_catalog, policies, waivers=_WaiveW(), plan=plan, stack_name="prod")
    if secret is not None:
        evaluation.secret_values = frozenset({secret})
    assert render(evaluation, "junit") == _etree_junit(evaluation)


def test_real_junit_reports_are_the_text_xml_etree_wrote(
    small_catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for evaluation in _runs(small_catalog, tmp_path_factory):
        assert render(evaluation, "junit") == _etree_junit(evaluation)
    empty = evaluate([], small_catalog, [], plan=Plan([], source="pulumi-preview", path="p.json"))
    assert render(empty, "junit") == _etree_junit(empty)
