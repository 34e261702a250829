"""Taint across the JavaScript/TypeScript files of one review: functions called by name.

A route in one file often hands request data to a helper in another (`findUser(req.query.name)`
with `findUser` in `./db`). Each project function gets a summary (which parameters reach which
sinks, which reach its result, with what cleared on the way), computed on first use; a call to
it applies the summary. Named functions are followed: declarations, `const f = () => ...`,
ES exports (`export function`, `export default`, `export { a as b }`) and CommonJS exports
(`exports.f = ...`, `module.exports = { f }`, `module.exports = f`), reached through relative
imports, `require("./x")` and dynamic `import("./x")`. Methods are followed too: a class's
methods as `Class.method` (reached as `this.method()` inside it, or `obj.method()` on an object
made with `new Class()`), and an object literal's as `obj.method` (`const tools = { f() {} }`,
`module.exports = { tools }`, `export default { f() {} }`).

Each function is also read as a possible validator (`js.predicates`): what its true result, or
its returning at all, proves about its parameters.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from vallum.review.findings import Finding
from vallum.review.js.expressions import FUNCTIONS
from vallum.review.js.guards import Cleared, Validates
from vallum.review.js.parse import JsModule, Node, dotted, object_props
from vallum.review.js.predicates import asserted_params, validated_params
from vallum.review.js.taint import JsTaint
from vallum.review.taint.labels import Summary

_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")


@dataclass(slots=True)
class _Table:
    """A module's functions by local name, and by the name it exports them under."""

    local: dict[str, Node] = field(default_factory=dict)
    exported: dict[str, Node] = field(default_factory=dict)
    # Exports naming a local binding (`module.exports = { findUser }`), resolved once read.
    pending: dict[str, str] = field(default_factory=dict)


class JsProject:
    """The JavaScript/TypeScript modules of one review and their function summaries."""

    def __init__(self, modules: list[JsModule], nosql: bool = True) -> None:
        self.nosql = nosql  # False when the project's manifest names no MongoDB driver
        self.modules = {m.path: m for m in modules}
        self.tables = {m.path: _table(m) for m in modules}
        self.cache: dict[tuple[str, int], Summary | None] = {}
        self.checks: dict[tuple[str, int], tuple[Validates, Validates]] = {}
        self.found: dict[tuple[str, str], tuple[JsModule, Node] | None] = {}

    def analyse(self) -> list[Finding]:
        findings: list[Finding] = []
        for m in self.modules.values():
            findings.extend(JsTaint(m, self.summary, self.nosql, self.validator).run())
        return findings

    def validator(self, m: JsModule, name: str) -> tuple[Validates, Validates] | None:
        """What the function `name` proves about its parameters when true / when it returns."""
        found = self._lookup(m, name)
        if found is None:
            return None
        target, node = found
        key = (target.path, node.id)
        if key not in self.checks:
            self.checks[key] = ((), ())  # recursion: nothing proved while being read
            infer = JsTaint(target, None, self.nosql, self.validator)._infer

            def nested(call: Node) -> Cleared:
                return infer(call) if call.type == "call_expression" else {}

            self.checks[key] = (
                validated_params(target, node, nested),
                asserted_params(target, node, nested),
            )
        return self.checks[key]

    def summary(self, m: JsModule, name: str) -> Summary | None:
        """The summary of the function `name` (import-resolved, as called in `m`), or None."""
        found = self._lookup(m, name)
        if found is None:
            return None
        target, node = found
        key = (target.path, node.id)
        if key in self.cache:
            return self.cache[key] or Summary()  # recursion: the summary being built is empty
        self.cache[key] = None
        result = JsTaint(target, self.summary, self.nosql, self.validator).summarise(node)
        self.cache[key] = result
        return result

    def _lookup(self, m: JsModule, name: str) -> tuple[JsModule, Node] | None:
        key = (m.path, name)
        if key not in self.found:
            self.found[key] = self._find(m, name)
        return self.found[key]

    def _find(self, m: JsModule, name: str) -> tuple[JsModule, Node] | None:
        local = self.tables[m.path].local.get(name)
        if local is not None:
            return m, local
        if not name.startswith("."):
            return None
        # "./db.findUser", "../lib/files.readReport", "./tools" (the default export)
        cuts = [len(name)] + [
            i for i in range(len(name) - 1, 1, -1) if name[i] == "." and name[i - 1] not in "./"
        ]
        for cut in cuts:
            target = self._module(m.path, name[:cut])
            if target is not None:
                member = name[cut + 1 :] or "default"
                exported = self.tables[target.path].exported
                node = exported.get(member) or exported.get(member.removeprefix("default."))
                return (target, node) if node is not None else None
        return None

    def _module(self, importer: str, specifier: str) -> JsModule | None:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
        stem, ext = posixpath.splitext(joined)
        candidates = [joined, *(joined + s for s in _SUFFIXES)]
        candidates += [f"{joined}/index{s}" for s in _SUFFIXES]
        if ext in {".js", ".jsx", ".mjs", ".cjs"}:  # TypeScript imports "./x.js" for ./x.ts
            candidates += [stem + s for s in _SUFFIXES]
        for candidate in candidates:
            if candidate in self.modules:
                return self.modules[candidate]
        return None


