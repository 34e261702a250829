"""YAML loading that remembers where every key is, so errors can name file, line and key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from vallum.exceptions import BundleIssue

Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class LocatedYaml:
    """Parsed YAML data plus the 1-based line of every mapping key and sequence item."""

    file: str
    data: Any
    lines: dict[Path_, int]

    def line_of(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest located ancestor."""
        for cut in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                return line
        return None

    def issue(self, path: Path_, message: str) -> BundleIssue:
        key = ".".join(str(p) for p in path)
        return BundleIssue(self.file, self.line_of(path), key, message)


def load_located(text: str, file: str) -> LocatedYaml:
    """Parse `text`; raise `yaml.YAMLError` (with a mark) on a syntax error."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[Path_, int] = {}
    if node is None:
        return LocatedYaml(file, None, lines)
    _walk(node, (), lines)
    data = yaml.safe_load(text)
    return LocatedYaml(file, data, lines)


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = (*path, key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines)
