"""The normalizers' nesting bound, at its exact edge, and what the readers share with the document.

Policies and reports walk property values recursively: every value that reaches the model nests at most
MAX_DEPTH levels. The fast paths (scalars copied inline, one check per container) must keep the bound
exactly where the one-call-per-value walk put it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from souverain.errors import InputError
from souverain.model import UNKNOWN, Secret
from souverain.readers import parse_plan
from souverain.readers._common import MAX_DEPTH, PULUMI_UNKNOWN, bound_nesting, pulumi_value

TOFU = Path(__file__).parent / "fixtures" / "plans" / "tofu-plan-modules.json"


def nested(levels: int, leaf: Any, container: str = "dict") -> Any:
    value = leaf
    for _ in range(levels):
        value = {"k": value} if container == "dict" else [value]
    return value


@pytest.mark.parametrize("container", ["dict", "list"])
@pytest.mark.parametrize("leaf", ["text", 1, None, {}, []])
def test_pulumi_value_accepts_a_leaf_at_max_depth_and_refuses_one_below(container: str, leaf: Any) -> None:
    """A leaf (scalar or empty container) counts at its own depth: MAX_DEPTH is the deepest allowed."""
    assert pulumi_value(nested(MAX_DEPTH, leaf, container)) == nested(MAX_DEPTH, leaf, container)
    with pytest.raises(RecursionError):
        pulumi_value(nested(MAX_DEPTH + 1, leaf, container))


def test_pulumi_value_counts_markers_and_secrets_at_their_depth() -> None:
    assert pulumi_value(nested(MAX_DEPTH, PULUMI_UNKNOWN)) == nested(MAX_DEPTH, UNKNOWN)
    assert pulumi_value(nested(MAX_DEPTH, "[secret]")) == nested(MAX_DEPTH, Secret(UNKNOWN))
    with pytest.raises(RecursionError):
        pulumi_value(nested(MAX_DEPTH + 1, "[secret]"))


@pytest.mark.parametrize("container", ["dict", "list"])
def test_bound_nesting_refuses_a_container_below_max_depth(container: str) -> None:
    """Shared values: containers are what a walk recurses into, so the deepest container is what counts."""
    ok = nested(MAX_DEPTH + 1, "leaf", container)  # innermost container at depth MAX_DEPTH
    assert bound_nesting(ok) is ok
    with pytest.raises(RecursionError):
        bound_nesting(nested(MAX_DEPTH + 2, "leaf", container))
    with pytest.raises(RecursionError):
        bound_nesting(nested(MAX_DEPTH, Secret("x"), container))  # a secret's value is one level below it


def test_terraform_reader_refuses_a_too_deep_value_in_any_resource() -> None:
    """Every resource's `after` is bounded, not only the first: the error names the one too deep."""
    data = json.loads(TOFU.read_text(encoding="utf-8"))
    changes = data["resource_changes"]
    last = max(
        i
        for i, c in enumerate(changes)
        if c.get("mode") != "data" and "delete" not in c["change"]["actions"] and c["change"].get("after")
    )
    assert last > 0
    changes[last]["change"]["after"]["x_deep"] = nested(MAX_DEPTH + 5, 1)
    with pytest.raises(InputError, match="nested too deeply") as caught:
        parse_plan(data, "plan.json")
    assert caught.value.field == f"resource_changes[{last}].change.after"


def test_terraform_reader_leaves_the_document_as_it_was() -> None:
    """Properties share the document's objects; dropping an unset unknown `region` copies, never edits."""
    data = json.loads(TOFU.read_text(encoding="utf-8"))
    for change in data["resource_changes"]:
        after = change["change"].get("after")
        if isinstance(after, dict) and change["change"].get("actions") != ["delete"]:
            after["region"] = None
            change["change"].setdefault("after_unknown", {})["region"] = True
    before = copy.deepcopy(data)
    plan = parse_plan(data, "plan.json")
    assert data == before
    assert any("region" not in r.properties for r in plan.resources if not r.is_provider)
