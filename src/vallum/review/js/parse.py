"""Parse JavaScript and TypeScript with tree-sitter and resolve what imported names mean.

`.js .jsx .mjs .cjs` use the JavaScript grammar (JSX included), `.ts` the TypeScript grammar and
`.tsx` the TSX grammar. Imports (`import x from "m"`, `import { a as b } from "m"`,
`const { a } = require("m")`, `const x = require("m").y`, `const { a } = await import("m")`) map
local names to `module.member`,
with the `node:` prefix dropped, so rules match `child_process.exec` however it was imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

from vallum.review.findings import Problem
from vallum.review.parse import walk as walk  # grammar-free: every named node, pre-order

Node = tree_sitter.Node
SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")


@cache
def _parser(dialect: str) -> tree_sitter.Parser:
    if dialect == "ts":
        language = tree_sitter_typescript.language_typescript()
    elif dialect == "tsx":
        language = tree_sitter_typescript.language_tsx()
    else:
        language = tree_sitter_javascript.language()
    return tree_sitter.Parser(tree_sitter.Language(language))


def dialect_of(path: str) -> str:
    if path.endswith((".ts", ".mts", ".cts")):
        return "ts"
    return "tsx" if path.endswith(".tsx") else "js"


@dataclass(slots=True)
class JsModule:
    """One parsed JavaScript/TypeScript file: tree, source lines and import aliases."""

    path: str
    source: bytes
    root: Node
    lines: list[str]
    imports: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # call_name of each call node read so far (by node id): names are asked for many times
    names: dict[int, str] = field(default_factory=dict)
    # Every named node, pre-order, listed on first use: checks, imports and threat-model reads
    # each scan the whole file, and one walk serves them all.
    every: list[Node] = field(default_factory=list)

    def nodes(self) -> list[Node]:
        """Every named node of the file, pre-order (`walk(self.root)`, computed once)."""
        if not self.every:
            self.every = list(walk(self.root))
        return self.every

    def release(self) -> None:
        """Drop the node list (it is listed again if asked for)."""
        self.every = []

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def snippet(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def qualify(self, dotted_name: str) -> str:
        head, _, rest = dotted_name.partition(".")
        target = self.imports.get(head)
        if target is None:
            return dotted_name
        return f"{target}.{rest}" if rest else target


def parse_js(source: bytes, path: str) -> JsModule:
    """Parse one file; syntax errors become `Problem`s, never exceptions."""
    root = _parser(dialect_of(path)).parse(source).root_node
    text = source.decode("utf-8", "replace")
    module = JsModule(path, source, root, text.splitlines())
    if root.has_error:
        line = _first_error_line(root)
        module.problems.append(
            Problem(path, f"syntax error near line {line}; analysis after it is partial", line)
        )
    module.imports = _imports(module)
    return module


def _first_error_line(root: Node) -> int:
    for node in walk(root):
        if node.type == "ERROR" or node.is_missing:
            return node.start_point[0] + 1
    return 0


def _module_name(raw: str) -> str:
    name = raw.removeprefix("node:")
    return {"fs/promises": "fs.promises", "child_process": "child_process"}.get(name, name)


def _imports(m: JsModule) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for node in m.nodes():
        if node.type == "import_statement":
            source = _string(m, node.child_by_field_name("source"))
            if source is None:
                continue
            base = _module_name(source)
            for clause in node.named_children:
                if clause.type == "import_clause":
                    _import_clause(m, clause, base, aliases)
        elif node.type == "variable_declarator":
            required = _required(m, node.child_by_field_name("value"))
            if required is not None:
                _bind_pattern(m, node.child_by_field_name("name"), required, aliases)
    return aliases


def _import_clause(m: JsModule, clause: Node, base: str, aliases: dict[str, str]) -> None:
    for part in clause.named_children:
        if part.type == "identifier":
            aliases[m.text(part)] = base
        elif part.type == "namespace_import":
            for ident in part.named_children:
                aliases[m.text(ident)] = base
        elif part.type == "named_imports":
            for spec in part.named_children:
                if spec.type != "import_specifier":
                    continue
                name = m.text(spec.child_by_field_name("name"))
                alias = spec.child_by_field_name("alias")
                aliases[m.text(alias) if alias is not None else name] = f"{base}.{name}"


def _required(m: JsModule, value: Node | None) -> str | None:
    """`require("m")` -> "m"; `require("m").a.b` -> "m.a.b"; `(await import("m")).a` -> "m.a";
    anything else None."""
    suffix: list[str] = []
    while value is not None and value.type in _WRAPPERS:
        if value.type == "member_expression":
            suffix.append(m.text(value.child_by_field_name("property")))
            value = value.child_by_field_name("object")
        else:
            value = value.named_children[0] if value.named_children else None
    if value is None or value.type != "call_expression":
        return None
    if m.text(value.child_by_field_name("function")) not in {"require", "import"}:
        return None
    args = value.child_by_field_name("arguments")
    first = args.named_children[0] if args is not None and args.named_children else None
    name = _string(m, first)
    if name is None:
        return None
    return ".".join([_module_name(name), *reversed(suffix)])


_WRAPPERS = frozenset({"member_expression", "await_expression", "parenthesized_expression"})


def _bind_pattern(m: JsModule, pattern: Node | None, base: str, aliases: dict[str, str]) -> None:
    if pattern is None:
        return
    if pattern.type == "identifier":
        aliases[m.text(pattern)] = base
    elif pattern.type == "object_pattern":
        for prop in pattern.named_children:
            if prop.type == "shorthand_property_identifier_pattern":
                aliases[m.text(prop)] = f"{base}.{m.text(prop)}"
            elif prop.type == "pair_pattern":
                key = m.text(prop.child_by_field_name("key"))
                value = prop.child_by_field_name("value")
                if value is not None and value.type == "identifier":
                    aliases[m.text(value)] = f"{base}.{key}"


def _string(m: JsModule, node: Node | None) -> str | None:
    if node is None or node.type != "string":
        return None
    return "".join(m.text(c) for c in node.named_children if c.type == "string_fragment")


def string_value(m: JsModule, node: Node | None) -> str | None:
    """The value of a plain string (or a template without substitutions), else None."""
    if node is None:
        return None
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        return "".join(m.text(c) for c in node.named_children if c.type == "string_fragment")
    return _string(m, node)


def dotted(m: JsModule, node: Node | None) -> str:
    """`a.b.c` for identifier/member chains (`this` included), "" for anything else."""
    parts: list[str] = []
    while node is not None:
        if node.type in {"identifier", "this"}:
            parts.append(m.text(node))
            return ".".join(reversed(parts))
        if node.type == "member_expression":
            parts.append(m.text(node.child_by_field_name("property")))
            node = node.child_by_field_name("object")
            continue
        if node.type in {"non_null_expression", "parenthesized_expression"}:
            node = node.named_children[0] if node.named_children else None
            continue
        return ""
    return ""


def call_name(m: JsModule, call: Node) -> str:
    """Import-resolved name of what a call (or `new`) invokes; `?.method` when unknown."""
    found = m.names.get(call.id)
    if found is None:
        found = m.names[call.id] = _call_name(m, call)
    return found


def _call_name(m: JsModule, call: Node) -> str:
    func = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    name = dotted(m, func)
    if name:
        return m.qualify(name)
    if func is not None and func.type == "member_expression":
        inner = func.child_by_field_name("object")
        attr = m.text(func.child_by_field_name("property"))
        required = _required(m, inner)
        if required is not None:  # `require("child_process").exec(...)`
            return f"{required}.{attr}"
        if inner is not None and inner.type in {"call_expression", "new_expression"}:
            return f"{call_name(m, inner)}().{attr}"
        return f"?.{attr}"
    return ""


def call_args(call: Node) -> list[Node]:
    """Argument nodes of a call; a tagged template has none (its values are parameters)."""
    args = call.child_by_field_name("arguments")
    if args is None or args.type == "template_string":
        return []
    return [a for a in args.named_children if a.type != "comment"]


def object_props(m: JsModule, node: Node | None) -> dict[str, Node]:
    """`{ a: 1, b }` -> {"a": <1>, "b": <b>} (string keys unquoted)."""
    out: dict[str, Node] = {}
    if node is None or node.type != "object":
        return out
    for child in node.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            value = child.child_by_field_name("value")
            if key is not None and value is not None:
                out[string_value(m, key) or m.text(key)] = value
        elif child.type == "shorthand_property_identifier":
            out[m.text(child)] = child
    return out
