"""Expression evaluation for the JavaScript/TypeScript taint engine (`JsTaint` adds statements).

What a value carries: request sources, flows through calls (sinks, sanitizers, validators,
schemas, project functions through their summaries), JSX and assignments that are sinks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from vallum.review.js import sinks, spec
from vallum.review.js.fields import WRITTEN, JsFields, into
from vallum.review.js.guards import Cleared, Validates, guards, names_in
from vallum.review.js.parse import JsModule, Node, call_args, call_name, dotted
from vallum.review.js.sources import (
    hit_finding,
    member_source,
    sink_finding,
    subscript_source,
)
from vallum.review.taint.labels import CLEAN, Label, SinkHit, Summary, Taint, clear, dangerous

# The summary of the project function a call's import-resolved name names, or None.
Summaries = Callable[[JsModule, str], "Summary | None"]
# (what a true result proves, what returning proves) of the project function a name names.
Validators = Callable[[JsModule, str], "tuple[Validates, Validates] | None"]
FUNCTIONS = frozenset(
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


class JsExpressions(JsFields):
    """Mixin: what an expression's value carries, and the sinks it reaches on the way."""

    normalised: set[str]
    schemas: dict[str, str]
    templates: set[str]
    aliases: dict[str, str]
    constructed: dict[str, str]
    nosql: bool
    summaries: Summaries | None
    validators: Validators | None
    host_checked: set[str]

    def function(self, node: Node) -> None:
        raise NotImplementedError

    def bind(self, target: Node | None, taint: Taint) -> None:
        raise NotImplementedError

    def _clear(self, cleared: Cleared, where: Node | None = None) -> None:
        raise NotImplementedError

    def _read_sources(self, names: list[str], where: Node | None) -> None:
        raise NotImplementedError

    def _guards(self, condition: Node | None) -> tuple[Cleared, Cleared]:
        return guards(self.m, condition, self.normalised, self._infer, self._clean)

    def _clean(self, node: Node) -> bool:
        """Whether `node` carries no request data here (evaluated without reporting sinks)."""
        return not dangerous(self.quiet(node), "redirect")  # the operator's settings are trusted

    def _infer(self, call: Node) -> Cleared:
        """What a call to an inferred project validator proves when it returns true."""
        return self._proved(call, 0)

    def _proved(self, call: Node, which: int) -> Cleared:
        if self.validators is None or call.type != "call_expression":
            return {}
        args = call_args(call)
        for name in self._candidates(call):
            found = self.validators(self.m, name)
            if found is None:
                continue
            out: Cleared = {}
            for index, kinds in found[which]:
                for key in names_in(self.m, args[index]) if index < len(args) else set():
                    out[key] = out.get(key, frozenset()) | kinds
            return out
        return {}

    def _candidates(self, call: Node) -> list[str]:
        """Names a call may resolve to: `this.m()` as its class's method, `obj.m()` as the method
        of the project class `obj` was made with, then the import-resolved name."""
        name = call_name(self.m, call)
        name = self.aliases.get(name, name)
        func = call.child_by_field_name("function")
        if func is None or func.type != "member_expression":
            return [name]
        obj = func.child_by_field_name("object")
        if obj is None or obj.type not in {"this", "identifier"}:
            return [name]
        method = self.m.text(func.child_by_field_name("property"))
        receiver = self.m.text(obj)
        if receiver == "this":
            owner = _enclosing_class(self.m, call)
            return [f"{owner}.{method}", name] if owner else [name]
        made_with = self.constructed.get(receiver)
        return [f"{made_with}.{method}", name] if made_with else [name]

    def expr(self, node: Node | None) -> Taint:
        if node is None or node.type in _CLEAN:
            return CLEAN
        t = node.type
        if t == "identifier":
            name = self.m.text(node)
            return self.env.get(name, CLEAN) | self.env.get(name + WRITTEN, CLEAN)
        if t == "member_expression":
            return self._member(node)
        if t in {"call_expression", "new_expression"}:
            return self._call(node)
        if t in FUNCTIONS:
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
        found = member_source(self.m, node)
        if found:
            return found
        obj = node.child_by_field_name("object")
        prop = self.m.text(node.child_by_field_name("property"))
        held = (
            self.env.get(self.m.text(obj), CLEAN)
            if obj is not None and obj.type == "identifier"
            else None
        )
        taint = into(self.expr(obj) if held is None else held, prop)  # `options.template.name`
        if prop == "pathname" and dotted(self.m, obj) in self.host_checked:
            # a same-host URL's path alone is a relative target: "//evil.example" is a path
            return frozenset(Label(x.origin, x.line, x.cleared - {"redirect"}) for x in taint)
        return taint

    def _ternary(self, node: Node) -> Taint:
        condition = node.child_by_field_name("condition")
        self.expr(condition)
        when_true, when_false = self._guards(condition)
        self._read_sources([*when_true, *when_false], condition)
        before = dict(self.env)
        self._clear(when_true, condition)
        result = self.expr(node.child_by_field_name("consequence"))
        self.env = dict(before)
        self._clear(when_false, condition)
        result = result | self.expr(node.child_by_field_name("alternative"))
        self.env = before
        return result

    def _assign(self, node: Node) -> Taint:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        fields: dict[str, Taint] | None = None
        if right is not None and right.type == "object" and node.type == "assignment_expression":
            taint, fields = self.object_fields(right)
        else:
            taint = self.expr(right)
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
        if fields is not None and left is not None:
            self.bind_fields(self.m.text(left), fields)
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
        taints: list[Taint] = []
        fields: list[dict[str, Taint]] = []
        for arg in args:
            whole, known = self.object_fields(arg) if arg.type == "object" else (self.expr(arg), {})
            taints.append(whole)
            fields.append(known)
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
            # The request's own Host names the site the browser is on: no redirect elsewhere.
            host = method in {"get", "header"} and args and m.text(args[0]).lower()[1:-1] == "host"
            cleared = frozenset({"redirect"}) if host else frozenset()
            return frozenset({Label(f"{receiver}.{method}()", line, cleared)})
        name = self.aliases.get(name, name)  # `const run = promisify(exec)`
        for candidate in self._candidates(node) if self.summaries is not None else []:
            summary = self.summaries(m, candidate) if self.summaries is not None else None
            if summary is not None:  # a project function: known better than by its method name
                return self._apply(summary, candidate, taints, node, fields)
        uses = sinks.match(m, name, node, args, self.constructed, self.nosql)
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
        """Real input at a sink is a finding; a parameter there is a hit in the summary."""
        labels = dangerous(taint, use.kind)
        line = _line(where)
        for label in labels:
            if label.param is not None:
                snippet = self.m.snippet(line)
                hit = SinkHit(
                    use.kind, self.m.path, line, use.callee, snippet, label.cleared, label.field
                )
                self.hits.add((label.param, hit))
        real = [label for label in labels if label.param is None]
        if real:
            self.findings.append(sink_finding(self.m, use, real[0], where))

    def _apply(
        self,
        summary: Summary,
        name: str,
        taints: list[Taint],
        where: Node,
        fields: list[dict[str, Taint]],
    ) -> Taint:
        """A call to a project function: its sinks see the arguments (the field a sink reads,
        where the summary knows it), its result is theirs."""
        args = call_args(where)
        for index, taint in enumerate(taints):
            for hit in summary.hits(index) if taint else []:
                here = self.select(args[index], hit.field, taint, fields[index])
                labels = [x for x in dangerous(here, hit.kind) if hit.kind not in hit.cleared]
                for label in labels:
                    if label.param is not None:
                        moved = replace(hit, cleared=hit.cleared | label.cleared, field=label.field)
                        self.hits.add((label.param, moved))
                real = [label for label in labels if label.param is None]
                if real:
                    via = f"{name}() called at {self.m.path}:{_line(where)}"
                    self.findings.append(hit_finding(hit, real[0], via))
        result: set[Label] = set()
        seen: dict[tuple[str, frozenset[str]], Taint] = {}
        for label in summary.returns:
            i = label.param
            if i is None:
                result.add(label)
            elif i < len(taints) and (label.origin, label.cleared) not in seen:
                value = self.select(args[i], label.field, taints[i], fields[i])
                seen[(label.origin, label.cleared)] = value
                result.update(clear(value, label.cleared))
        return frozenset(result)


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _enclosing_class(m: JsModule, node: Node) -> str:
    current = node.parent
    while current is not None:
        if current.type in {"class_declaration", "class", "abstract_class_declaration"}:
            return m.text(current.child_by_field_name("name"))
        current = current.parent
    return ""
