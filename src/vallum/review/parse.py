"""Parse Python with tree-sitter, whatever interpreter runs Vallum.

The standard `ast` module parses only the syntax of the interpreter it ships with (3.11 cannot
read PEP 701 f-strings or PEP 695 type parameters). tree-sitter-python follows the newest
grammar and recovers from errors, so a file with a syntax error is still analysed up to the
error, and the error is reported as a `Problem`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import tree_sitter
import tree_sitter_python

from vallum.review.findings import Problem

Node = tree_sitter.Node


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))


@dataclass(slots=True)
class Module:
    """One parsed Python file: its tree, source, dotted module name and import aliases."""

    path: str
    name: str
    source: bytes
    root: Node
    lines: list[str]
    imports: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Template files of the review (relative path -> text), shared by every module, so a view
    # can see that `{{ bio|safe }}` turns escaping off for the value it passes as `bio`.
    templates: dict[str, str] = field(default_factory=dict)

    def text(self, node: Node | None) -> str:
        """Source text of a node ("" for None)."""
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def line_of(self, node: Node) -> int:
        return node.start_point[0] + 1

    def snippet(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def qualify(self, dotted: str) -> str:
        """Resolve the first segment of a dotted name through the module's imports."""
        head, _, rest = dotted.partition(".")
        target = self.imports.get(head)
        if target is None:
            return dotted
        return f"{target}.{rest}" if rest else target


def module_name(relpath: str) -> str:
    """`pkg/sub/mod.py` -> `pkg.sub.mod`; `pkg/__init__.py` -> `pkg`."""
    parts = relpath.replace("\\", "/").removesuffix(".py").split("/")
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(p for p in parts if p and p != ".")


def parse_module(source: bytes, path: str, name: str = "") -> Module:
    """Parse one file; syntax errors become `Problem`s on the module, never exceptions."""
    tree = _parser().parse(source)
    root = tree.root_node
    text = source.decode("utf-8", "replace")
    module = Module(
        path=path, name=name or module_name(path), source=source, root=root, lines=text.splitlines()
    )
    if root.has_error:
        first = _first_error(root)
        line = first.start_point[0] + 1 if first is not None else 0
        module.problems.append(
            Problem(path, f"syntax error near line {line}; analysis after it is partial", line)
        )
    module.imports = _imports(module)
    return module


def _first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing or child.type == "ERROR":
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _imports(module: Module) -> dict[str, str]:
    aliases: dict[str, str] = {}
    package = module.name.rpartition(".")[0]
    for node in walk(module.root):
        if node.type == "import_statement":
            for child in node.named_children:
                if child.type == "aliased_import":
                    real = module.text(child.child_by_field_name("name"))
                    aliases[module.text(child.child_by_field_name("alias"))] = real
                elif child.type == "dotted_name":
                    real = module.text(child)
                    aliases.setdefault(real.split(".")[0], real.split(".")[0])
        elif node.type == "import_from_statement":
            source_node = node.child_by_field_name("module_name")
            base = module.text(source_node)
            if base.startswith("."):
                dots = len(base) - len(base.lstrip("."))
                parent = package.split(".") if package else []
                parent = parent[: len(parent) - (dots - 1)] if dots > 1 else parent
                base = ".".join([*parent, base.lstrip(".")]).strip(".")
            for child in node.children_by_field_name("name"):
                if child.type == "aliased_import":
                    real = module.text(child.child_by_field_name("name"))
                    alias = module.text(child.child_by_field_name("alias"))
                else:
                    real = alias = module.text(child)
                aliases[alias] = f"{base}.{real}" if base else real
    return aliases


def walk(node: Node) -> Iterator[Node]:
    """Every node below `node` (pre-order, named nodes only), without recursion limits."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))


def dotted(module: Module, node: Node | None) -> str:
    """`a.b.c` for identifier/attribute chains, "" for anything else (calls, subscripts)."""
    parts: list[str] = []
    while node is not None:
        if node.type == "identifier":
            parts.append(module.text(node))
            return ".".join(reversed(parts))
        if node.type == "attribute":
            parts.append(module.text(node.child_by_field_name("attribute")))
            node = node.child_by_field_name("object")
            continue
        return ""
    return ""


def call_name(module: Module, call: Node) -> str:
    """Qualified name of what a call invokes: `subprocess.run`, `cursor.execute`, or ""."""
    func = call.child_by_field_name("function")
    name = dotted(module, func)
    if name:
        return module.qualify(name)
    # `x().method(...)`: keep the method so method-name rules still apply.
    if func is not None and func.type == "attribute":
        inner = func.child_by_field_name("object")
        attr = module.text(func.child_by_field_name("attribute"))
        if inner is not None and inner.type == "call":
            return f"{call_name(module, inner)}().{attr}"
        return f"?.{attr}"
    return ""


def arguments(call: Node) -> tuple[list[Node], dict[str, Node]]:
    """Positional argument nodes and keyword argument value nodes of a call."""
    positional: list[Node] = []
    keywords: dict[str, Node] = {}
    args = call.child_by_field_name("arguments")
    if args is None:
        return positional, keywords
    if args.type == "generator_expression":  # `f(x for x in y)`: one argument, no parentheses
        return [args], keywords
    for child in args.named_children:
        if child.type == "keyword_argument":
            name = child.child_by_field_name("name")
            value = child.child_by_field_name("value")
            if name is not None and value is not None and name.text is not None:
                keywords[name.text.decode()] = value
        elif child.type != "comment":
            positional.append(child)
    return positional, keywords


def string_value(module: Module, node: Node | None) -> str | None:
    """The value of a plain string literal (no interpolation), else None."""
    if node is None or node.type != "string":
        return None
    if any(c.type == "interpolation" for c in node.named_children):
        return None
    return "".join(module.text(c) for c in node.named_children if c.type == "string_content")


def literal(module: Module, node: Node | None) -> str:
    """Short source text of a constant-ish node (`True`, `"*"`, `0`), "" for None."""
    return module.text(node).strip() if node is not None else ""
