"""Taint tracking over one JavaScript/TypeScript file: request data to dangerous calls.

The same shape as the Python engine: flow-sensitive along straight-line code, branch states
merged, branches that leave dropped, validators in `if` conditions and ternaries clearing the
names they check. Closures (route handlers, callbacks) are analysed where they are written,
with the enclosing state, so `app.get(path, (req, res) => ...)` sees module constants.
"""

from __future__ import annotations

from vallum.review.findings import Finding
from vallum.review.js import sinks, spec
from vallum.review.js.guards import Cleared, guards
from vallum.review.js.params import param_taints
from vallum.review.js.parse import JsModule, Node, call_args, call_name, dotted
from vallum.review.js.sources import (
    call_name_of,
    member_source,
    sink_finding,
    subscript_source,
)
from vallum.review.taint.labels import CLEAN, Label, Taint, clear, dangerous

Env = dict[str, Taint]
_FUNCTIONS = frozenset(
    {
        "arrow_function",
        "function_expression",
        "function_declaration",
        "method_definition",
        "generator_function_declaration",
        "function",
    }
)
_CLEAN = frozenset(
    {"number", "true", "false", "null", "undefined", "regex", "comment", "string", "this"}
)
_COMPARE = frozenset({"===", "!==", "==", "!=", "<", ">", "<=", ">=", "instanceof", "in"})


