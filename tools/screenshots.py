"""Regenerate the screenshots of the evidence report and the network diagram in docs/img/.

    python tools/screenshots.py    # docs/img/report-prod.png, report-catalog-prod.png, diagram-prod.png

Checks the Health Data Hub prod stack (`souverain check stacks/health-data-hub --stack prod --format html`)
and photographs the report in headless Chromium (Debian's `chromium`) with the same offline client the
browser tests use (tests/browser_support.py). Needs Graphviz and Chromium (`.ci/run` installs both).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import Page, browser, chromium  # noqa: E402 - after the path is set
from click.testing import CliRunner  # noqa: E402
from souverain.cli.main import main  # noqa: E402


def run() -> int:
    executable = browser()
    if executable is None:
        print("screenshots: Chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "prod.html"
        stack = ROOT / "stacks" / "health-data-hub"
        result = CliRunner().invoke(
            main, ["check", str(stack), "--stack", "prod", "--format", "html", "-o", str(report)]
        )
        if result.exit_code not in (0, 1):
            print(result.output, file=sys.stderr)
            return 2
        with chromium(executable, width=1280, height=1800) as process:
            page = Page(process)
            run_result = page.open(report)
            if run_result.requests:
                print(f"screenshots: the report requested {run_result.requests}", file=sys.stderr)
                return 1
            page.screenshot(out / "report-prod.png")
            page.screenshot(out / "report-catalog-prod.png", selector="#catalog")
            page.screenshot(out / "diagram-prod.png", selector="figure.diagram svg")
    print(f"wrote report-prod.png, report-catalog-prod.png and diagram-prod.png in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
