"""`souverain init DIR`: a new agency project that `souverain check DIR --stack dev` passes at once.

The files come from `template/` (package data), the agency template's program with the project's name,
EXAMPLE values plainly marked, a waivers file, CI wiring, and a requirements file that pins souverain the
way it was installed here (a release wheel by its sha256) and its dependencies with hashes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from .. import __version__
from ..errors import InputError

PROJECT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
"""Pulumi's rule for project names (`tokens.ValidateProjectName`): alphanumerics, `-`, `_`, `.`; 100 max."""
REPOSITORY = "github.com/health-data-hub/souverain"
"""The repository the GitHub Action and the release wheels come from."""
GITLAB_COMPONENT = "health-data-hub/souverain/souverain"
"""The component's path on a GitLab instance that mirrors the repository."""

# template name -> name in the project (package data cannot hold dot-files or importable modules).
_FILES = {
    "__main__.py.tmpl": "__main__.py",
    "agency_config.py.tmpl": "agency_config.py",
    "Pulumi.yaml": "Pulumi.yaml",
    "Pulumi.dev.yaml": "Pulumi.dev.yaml",
    "catalog-overlay.yaml": "catalog-overlay.yaml",
    "policy-config.json": "policy-config.json",
    "waivers.yaml": "waivers.yaml",
    "README.md": "README.md",
    "gitignore": ".gitignore",
    "github/workflows/souverain.yml": ".github/workflows/souverain.yml",
    "gitlab-ci.yml": ".gitlab-ci.yml",
}


@dataclass(frozen=True, slots=True)
class Scaffold:
    directory: Path
    files: tuple[Path, ...]
    pinned: bool
    """Whether requirements.txt pins souverain (False: it was installed from a checkout; see `warning`)."""
    warning: str | None = None


def validate_project_name(name: str) -> str:
    if not PROJECT_NAME.match(name):
        raise InputError(
            name,
            "is not a Pulumi project name: 1 to 100 letters, digits, hyphens, underscores or periods",
            field="--name",
        )
    return name


def init_project(directory: Path, name: str | None = None) -> Scaffold:
    """Write a new project into `directory`, which must be absent or empty (nothing is overwritten)."""
    project = validate_project_name(name if name is not None else directory.resolve().name)
    if directory.exists():
        if not directory.is_dir():
            raise InputError(str(directory), "exists and is not a folder")
        if any(directory.iterdir()):
            raise InputError(str(directory), "is not empty: souverain init writes into a new or empty folder")
    requirement, warning = install_requirement()
    version = __version__
    values = {
        "__PROJECT__": project,
        "__ACTION_REF__": f"health-data-hub/souverain@v{version}",
        "__GITLAB_COMPONENT__": GITLAB_COMPONENT,
        "__COMPONENT_VERSION__": version,
    }
    template = resources.files(__name__).joinpath("template")
    written: list[Path] = []
    directory.mkdir(parents=True, exist_ok=True)
    for source, target in _FILES.items():
        text = template.joinpath(source).read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace(key, value)
        path = directory / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    requirements = directory / "requirements.txt"
    requirements.write_text(requirements_text(requirement, warning), encoding="utf-8")
    written.append(requirements)
    return Scaffold(directory, tuple(written), requirement is not None, warning)


def requirements_text(requirement: str | None, warning: str | None) -> str:
    runtime = resources.files("souverain").joinpath("data/runtime-requirements.txt").read_text("utf-8")
    head = [
        "# Install: python3 -m venv venv && venv/bin/pip install --require-hashes -r requirements.txt",
        "# souverain is pinned to a release wheel by its sha256, never by name from a package index",
        "# (anyone may register the name there): see souverain's docs/security.md, 'Installing souverain'.",
    ]
    if requirement is None:
        head += [f"# {line}" for line in (warning or "").splitlines()]
        head.append("# souverain @ https://<release wheel URL> --hash=sha256:<its sha256>")
    else:
        head.append(requirement)
    return "\n".join(head) + "\n" + runtime


def install_requirement() -> tuple[str | None, str | None]:
    """The requirement line that reinstalls exactly this souverain, from how pip installed it (PEP 610
    `direct_url.json`): a wheel or archive URL with its sha256. None, with the reason, otherwise."""
    try:
        distribution = metadata.distribution("souverain")
    except metadata.PackageNotFoundError:
        return None, "souverain is not installed as a distribution: put its release wheel's line below."
    raw = distribution.read_text("direct_url.json")
    data = json.loads(raw) if raw else {}
    url = data.get("url") if isinstance(data, dict) else None
    archive = data.get("archive_info") if isinstance(data, dict) else None
    if isinstance(url, str) and isinstance(archive, dict):
        hashes = archive.get("hashes") or {}
        digest = hashes.get("sha256") if isinstance(hashes, dict) else None
        legacy = archive.get("hash")
        if digest is None and isinstance(legacy, str) and legacy.startswith("sha256="):
            digest = legacy.removeprefix("sha256=")
        if isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest):
            return f"souverain @ {url} \\\n    --hash=sha256:{digest}", None
    where = url if isinstance(url, str) else "an unknown place"
    return None, (
        f"souverain {__version__} was installed from {where}, not from a release wheel with its sha256:\n"
        "there is nothing here to pin. Replace the next line with the release's line (docs/security.md)."
    )
