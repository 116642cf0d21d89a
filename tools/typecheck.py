"""Run mypy over the installed layout of the `souverain` package.

The repository keeps `components/`, `policies/` and `cli/` at the top (the user's layout) while they install
as `souverain.components` and so on; mypy cannot follow setuptools' editable import hooks, so this builds a
tree of links in the installed shape under `build/typecheck/` and checks that.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_tree(source: Path = ROOT, tree: Path | None = None) -> Path:
    """The package as installed, as links, built afresh in `tree` (default `source/build/typecheck`) from
    the package-dir mapping in `source`'s pyproject.toml. `bench/run.py` builds other checkouts with it."""
    config = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
    package_dir: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    tree = tree or source / "build" / "typecheck"
    shutil.rmtree(tree, ignore_errors=True)
    package_root = tree / "souverain"
    package_root.mkdir(parents=True)
    for entry in (source / package_dir["souverain"]).iterdir():
        if entry.name != "__pycache__":
            (package_root / entry.name).symlink_to(entry)
    for name, folder in package_dir.items():
        if name != "souverain":
            (package_root / name.split(".", 1)[1]).symlink_to(source / folder)
    return tree


def main() -> int:
    tree = build_tree()
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), "-p", "souverain"]
    return subprocess.call(command, cwd=ROOT, env={"MYPYPATH": str(tree), "PATH": ""})


if __name__ == "__main__":
    sys.exit(main())
