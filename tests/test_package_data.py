"""The shipped data files are read beside the package, or through importlib.resources when they are not
plain files there (a zipped install)."""

from __future__ import annotations

from importlib import resources

import pytest

from souverain import _data


@pytest.mark.parametrize("name", ["catalog.yaml", "kinds.yaml", "provider_services.yaml"])
def test_data_files_read_beside_the_package_and_through_importlib_resources_agree(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    expected = resources.files("souverain").joinpath("data", name).read_text(encoding="utf-8")
    assert _data.package_data_text(name) == expected
    monkeypatch.setattr(_data, "__file__", "/nonexistent/souverain/_data.py")
    assert _data.package_data_text(name) == expected


def test_a_missing_data_file_is_not_silently_empty() -> None:
    with pytest.raises(FileNotFoundError):
        _data.package_data_text("absent.yaml")
