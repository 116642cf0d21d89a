"""`souverain hook FILES...`: what the pre-commit hook checks for the files a commit changes.

pre-commit passes the changed files' names, several at once and split over several runs when there are
many. A file inside a Pulumi project folder (the nearest folder above it, up to the working directory,
with a `Pulumi.yaml`) stands for the project: checked once per stack (`Pulumi.<stack>.yaml` beside it, or
the stacks given). A JSON file named like a plan outside any project is checked as a plan. Anything else is
not souverain's to check. The exit code is the worst of the checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

PLAN_NAME = re.compile(r"(^|/)([^/]*[-_.])?(plan|preview|tfplan|stack-export|export)\.json$")
"""File names `pulumi preview --json`, `pulumi stack export` and `tofu show -json` output usually gets."""
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
_STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[^/]+)\.ya?ml$")


@dataclass(frozen=True, slots=True)
class HookTarget:
    target: str
    stack: str | None = None
    """The stack, for a Pulumi project folder; None for a plan file."""


def hook_targets(
    files: Iterable[str], stacks: Sequence[str] = (), root: Path | None = None
) -> list[HookTarget]:
    """The checks the changed `files` call for, each once, in a stable order."""
    root = (root or Path.cwd()).resolve()
    projects: dict[Path, None] = {}
    plans: dict[str, None] = {}
    for name in files:
        path = Path(name)
        project = _project_of(path, root)
        if project is not None:
            projects[project] = None
        elif PLAN_NAME.search(path.as_posix()) and path.is_file():
            plans[name] = None
    targets = [HookTarget(plan) for plan in plans]
    for project in projects:
        for stack in stacks or _stacks_of(project):
            targets.append(HookTarget(_shown(project, root), stack))
    return targets


def _project_of(path: Path, root: Path) -> Path | None:
    """The nearest folder at or above `path` (a folder itself, or a file's folder), not above `root`,
    that holds a Pulumi.yaml."""
    start = path if path.is_dir() else path.parent
    start = start.resolve()
    for folder in (start, *start.parents):
        if any((folder / name).is_file() for name in PROJECT_FILES):
            return folder
        if folder == root or root not in folder.parents:
            return None
    return None


def _stacks_of(project: Path) -> list[str]:
    stacks = sorted(
        match.group("stack") for child in project.iterdir() if (match := _STACK_FILE.match(child.name))
    )
    if not stacks:
        raise InputError(
            str(project), "is a Pulumi project without a Pulumi.<stack>.yaml: give --stack NAME", "--stack"
        )
    return stacks


def _shown(project: Path, root: Path) -> str:
    try:
        relative = project.relative_to(root).as_posix()
    except ValueError:
        return str(project)
    return relative or "."
