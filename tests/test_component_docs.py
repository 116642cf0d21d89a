"""The whole-program example of docs/components.md runs offline and passes every mandatory policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from component_support import CATALOG, CONFIG, Run, assert_labelled, mandatory
from souverain.components import _common

DOC = Path(__file__).parent.parent / "docs" / "components.md"


def documented_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- tested: [^>]*-->\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "docs/components.md lost its tested example"
    return match.group(1)


def test_documented_program_runs_and_complies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_common, "default_catalog", lambda: CATALOG)  # place_component's default
    code = compile(documented_example(), str(DOC), "exec")
    run = Run(lambda: exec(code, {"__name__": "__main__"}), config=CONFIG)  # noqa: S102 - our own doc
    components = {r.type.rsplit(":", 1)[-1] for r in run.resources if r.type.startswith("souverain:")}
    assert components == {
        "IsolatedNetwork",
        "Bastion",
        "KeyManagement",
        "EncryptedVolume",
        "ObjectStore",
        "ResearchProjectSpace",
    }
    assert {r.region for r in run.cloud()} == {CONFIG["openstack:region"]}
    assert_labelled(
        [r for r in run.cloud() if not r.name.startswith("research-")],
        {"owner": "hdh-platform", "data_classification": "health", "project": "hdh"},
    )
    assert mandatory(run.resources) == []
