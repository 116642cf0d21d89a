"""The readers' typed paths (msgspec shapes that leave unread values undecoded) build the same model, and
report the same errors, as the generic readers over a fully decoded document."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from generated_support import generated_inputs

from souverain.errors import InputError
from souverain.model import Plan
from souverain.readers import parse_plan
from souverain.readers._json import decode_document

PLANS = Path(__file__).parent / "fixtures" / "plans"
PREVIEW = json.loads((PLANS / "pulumi-preview-small.json").read_text())
EXPORT = json.loads((PLANS / "pulumi-export-v3.json").read_text())
TOFU = json.loads((PLANS / "tofu-plan-modules.json").read_text())


def _model(plan: Plan) -> list[tuple[Any, ...]]:
    rows = []
    for r in plan.resources:
        provider = r.provider
        rows.append(
            (
                r.address,
                r.type,
                r.name,
                r.kind,
                r.package,
                r.properties,
                r.region,
                r.region_source,
                r.parent,
                r.dependencies,
                r.protect,
                r.retain_on_delete,
                r.operation,
                r.custom,
                r.is_provider,
                r.tags,
                None if provider is None else (provider.package, provider.region, dict(provider.properties)),
            )
        )
    return [*rows, (plan.stack, plan.project, plan.config, plan.secrets_provider, plan.backend)]


def _outcome(read: Callable[[], Plan]) -> Any:
    try:
        return _model(read())
    except InputError as exc:
        return ("error", exc.field, exc.message)


def assert_same(document: dict[str, Any]) -> None:
    raw = json.dumps(document).encode()
    generic = _outcome(lambda: parse_plan(json.loads(raw), "plan.json"))
    typed = _outcome(lambda: parse_plan(decode_document(raw, "plan.json"), "plan.json"))
    assert typed == generic


def test_fixtures_and_generated_inputs(tmp_path_factory: pytest.TempPathFactory) -> None:
    for path in [*sorted(PLANS.glob("*.json")), *generated_inputs(tmp_path_factory, 150, 11)]:
        assert_same(json.loads(path.read_text()))


def _preview_with(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = copy.deepcopy(PREVIEW)
    edit(document)
    return document


def _first_step(document: dict[str, Any], state: str = "newState") -> dict[str, Any]:
    step: dict[str, Any] = next(s for s in document["steps"] if s.get(state))
    return step


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: _first_step(d)["newState"].update(inputs={}),  # properties from the outputs
        lambda d: _first_step(d)["newState"].update(inputs=None, outputs={"name": "from-outputs"}),
        lambda d: _first_step(d)["newState"].update(outputs="not-an-object"),  # an error either way
        lambda d: _first_step(d)["newState"].update(outputs=["a", "list"]),
        lambda d: _first_step(d)["newState"].update(protect="yes"),
        lambda d: _first_step(d).update(oldState={}),  # empty: falsy in both
        lambda d: _first_step(d).update(op="delete", oldState={"urn": "x"}),  # a state with no field read
        lambda d: _first_step(d).update(newState="not-an-object"),  # the typed shape declines
        lambda d: _first_step(d)["newState"].update(inputs={"deep": [[[["x"]]]], "n": 12345678901234567890}),
    ],
)
def test_preview_edits(edit: Callable[[dict[str, Any]], None]) -> None:
    assert_same(_preview_with(edit))


def _export_with(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = copy.deepcopy(EXPORT)
    edit(document)
    return document


def _first_resource(document: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = next(r for r in document["deployment"]["resources"] if r.get("inputs"))
    return resource


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: _first_resource(d).update(inputs={}),
        lambda d: _first_resource(d).update(outputs="not-an-object"),
        lambda d: _first_resource(d).update(delete=True),
        lambda d: _first_resource(d).update(delete="yes"),
        lambda d: _first_resource(d).update(urn=None),
        lambda d: d["deployment"]["resources"].append("not-an-object"),
        lambda d: d["deployment"].update(secrets_providers={"type": "service"}),
        lambda d: d.update(checkpoint={"latest": d.pop("deployment")}),  # a checkpoint: read generically
    ],
)
def test_export_edits(edit: Callable[[dict[str, Any]], None]) -> None:
    assert_same(_export_with(edit))


def test_terraform_edits() -> None:
    document = copy.deepcopy(TOFU)
    managed = [c for c in document["resource_changes"] if c.get("mode") == "managed"]
    managed[0]["change"].update(actions=["delete"], before={"name": "gone", "size": 1})
    managed[1]["change"].update(actions=["delete", "create"])
    # Masks without a `true` (built or not, they mark nothing), one with `true` only inside a key, and
    # one marking a nested attribute.
    managed[2]["change"].update(after_unknown={"block": [{}], "x": False}, after_sensitive={"true_name": {}})
    managed[3]["change"].update(after_unknown={"nested": [{"id": True}]}, after_sensitive={"name": True})
    assert_same(document)


def test_terraform_after_at_the_nesting_limit() -> None:
    """An `after` whose brackets alone prove it shallow, and one at the limit whose brackets do not."""
    for depth in (150, 199, 200, 201, 260):
        document = copy.deepcopy(TOFU)
        managed = [c for c in document["resource_changes"] if c.get("mode") == "managed"]
        deep: Any = "leaf"
        for _ in range(depth):
            deep = [deep]
        managed[0]["change"]["after"]["deep"] = deep
        assert_same(document)


def test_a_refused_number_in_an_unbuilt_state_field_is_reported_as_the_stdlib_reports_it() -> None:
    document = _preview_with(lambda d: _first_step(d)["newState"].update(inputs={"size": "@@"}))
    raw = json.dumps(document).replace('"@@"', "1e400").encode()
    with pytest.raises(InputError, match="number 1e400 is too large"):
        parse_plan(decode_document(raw, "plan.json"), "plan.json")


def test_a_refused_number_in_outputs_beside_empty_inputs_is_reported_as_the_stdlib_reports_it() -> None:
    document = _export_with(lambda d: _first_resource(d).update(inputs={}, outputs={"size": "@@"}))
    raw = json.dumps(document).replace('"@@"', "1e400").encode()
    with pytest.raises(InputError, match="number 1e400 is too large"):
        parse_plan(decode_document(raw, "plan.json"), "plan.json")


STATE_FIELDS = ("type", "inputs", "parent", "dependencies", "protect", "retainOnDelete", "custom", "provider")
"""The fields of a resource state `resource_from_state` reads, besides `outputs` (read when `inputs` is
empty)."""


def test_the_export_shape_holds_every_field_the_reader_reads() -> None:
    from souverain.readers._pulumi import TypedState

    assert {*STATE_FIELDS, "urn", "delete", "outputs"} <= set(TypedState.__struct_fields__)
