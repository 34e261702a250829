"""Taint tracking over one JavaScript/TypeScript file: request data to dangerous calls.

The same shape as the Python engine: flow-sensitive along straight-line code, branch states
merged, branches that leave dropped, validators in `if` conditions and ternaries clearing the
names they check. Closures (route handlers, callbacks) are analysed where they are written,
with the enclosing state, so `app.get(path, (req, res) => ...)` sees module constants.
"""

from __future__ import annotations

from vallum.review.findings import Finding
from vallum.review.js import spec
from vallum.review.js.expressions import FUNCTIONS, JsExpressions, Summaries, Validators
from vallum.review.js.fields import WRITTEN, into
from vallum.review.js.guards import SAME_SITE_KINDS, Cleared
from vallum.review.js.params import param_nodes, param_taints
from vallum.review.js.parse import JsModule, Node, call_args, call_name, dotted
from vallum.review.js.sources import call_name_of, member_source_named
from vallum.review.taint.labels import (
    CLEAN,
    PARAM,
    Env,
    Label,
    SinkHit,
    Summary,
    Taint,
    clear,
    join,
)


class JsTaint(JsExpressions):
    """Analyse one module; `findings` holds every source-to-sink flow found.

    With `summaries`, calls to project functions (in this file or imported from another) are
    followed through their summaries; `summarise` builds one for a function.
    """

    def __init__(
        self,
        m: JsModule,
        summaries: Summaries | None = None,
        nosql: bool = True,
        validators: Validators | None = None,
    ) -> None:
        self.m = m
        self.validators = validators
        self.host_checked: set[str] = set()
        self.parsed: dict[str, str] = {}  # `const u = new URL(x, base)`: u -> x
        self.env: Env = {}
        self.subkeys: dict[str, set[str]] = {}
        self.normalised: set[str] = set()
        self.schemas: dict[str, str] = {}
        self.templates: set[str] = set()
        self.aliases: dict[str, str] = {}
        self.constructed: dict[str, str] = {}
        self.nosql = nosql
        self.findings: list[Finding] = []
        self.hits: set[tuple[int, SinkHit]] = set()
        self.summaries = summaries
        self.returns: Taint = CLEAN
        self.depth = 0

    def run(self) -> list[Finding]:
        self.block(self.m.root)
        return self.findings

    def summarise(self, node: Node) -> Summary:
        """What one function does with its parameters: which reach a sink, which its result."""
        for index, param in enumerate(param_nodes(node)):
            label = Label(f"{PARAM}{index}", param.start_point[0] + 1)
            self.bind(param.child_by_field_name("pattern") or param, frozenset({label}))
        body = node.child_by_field_name("body")
        if body is not None and body.type == "statement_block":
            self.block(body)
        elif body is not None:
            self.returns = self.returns | self.expr(body)
        return Summary(self.returns, tuple(sorted(self.hits, key=lambda h: (h[0], h[1].line))))

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
                value = self.expr(child)
                if t == "return_statement" and self.depth == 0:
                    self.returns = self.returns | value
            return True
        if t == "if_statement":
            return self._if(node)
        if t == "statement_block":
            return self.block(node)
        if t in FUNCTIONS:
            self.function(node)
            return False
        if t == "class_declaration" or t == "abstract_class_declaration":
            body = node.child_by_field_name("body")
            for member in body.named_children if body is not None else []:
                if member.type == "method_definition":
                    self.function(member)
            return False
        if t == "expression_statement" and node.named_children:
            self.expr(node.named_children[0])
            call = node.named_children[0]
            if call.type == "await_expression" and call.named_children:
                call = call.named_children[0]
            proved = self._proved(call, 1)  # `assertSafe(x);` returned: its checks hold
            if proved:
                self._clear(proved, call)
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
        if value is not None and value.type == "object":
            taint, fields = self.object_fields(value)
            self.bind(target, taint)
            if target is not None and target.type == "identifier":
                self.bind_fields(self.m.text(target), fields)
        else:
            self.bind(target, self.expr(value))
        if target is None or value is None or target.type != "identifier":
            return
        name = self.m.text(target)
        text = self.m.text(value)
        made = value.type == "new_expression" and call_name(self.m, value) == "URL"
        parsed = call_args(value)[:1] if made else []
        source = dotted(self.m, parsed[0]) if parsed else ""
        if source:
            self.parsed[name] = source
        else:
            self.parsed.pop(name, None)
        if value.type == "new_expression":  # `const service = new ItemsService(...)`
            self.constructed[name] = call_name(self.m, value)
        else:
            self.constructed.pop(name, None)
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
        when_true, when_false = self._guards(condition)
        self._read_sources([*when_true, *when_false], condition)
        alternative = node.child_by_field_name("alternative")
        consequence = node.child_by_field_name("consequence")
        before = dict(self.env)
        states: list[Env] = []
        for body, cleared in ((consequence, when_true), (alternative, when_false)):
            self.env = dict(before)
            self._clear(cleared, condition)
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
        self.env = join(states)
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
        self._branch([body, None])  # a second run of the body from the same state adds nothing
        return False

    def _read_sources(self, names: list[str], where: Node | None) -> None:
        """Request fields a condition checks, held by name before its branches part: the branch
        that does not clear them must still see them (`if (ok(req.query.n)) log(); use(...)`)."""
        line = where.start_point[0] + 1 if where is not None else 0
        for name in [*names, *(self.parsed[n] for n in names if n in self.parsed)]:
            if name not in self.env:
                found = member_source_named(name, line)
                if found:
                    self.put(name, found)

    def _clear(self, cleared: Cleared, where: Node | None = None) -> None:
        line = where.start_point[0] + 1 if where is not None else 0
        for name, kinds in list(cleared.items()):
            source = self.parsed.get(name)
            if source and kinds & SAME_SITE_KINDS:  # checked `new URL(x, base)`: x resolves there
                cleared[source] = cleared.get(source, frozenset()) | (kinds & SAME_SITE_KINDS)
            if kinds == SAME_SITE_KINDS:
                self.host_checked.add(name)
        for name, kinds in cleared.items():
            keys = ([name] if name in self.env else []) + self.below(name)
            for key in keys:
                self.env[key] = clear(self.env[key], kinds)
            if name not in self.env:  # `if (!ALLOWED.has(req.query.next))`: the request field
                found = member_source_named(name, line)
                if found:
                    self.put(name, clear(found, kinds))

    # --- functions ---------------------------------------------------------------------

    def function(self, node: Node) -> None:
        """Analyse a function where it is defined, its parameters shadowing outer names."""
        saved = self.env
        self.env = dict(saved)
        self.depth += 1
        for target, taint in param_taints(self.m, node):
            self.bind(target, taint)
        body = node.child_by_field_name("body")
        if body is not None:
            if body.type == "statement_block":
                self.block(body)
            else:
                self.expr(body)
        self.depth -= 1
        self.env = saved

    # --- binding -----------------------------------------------------------------------

    def bind(self, target: Node | None, taint: Taint) -> None:
        if target is None:
            return
        t = target.type
        if t in {"identifier", "member_expression", "shorthand_property_identifier_pattern"}:
            name = self.m.text(target)
            for key in self.below(name):
                del self.env[key]  # `opts.page = req.query`: what `opts.page.name` held is gone
            self.put(name, taint)
            root = name.partition(".")[0]
            if t == "member_expression" and root in self.env:  # `opts` whole holds it too
                self.put(root + WRITTEN, self.env.get(root + WRITTEN, CLEAN) | taint)
        elif t == "object_pattern":  # `{ template, ...rest } = options`: each its own field
            for child in target.named_children:
                part = child.child_by_field_name("key") if child.type == "pair_pattern" else child
                if child.type == "object_assignment_pattern":
                    part = child.child_by_field_name("left")
                field = self.m.text(part) if child.type != "rest_pattern" else ""
                self.bind(child, into(taint, field))
        elif t == "array_pattern":
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
                self.put(container, self.env.get(container, CLEAN) | taint)


def analyse(m: JsModule) -> list[Finding]:
    """Every source-to-sink flow in one JavaScript/TypeScript module."""
    return JsTaint(m).run()
