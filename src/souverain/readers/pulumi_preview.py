"""`pulumi preview --json`: the preview digest (`display.PreviewDigest` in pulumi/pulumi).

Shape: `{"config": {"<pkg>:<key>": "<value>"}, "steps": [{"op", "urn", "provider", "oldState",
"newState", "diffReasons", "replaceReasons", "detailedDiff"}], "diagnostics", "duration",
"changeSummary"}`. Secrets are masked as `"[secret]"` in `config`, inputs and outputs; values unknown
until apply are the unknown sentinel. Unchanged resources (`same`) are left out unless the preview ran
with `--show-sames`; a replacement is one `replace` step, or three (`create-replacement`, `replace`,
`delete-replaced`) with `--show-replacement-steps`, which this reader merges back into one resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import msgspec

from ..model import Operation, Plan
from ._common import expect_list, expect_mapping, expect_str, fail, json_type, key_path, pulumi_value
from ._json import RAW_NULL, DeclinedError, member_as
from ._pulumi import (
    PendingResource,
    RawState,
    Urn,
    generic_state,
    parse_urn,
    resolve_providers,
    resource_from_state,
    stack_and_project,
    undecoded_state,
)

SOURCE = "pulumi-preview"

STEP_OPERATIONS: dict[str, Operation] = {
    "same": Operation.SAME,
    "create": Operation.CREATE,
    "update": Operation.UPDATE,
    "delete": Operation.DELETE,
    "replace": Operation.REPLACE,
    "create-replacement": Operation.REPLACE,
    "delete-replaced": Operation.REPLACE,
    "read": Operation.READ,
    "read-replacement": Operation.READ,
    "refresh": Operation.SAME,
    # Discarding a read resource only drops it from the state: nothing in the cloud is touched.
    "discard": Operation.READ,
    "discard-replaced": Operation.READ,
    "remove-pending-replace": Operation.DELETE,
    # An import adopts an existing cloud resource: it is new to the stack, so it is checked like a create.
    "import": Operation.CREATE,
    "import-replacement": Operation.REPLACE,
}
"""Every `deploy.StepOp` of pulumi/pulumi, mapped to the model's operations."""

OLD_STATE_OPS = frozenset(
    {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"}
)
"""Steps about the resource as it was: their properties come from `oldState`."""


def step_operation(op: str) -> Operation:
    """The operation of a step; an op newer than this reader is judged by its name, failing towards change."""
    known = STEP_OPERATIONS.get(op)
    if known is not None:
        return known
    if "replace" in op:
        return Operation.REPLACE
    if "delete" in op:
        return Operation.DELETE
    return Operation.UPDATE


def _merge(first: Operation, second: Operation) -> Operation:
    if first == second:
        return first
    if Operation.REPLACE in (first, second) or {first, second} == {Operation.CREATE, Operation.DELETE}:
        return Operation.REPLACE
    return second if first == Operation.SAME else first


def parse_config(raw: Any, file: str) -> dict[str, Any]:
    """The stack config the preview ran with; masked secrets become `Secret(UNKNOWN)`."""
    config: dict[str, Any] = {}
    for key, value in expect_mapping(raw, file, "config").items():
        if not isinstance(value, str | int | float | bool) and value is not None:
            fail(file, key_path("config", key), f"must be a string, not {json_type(value)}")
        config[key] = pulumi_value(value)
    return config


DIGEST_KEYS = ("steps", "changeSummary", "config", "diagnostics", "duration")


class _Step(msgspec.Struct):
    """A step as the typed path reads it: its states undecoded, so that only the state the step is read
    from is ever built, and of it only the fields `resource_from_state` reads (`TypedState`)."""

    op: Any = None
    urn: Any = None
    provider: Any = None
    oldState: msgspec.Raw = RAW_NULL  # noqa: N815 (the document's spelling)
    newState: msgspec.Raw = RAW_NULL  # noqa: N815


Step = tuple[Any, Any, Any, Any, Any]
"""A step's `op`, `urn`, `provider`, `oldState` and `newState`; a typed step's states left undecoded
(`undecoded_state`), a generic one's as the document has them."""


def _typed_step(step: _Step) -> Step:
    return step.op, step.urn, step.provider, undecoded_state(step.oldState), undecoded_state(step.newState)


def _generic_steps(steps: Any, path: str) -> Iterator[Step]:
    """The steps of a digest decoded whole, each checked to be an object as the loop reaches it."""
    for index, step in enumerate(expect_list(steps, path, "steps")):
        if not isinstance(step, Mapping):
            fail(path, f"steps[{index}]", f"must be an object, not {json_type(step)}")
        get = step.get
        yield get("op"), get("urn"), get("provider"), get("oldState"), get("newState")


def parse(data: Mapping[str, Any], path: str) -> Plan:
    if not any(key in data for key in DIGEST_KEYS):
        fail(path, "", "is not `pulumi preview --json` output: none of steps, changeSummary, config")
    config = parse_config(data.get("config"), path)
    typed = member_as(data, "steps", list[_Step])
    if typed is not None:
        try:
            # Every state that is not an object is built here, before any field is checked: a value
            # msgspec refuses (DeclinedError) is then reported as the generic path reports it.
            return _parse_steps(list(map(_typed_step, typed)), config, path)
        except DeclinedError:
            pass  # a value msgspec refuses (`1e400`): the generic path reports it
    return _parse_steps(_generic_steps(data.get("steps"), path), config, path)


def _parse_steps(steps: Iterable[Step], config: dict[str, Any], path: str) -> Plan:
    by_urn: dict[str, PendingResource] = {}
    urns: list[Urn] = []
    for index, (op, urn_text, step_provider, old, new) in enumerate(steps):
        field = f"steps[{index}]"
        if type(op) is not str or not op:
            op = expect_str(op, path, f"{field}.op")
        if type(urn_text) is not str or not urn_text:
            urn_text = expect_str(urn_text, path, f"{field}.urn")
        urn = parse_urn(urn_text, path, f"{field}.urn")
        urns.append(urn)
        if type(old) is not RawState:
            old = expect_mapping(old, path, f"{field}.oldState")
        if type(new) is not RawState:
            new = expect_mapping(new, path, f"{field}.newState")
        if op in OLD_STATE_OPS:
            state, state_field = (old, "oldState") if old else (new, "newState")
        else:
            state, state_field = (new, "newState") if new else (old, "oldState")
        operation = step_operation(op)
        typed_state, outputs = state.decoded() if type(state) is RawState else generic_state(state)
        item = resource_from_state(
            typed_state, outputs, urn, urn_text, path, f"{field}.{state_field}", operation, SOURCE
        )
        if isinstance(step_provider, str) and step_provider:
            item.provider_ref = step_provider
        elif step_provider is not None and step_provider != "":
            fail(path, f"{field}.provider", f"must be a string, not {json_type(step_provider)}")
        previous = by_urn.get(urn_text)
        if previous is None:
            by_urn[urn_text] = item
            continue
        # One resource, several steps (a replacement shown step by step): keep the new state's properties.
        merged = _merge(previous.resource.operation, operation)
        if op not in OLD_STATE_OPS:
            by_urn[urn_text] = item
        by_urn[urn_text].resource.operation = merged
    resources = resolve_providers(list(by_urn.values()), config)
    stack, project = stack_and_project(urns)
    return Plan(resources=resources, source=SOURCE, path=path, stack=stack, project=project, config=config)