def _table(m: JsModule) -> _Table:
    table = _Table()
    for stmt in m.root.named_children:
        if stmt.type == "export_statement":
            _export(m, stmt, table)
        elif stmt.type == "expression_statement" and stmt.named_children:
            _commonjs(m, stmt.named_children[0], table)
        else:
            _declared(m, stmt, table.local)
    for exported, local in table.pending.items():
        node = table.local.get(local)
        if node is not None:
            table.exported.setdefault(exported, node)
        for key in [k for k in table.local if k.startswith(local + ".")]:
            method = key[len(local) + 1 :]  # `module.exports = { UserRepo }`: its methods too
            table.exported.setdefault(f"{exported}.{method}", table.local[key])
            if exported == "default":
                table.exported.setdefault(method, table.local[key])
    return table


def _declared(m: JsModule, stmt: Node, out: dict[str, Node]) -> list[str]:
    """Functions a statement declares by name, added to `out`; their names."""
    names: list[str] = []
    if stmt.type in {"function_declaration", "generator_function_declaration"}:
        name = m.text(stmt.child_by_field_name("name"))
        out[name] = stmt
        names.append(name)
    elif stmt.type in {"class_declaration", "abstract_class_declaration"}:
        name = m.text(stmt.child_by_field_name("name"))
        out.update(_members(m, name, stmt))
        names.append(name)
    elif stmt.type in {"lexical_declaration", "variable_declaration"}:
        for decl in stmt.named_children:
            value = decl.child_by_field_name("value")
            target = decl.child_by_field_name("name")
            if value is None or target is None:
                continue
            if value.type in FUNCTIONS:
                out[m.text(target)] = value
                names.append(m.text(target))
            elif value.type in {"object", "class"}:
                out.update(_members(m, m.text(target), value))
                names.append(m.text(target))
    return names


def _members(m: JsModule, owner: str, node: Node) -> dict[str, Node]:
    """`owner.method` for each method of a class (or class expression) or object literal."""
    out: dict[str, Node] = {}
    if node.type == "object":
        for key, value in object_props(m, node).items():
            if value.type in FUNCTIONS:
                out[f"{owner}.{key}"] = value
        members = node.named_children
    else:
        body = node.child_by_field_name("body")
        members = body.named_children if body is not None else []
    for member in members:
        if member.type == "method_definition":
            out[f"{owner}.{m.text(member.child_by_field_name('name'))}"] = member
    return out


def _export(m: JsModule, stmt: Node, table: _Table) -> None:
    default = any(c.type == "default" for c in stmt.children)
    declaration = stmt.child_by_field_name("declaration")
    value = stmt.child_by_field_name("value")
    if declaration is not None:
        for name in _declared(m, declaration, table.local):
            table.pending[name] = name
            if default:
                table.pending["default"] = name
    elif value is not None and value.type in FUNCTIONS and default:
        table.exported["default"] = value
    elif value is not None and value.type in {"object", "class"} and default:
        for key, node in _members(m, "default", value).items():
            table.exported[key] = node
            table.exported.setdefault(key.removeprefix("default."), node)
    elif value is not None and value.type == "identifier" and default:
        table.pending["default"] = m.text(value)
    for clause in stmt.named_children:
        if clause.type != "export_clause":
            continue
        for item in clause.named_children:
            name = m.text(item.child_by_field_name("name"))
            alias = item.child_by_field_name("alias")
            table.pending[m.text(alias) if alias is not None else name] = name


def _commonjs(m: JsModule, expr: Node, table: _Table) -> None:
    """`exports.f = ...`, `module.exports.f = ...`, `module.exports = { f }` or `= f`."""
    if expr.type != "assignment_expression":
        return
    left = dotted(m, expr.child_by_field_name("left"))
    right = expr.child_by_field_name("right")
    if right is None:
        return
    if left in {"module.exports", "exports"}:
        if right.type == "object":
            for key, value in object_props(m, right).items():
                _bind_export(m, key, value, table)
            for key, node in _members(m, "", right).items():
                table.exported.setdefault(key[1:], node)  # `module.exports = { f(x) {...} }`
        else:
            _bind_export(m, "default", right, table)
    elif left.startswith(("exports.", "module.exports.")) and left.count(".") <= 2:
        _bind_export(m, left.rpartition(".")[2], right, table)


def _bind_export(m: JsModule, name: str, value: Node, table: _Table) -> None:
    if value.type in FUNCTIONS:
        table.exported[name] = value
    elif value.type in {"class", "object"}:
        for key, node in _members(m, name, value).items():
            table.exported[key] = node
            if name == "default":
                table.exported.setdefault(key.removeprefix("default."), node)
    elif value.type in {"identifier", "shorthand_property_identifier"}:
        table.pending[name] = m.text(value)
