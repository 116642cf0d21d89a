"""The data files shipped inside the package (`data/catalog.yaml`, `data/kinds.yaml`)."""

from __future__ import annotations

from pathlib import Path


def package_data_text(name: str) -> str:
    """The text of `data/<name>`. Read beside this module, where pip installs it; through
    `importlib.resources` only when the package is not plain files (a zip): importing that machinery
    (tempfile, zipfile) costs every check about 10 ms."""
    try:
        return (Path(__file__).parent / "data" / name).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        from importlib import resources

        return resources.files("souverain").joinpath("data", name).read_text(encoding="utf-8")
