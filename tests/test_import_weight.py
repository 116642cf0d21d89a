"""What `souverain check` of a plan file loads: every pull request pays for each library imported.

pydantic, for one, took about 0.2 s to import with the catalog's models; a plan check needs none of these
(the catalog and waivers are validated with msgspec, components and stacks are not run).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
HEAVY = ("pydantic", "pulumi", "pulumi_openstack", "pulumi_policy", "grpc", "rich", "hypothesis")

PROBE = """
import json, sys
from souverain.cli.main import main
heavy = set(json.loads(sys.argv[1]))
sys.argv = ["souverain", *sys.argv[2:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
loaded = sorted({name.split(".")[0] for name in sys.modules} & heavy)
print("\\n" + json.dumps([code, loaded]), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("plan", "fmt"),
    [
        ("tofu-plan-modules.json", "json"),
        ("pulumi-preview-small.json", "sarif"),
        ("pulumi-export-v3.json", "text"),
    ],
)
def test_checking_a_plan_file_imports_none_of_the_heavy_libraries(
    tmp_path: Path, plan: str, fmt: str
) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("schema_version: 1\nwaivers: []\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            json.dumps(HEAVY),
            "check",
            str(FIXTURES / "plans" / plan),
            "--catalog",
            str(FIXTURES / "catalogs" / "small.yaml"),
            "--waivers",
            str(waivers),
            "--format",
            fmt,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    code, loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert code in (0, 1), done.stderr
    assert loaded == []
