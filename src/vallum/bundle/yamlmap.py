"""YAML loading that remembers where every key is, so errors can name file, line and key.

Bundle files (`vallum.yaml`, scenario tests) are read strictly: a key given twice in one mapping
(whatever its quoting, or brought in by a `<<` merge) is an error at the line of the repeat, not
a silent overwrite (a second `controls:` block would replace the first one whole); aliases are
bounded, so a "billion laughs" document fails fast at the alias that crosses the bound instead
of expanding in memory; nesting depth is bounded too, and a document holds one YAML document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from vallum.exceptions import BundleIssue

Path_ = tuple[str | int, ...]

# Nodes a document may expand to once every alias is followed: far above any real bundle or
# scenario file, far below what hangs a process (a ten-line alias bomb expands to 10^9).
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 64


class DuplicateKeyError(ConstructorError):
    """A mapping names the same key twice (`problem_mark` is the repeat, `key` the key)."""

    key = ""


class YamlLimitError(ComposerError):
    """The document nests too deep, or its aliases expand too far or refer to themselves."""


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


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that bounds depth and alias expansion and refuses duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if node is None or id(node) not in self._sizes:
                raise YamlLimitError(
                    None, None, f"alias *{event.anchor} refers to a node that contains it", mark,
                )  # fmt: skip
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlLimitError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is None:
            return None
        size = 1 + sum(self._sizes[id(child)] for child in _children(node))
        if size > MAX_EXPANDED_NODES:
            raise YamlLimitError(
                None, None,
                f"aliases expand this document past {MAX_EXPANDED_NODES} nodes",
                node.start_mark,
            )  # fmt: skip
        self._sizes[id(node)] = size
        return node

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        # PyYAML's own drops a merged key it has seen (by the identity of its string), so two
        # merged mappings naming one key lose one silently; here every merged pair is kept and
        # `construct_mapping` reports the collision.
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        index = 0
        while index < len(node.value):
            key_node, value_node = node.value[index]
            if key_node.tag != "tag:yaml.org,2002:merge":
                index += 1
                continue
            del node.value[index]
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise ConstructorError(
                        None, None, f"`<<` merges mappings, not a {source.id}", source.start_mark
                    )
                self.flatten_mapping(source)
                merged.extend(source.value)
        if merged:
            node.value = merged + node.value

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)  # `<<` merges become ordinary pairs, checked like the rest
        first: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                earlier = first.setdefault(key, key_node)
            except TypeError:
                continue  # an unhashable key: the base constructor reports it
            if earlier is not key_node:
                error = DuplicateKeyError(
                    None, None,
                    f"duplicate key {key!r} (first at line {earlier.start_mark.line + 1})",
                    key_node.start_mark,
                )  # fmt: skip
                error.key = str(key)
                raise error
        return super().construct_mapping(node, deep)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load_located(text: str, file: str) -> LocatedYaml:
    """Parse `text`; raise `yaml.YAMLError` (with a mark) on a syntax error, a duplicate key
    (`DuplicateKeyError`) or a document past the bounds (`YamlLimitError`)."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LocatedYaml(file, None, {})
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    _walk(node, (), lines)
    return LocatedYaml(file, data, lines)


def yaml_issue(exc: yaml.YAMLError, file: str) -> BundleIssue:
    """The error as a located issue: file, 1-based line, key (for a duplicate) and problem."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = str(getattr(exc, "problem", None) or exc)
    if isinstance(exc, DuplicateKeyError):
        return BundleIssue(file, line, exc.key, problem)
    if isinstance(exc, YamlLimitError):
        return BundleIssue(file, line, "", problem)
    return BundleIssue(file, line, "", f"YAML syntax: {problem}")


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