class JsTaint:
    """Analyse one module; `findings` holds every source-to-sink flow found."""

    def __init__(self, m: JsModule) -> None:
        self.m = m
        self.env: Env = {}
        self.normalised: set[str] = set()
        self.schemas: dict[str, str] = {}
        self.templates: set[str] = set()
        self.aliases: dict[str, str] = {}
        self.findings: list[Finding] = []

    def run(self) -> list[Finding]:
        self.block(self.m.root)
        return self.findings

    # --- statements --------------------------------------------------------------------

    def block(self, node: Node) -> bool:
        return any(self.stmt(child) for child in node.named_children)

    def stmt(self, node: Node) -> bool:
        t = node.type
        if t in {"lexical_declaration", "variable_declaration"}:
            for decl in node.named_children:
                if decl.type == "variable_declarator":
                    self._declare(decl)
            return False
        if t in {"return_statement", "throw_statement"}:
            for child in node.named_children:
                self.expr(child)
            return True
        if t == "if_statement":
            return self._if(node)
        if t == "statement_block":
            return self.block(node)
        if t in _FUNCTIONS:
            self.function(node)
            return False
        if t == "class_declaration" or t == "abstract_class_declaration":
            body = node.child_by_field_name("body")
            for member in body.named_children if body is not None else []:
                if member.type == "method_definition":
                    self.function(member)
            return False
        if t == "export_statement":
            for child in node.named_children:
                self.stmt(child) if child.type != "decorator" else None
            return False
        if t in {"for_statement", "for_in_statement", "while_statement", "do_statement"}:
            return self._loop(node)
        if t == "try_statement":
            for child in node.named_children:
                body = (
                    child.child_by_field_name("body") if child.type != "statement_block" else child
                )
                if body is not None:
                    self._branch([body])
            return False
        if t == "switch_statement":
            self.expr(node.child_by_field_name("value"))
            body = node.child_by_field_name("body")
            self._branch([*(body.named_children if body is not None else []), None])
            return False
        for child in node.named_children:
            self.expr(child)
        return False

    def _declare(self, decl: Node) -> None:
        target = decl.child_by_field_name("name")
        value = decl.child_by_field_name("value")
        taint = self.expr(value)
        self.bind(target, taint)
        if target is None or value is None or target.type != "identifier":
            return
        name = self.m.text(target)
        text = self.m.text(value)
        if value.type == "call_expression":
            callee = call_name(self.m, value)
            wrapped = call_args(value)
            if callee in {"util.promisify", "promisify"} and wrapped:
                self.aliases[name] = call_name_of(self.m, wrapped[0])
            if callee in spec.PATH_NORMALISERS:
                self.normalised.add(name)
            elif callee.endswith((".compile", ".compileFile")) and callee.split(".")[0] in {
                "handlebars",
                "Handlebars",
                "pug",
                "ejs",
                "nunjucks",
            }:
                self.templates.add(name)
        if text.startswith(("z.", "Joi.", "joi.", "yup.", "t.")) or ".object(" in text[:40]:
            self.schemas[name] = text

    def _if(self, node: Node) -> bool:
        condition = node.child_by_field_name("condition")
        self.expr(condition)
        when_true, when_false = guards(self.m, condition, self.normalised)
        alternative = node.child_by_field_name("alternative")
        consequence = node.child_by_field_name("consequence")
        before = dict(self.env)
        states: list[Env] = []
        for body, cleared in ((consequence, when_true), (alternative, when_false)):
            self.env = dict(before)
            self._clear(cleared)
            if body is not None and body.type == "else_clause":
                body = body.named_children[0] if body.named_children else None
            if body is None or not self.stmt(body):
                states.append(self.env)
        return self._merge(before, states)

    def _branch(self, bodies: list[Node | None]) -> bool:
        before = dict(self.env)
        states: list[Env] = []
        for body in bodies:
            self.env = dict(before)
            if body is None or not self.stmt(body):
                states.append(self.env)
        return self._merge(before, states)

    def _merge(self, before: Env, states: list[Env]) -> bool:
        if not states:
            self.env = before
            return True
        merged: Env = {}
        for state in states:
            for key, value in state.items():
                merged[key] = merged.get(key, CLEAN) | value
        self.env = merged
        return False

    def _loop(self, node: Node) -> bool:
        if node.type == "for_in_statement":
            self.bind(
                node.child_by_field_name("left"), self.expr(node.child_by_field_name("right"))
            )
        for field in ("initializer", "condition", "increment"):
            child = node.child_by_field_name(field)
            if child is not None and child.type in {"lexical_declaration", "variable_declaration"}:
                self.stmt(child)
            else:
                self.expr(child)
        body = node.child_by_field_name("body")
        self._branch([body, body, None])
        return False

    def _clear(self, cleared: Cleared) -> None:
        for name, kinds in cleared.items():
            for key in [k for k in self.env if k == name or k.startswith(name + ".")]:
                self.env[key] = clear(self.env[key], kinds)

    # --- functions ---------------------------------------------------------------------

    def function(self, node: Node) -> None:
        """Analyse a function where it is defined, its parameters shadowing outer names."""
        saved = self.env
        self.env = dict(saved)
        for target, taint in param_taints(self.m, node):
            self.bind(target, taint)
        body = node.child_by_field_name("body")
        if body is not None:
            if body.type == "statement_block":
                self.block(body)
            else:
                self.expr(body)
        self.env = saved

    # --- binding -----------------------------------------------------------------------

    def bind(self, target: Node | None, taint: Taint) -> None:
        if target is None:
            return
        t = target.type
        if t in {"identifier", "member_expression", "shorthand_property_identifier_pattern"}:
            self.env[self.m.text(target)] = taint
        elif t in {"object_pattern", "array_pattern"}:
            for child in target.named_children:
                self.bind(child, taint)
        elif t == "pair_pattern":
            self.bind(target.child_by_field_name("value"), taint)
        elif t in {"assignment_pattern", "object_assignment_pattern"}:
            self.bind(target.child_by_field_name("left") or target.named_children[0], taint)
        elif t == "rest_pattern":
            for child in target.named_children:
                self.bind(child, taint)
        elif t == "subscript_expression":
            container = dotted(self.m, target.child_by_field_name("object"))
            if container:
                self.env[container] = self.env.get(container, CLEAN) | taint

    # --- expressions -------------------------------------------------------------------

    def expr(self, node: Node | None) -> Taint:
        if node is None or node.type in _CLEAN:
            return CLEAN
        t = node.type
        if t == "identifier":
            return self.env.get(self.m.text(node), CLEAN)
        if t == "member_expression":
            return self._member(node)
        if t in {"call_expression", "new_expression"}:
            return self._call(node)
        if t in _FUNCTIONS:
            self.function(node)
            return CLEAN
        if t == "subscript_expression":
            self.expr(node.child_by_field_name("index"))
            source = subscript_source(self.m, node)  # `req["query"]`
            return source or self.expr(node.child_by_field_name("object"))
        if t == "binary_expression":
            left = self.expr(node.child_by_field_name("left"))
            right = self.expr(node.child_by_field_name("right"))
            op = self.m.text(node.child_by_field_name("operator"))
            return CLEAN if op in _COMPARE else left | right
        if t == "unary_expression":
            value = self.expr(node.child_by_field_name("argument"))
            op = self.m.text(node.child_by_field_name("operator"))
            return CLEAN if op in {"!", "typeof", "void", "delete"} else value
        if t == "ternary_expression":
            return self._ternary(node)
        if t in {"assignment_expression", "augmented_assignment_expression"}:
            return self._assign(node)
        if t in {"jsx_element", "jsx_self_closing_element"}:
            self._jsx(node)
            return CLEAN
        result: Taint = CLEAN
        for child in node.named_children:
            if child.type not in {"type_annotation", "type_arguments", "predefined_type"}:
                result = result | self.expr(child)
        return result

    def _member(self, node: Node) -> Taint:
        key = self.m.text(node)
        if key in self.env:
            return self.env[key]
        return member_source(self.m, node) or self.expr(node.child_by_field_name("object"))

    def _ternary(self, node: Node) -> Taint:
        condition = node.child_by_field_name("condition")
        self.expr(condition)
        when_true, when_false = guards(self.m, condition, self.normalised)
        before = dict(self.env)
        self._clear(when_true)
        result = self.expr(node.child_by_field_name("consequence"))
        self.env = dict(before)
        self._clear(when_false)
        result = result | self.expr(node.child_by_field_name("alternative"))
        self.env = before
        return result

    def _assign(self, node: Node) -> Taint:
        left = node.child_by_field_name("left")
        taint = self.expr(node.child_by_field_name("right"))
        outer = left.child_by_field_name("object") if left is not None else None
        if (
            left is not None
            and left.type == "subscript_expression"
            and outer is not None
            and outer.type == "subscript_expression"  # `obj[a][b] = v` with a = "__proto__"
        ):
            key = self.expr(outer.child_by_field_name("index"))
            self._sink(sinks.JsSinkUse("proto", (), "obj[key][key] ="), key, node)
        if node.type == "augmented_assignment_expression":
            taint = taint | self.expr(left)
        prop = self.m.text(left.child_by_field_name("property")) if left is not None else ""
        if (
            left is not None
            and left.type == "member_expression"
            and prop in {"innerHTML", "outerHTML"}
        ):
            self._sink(sinks.JsSinkUse("xss", (), prop), taint, node)
        target = dotted(self.m, left.child_by_field_name("object")) if left is not None else ""
        if (
            left is not None
            and target.endswith(".session")
            and target.split(".")[0]
            in {
                "req",
                "request",
                "ctx",
            }
        ):
            self._sink(sinks.JsSinkUse("weakrand", (), f"{target}.{prop}"), taint, node)
        self.bind(left, taint)
        return taint

    def _jsx(self, node: Node) -> None:
        for child in node.named_children:
            if child.type == "jsx_attribute":
                name = child.named_children[0] if child.named_children else None
                value = child.named_children[-1] if len(child.named_children) > 1 else None
                taint = self.expr(value)
                if self.m.text(name) == "dangerouslySetInnerHTML":
                    self._sink(sinks.JsSinkUse("xss", (), "dangerouslySetInnerHTML"), taint, child)
            elif child.type in {"jsx_opening_element", "jsx_self_closing_element"}:
                self._jsx(child)
            else:
                self.expr(child)

    def _call(self, node: Node) -> Taint:
        m = self.m
        name = call_name(m, node)
        func = node.child_by_field_name("function")
        args = call_args(node)
        taints = [self.expr(a) for a in args]
        recv = CLEAN
        receiver = ""
        if func is not None and func.type == "member_expression":
            recv = self.expr(func.child_by_field_name("object"))
            receiver = dotted(m, func.child_by_field_name("object"))
        method = name.rpartition(".")[2]
        line = _line(node)
        if name == "Math.random":  # predictable: never a session value or a cookie
            return frozenset(
                {Label("weak random Math.random()", line, spec.ALL_KINDS - {"weakrand"})}
            )
        if receiver in spec.REQUEST_OBJECTS and method in spec.REQUEST_METHODS:
            return frozenset({Label(f"{receiver}.{method}()", line)})
        name = self.aliases.get(name, name)  # `const run = promisify(exec)`
        uses = sinks.match(m, name, node, args)
        for use in uses:
            taint = CLEAN
            for arg in use.nodes:
                taint = taint | self.expr(arg)
            self._sink(use, taint, node)
        if uses:
            return CLEAN  # a query result, a response, a fetched body: new data, not the input
        everything = recv
        for value in taints:
            everything = everything | value
        sanitized = spec.SANITIZERS.get(name) or spec.SANITIZERS.get(method if not receiver else "")
        if sanitized is not None:
            return clear(everything, sanitized)
        if method in spec.CLEAN_METHODS and receiver != "":
            return CLEAN
        if method in spec.SCHEMA_METHODS and receiver and receiver != "JSON":
            schema = self.schemas.get(receiver.split(".")[0], "")
            strings = "string()" in schema and not any(
                f in schema for f in (".regex(", ".uuid(", ".email(", ".url(", ".enum(")
            )
            return clear(everything, frozenset({"nosql", "proto"}) if strings else spec.ALL_KINDS)
        if receiver in self.templates or name in self.templates:
            return clear(everything, frozenset({"xss"}))
        return everything

    def _sink(self, use: sinks.JsSinkUse, taint: Taint, where: Node) -> None:
        labels = dangerous(taint, use.kind)
        if labels:
            self.findings.append(sink_finding(self.m, use, labels[0], where))


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def analyse(m: JsModule) -> list[Finding]:
    """Every source-to-sink flow in one JavaScript/TypeScript module."""
    return JsTaint(m).run()
