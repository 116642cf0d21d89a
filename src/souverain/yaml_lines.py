"""Lines of the values in a YAML file (Pulumi's project and stack files), for findings located there.

`yaml.safe_load` forgets where things were; `yaml.compose` keeps a mark on every node. A file that does
not compose has already been refused by the loader, so this reads only files known to parse.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

LinePath = tuple[str | int, ...]


def _walk(node: yaml.Node, path: LinePath) -> Iterator[tuple[LinePath, int]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                here = (*path, str(key.value))
                yield here, key.start_mark.line + 1
                yield from _walk(value, here)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            here = (*path, index)
            yield here, item.start_mark.line + 1
            yield from _walk(item, here)


def value_lines(path: Path) -> dict[LinePath, int]:
    """`("config", "proj:adminRanges", 0)` -> its 1-based line; the first occurrence of a path wins."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    lines: dict[LinePath, int] = {}
    if node is not None:
        for where, line in _walk(node, ()):
            lines.setdefault(where, line)
    return lines
