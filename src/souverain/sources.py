"""Where a planned resource is written in the sources beside the plan (`souverain check --source-dir`).

A Terraform plan names a resource by its address (`module.net.openstack_networking_secgroup_rule_v2.ssh[0]`)
but carries no file or line. With the configuration's folder, the address leads to the block that
declares it: the module path through each `module "name" { source = "./dir" }` call to its folder, then
the `resource "type" "name" {` (or `data`) block start in that folder's `.tf` files. Only local module
sources are followed: a registry or git module's code is not beside the plan, and its resources are
located on the `module` block that calls it.

The parse is deliberately minimal (block starts and `source` lines, not HCL): a block it cannot find is
no location, never an error, since locations help reviewers and decide nothing.

Pulumi stack exports and previews give each resource's position relative to the project folder
(`project:///index.ts#17,20`); `--source-dir` names that folder, so those paths are read from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .model import Plan, SourceLocation

_BLOCK = re.compile(r'^[ \t]*(resource|data)[ \t]+"([^"]+)"[ \t]+"([^"]+)"[ \t]*\{', re.MULTILINE)
_MODULE = re.compile(r'^[ \t]*module[ \t]+"([^"]+)"[ \t]*\{', re.MULTILINE)
_SOURCE = re.compile(r'^[ \t]*source[ \t]*=[ \t]*"([^"]+)"', re.MULTILINE)
_INDEX = r'\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\]'
_ADDRESS = re.compile(
    rf"(?P<modules>(?:module\.[A-Za-z0-9_-]+(?:{_INDEX})?\.)*)"
    rf"(?P<mode>data\.)?(?P<type>[A-Za-z0-9_-]+)\.(?P<name>[A-Za-z0-9_-]+)(?:{_INDEX})?"
)
_MODULE_STEP = re.compile(rf"module\.([A-Za-z0-9_-]+)(?:{_INDEX})?\.")


@dataclass(slots=True)
class _Folder:
    blocks: dict[tuple[str, str, str], SourceLocation] = field(default_factory=dict)
    """(`resource` or `data`, type, name) -> where its block starts."""
    modules: dict[str, tuple[SourceLocation, str | None]] = field(default_factory=dict)
    """Module call name -> where its block starts, and its `source`."""


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _read_folder(folder: Path) -> _Folder:
    found = _Folder()
    for path in sorted(folder.glob("*.tf")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for match in _BLOCK.finditer(text):
            key = (match.group(1), match.group(2), match.group(3))
            found.blocks.setdefault(key, SourceLocation(str(path), _line(text, match.start())))
        for match in _MODULE.finditer(text):
            start = SourceLocation(str(path), _line(text, match.start()))
            # the call's `source`: the first one after the block start, before the next block starts
            following = [
                m.start() for m in (*_BLOCK.finditer(text, match.end()), *_MODULE.finditer(text, match.end()))
            ]
            end = min(following, default=len(text))
            source = _SOURCE.search(text, match.end(), end)
            found.modules.setdefault(match.group(1), (start, source.group(1) if source else None))
    return found


class TerraformSources:
    """The `.tf` files under a configuration folder, read once per folder the addresses lead to."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._folders: dict[Path, _Folder] = {}

    def _folder(self, path: Path) -> _Folder:
        folder = self._folders.get(path)
        if folder is None:
            folder = self._folders[path] = _read_folder(path)
        return folder

    def locate(self, address: str) -> SourceLocation | None:
        match = _ADDRESS.fullmatch(address)
        if match is None:
            return None
        folder_path = self.root
        for step in _MODULE_STEP.finditer(match.group("modules")):
            call = self._folder(folder_path).modules.get(step.group(1))
            if call is None:
                return None
            start, source = call
            if source is None or not source.startswith(("./", "../")):
                return start  # code that is not beside the plan: the call is the user's line
            folder_path = (folder_path / source).resolve()
        mode = "data" if match.group("mode") else "resource"
        return self._folder(folder_path).blocks.get((mode, match.group("type"), match.group("name")))


def locate_sources(plan: Plan, source_dir: Path) -> None:
    """Give the plan's resources their place in the sources under `source_dir`.

    Terraform addresses are looked up in the `.tf` files; Pulumi positions (relative to the project) are
    read from `source_dir`. Resources already located absolutely (an offline run) are left as they are.
    """
    terraform: TerraformSources | None = None
    for resource in plan.resources:
        location = resource.location
        if location is not None:
            if not Path(location.path).is_absolute():
                resource.location = SourceLocation(
                    str((source_dir / location.path).resolve()), location.line, location.column
                )
            continue
        if resource.address.startswith("urn:"):
            continue
        terraform = terraform or TerraformSources(source_dir)
        resource.location = terraform.locate(resource.address)
