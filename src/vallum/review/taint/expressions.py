"""Expression evaluation for the taint engine: what taint a value carries, and sink checks."""

from __future__ import annotations

from vallum.review.functions import Function
from vallum.review.parse import (
    Module,
    Node,
    arguments,
    call_name,
    dotted,
    literal,
    string_value,
)
from vallum.review.taint import sinks, slots, spec, valueflow
from vallum.review.taint.callees import Callee, Resolver
from vallum.review.taint.consts import UNKNOWN, fold
from vallum.review.taint.fields import Fields, arguments_by_index, nodes_of, owners_of, stored
from vallum.review.taint.flows import method_of, server_meta, stringish
from vallum.review.taint.guards import normalises
from vallum.review.taint.labels import CLEAN, Env, Label, Taint, clear, dangerous
from vallum.review.taint.lambdas import Lambdas
from vallum.review.taint.outputs import Outputs
from vallum.review.taint.responses import typed_non_html_after
from vallum.review.taint.sinks import WEAK_NAMES
from vallum.review.taint.urlparts import string_parts

_CLEAN_LEAVES = frozenset(
    {
        "integer",
        "float",
        "true",
        "false",
        "none",
        "comment",
        "ellipsis",
        "escape_sequence",
        "type",
    }
)
_NAMED = frozenset({"identifier", "attribute"})
_LITERALS = frozenset({"list", "dictionary"})
_COMPREHENSIONS = frozenset(
    {"list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"}
)


class Expressions(Outputs, Lambdas, Fields):
    """Mixin holding expression evaluation; `Analyzer` adds statements."""

    func: Function
    m: Module
    resolve: Resolver
    env: Env
    types: dict[str, str]
    normalised: set[str]
    strings: set[str]
    consts: dict[str, object]
    callees: set[str]

    def expr(self, node: Node | None) -> Taint:
        if node is None:
            return CLEAN
        t = node.type
        if t == "identifier":
            name = self.m.text(node)
            return self.env.get(name, CLEAN) | self.env.get(stored(name), CLEAN)
        if t == "attribute":
            key = self.m.text(node)
            if key in self.env:
                return self.env[key]
            source = self._attr_source(node)
            return source or self._field_read(node, self.expr(node.child_by_field_name("object")))
        if t == "call":
            return self._call(node)
        if t == "subscript":
            slot = self._slot(node)
            if slot in self.env:
                return self.env[slot]
            self.expr(node.child_by_field_name("subscript"))
            if server_meta(
                self.m, node.child_by_field_name("value"), node.child_by_field_name("subscript")
            ):
                return CLEAN
            return self.expr(node.child_by_field_name("value"))
        if t in _CLEAN_LEAVES:
            return CLEAN
        if t in {"comparison_operator", "not_operator"}:
            for child in node.named_children:
                self.expr(child)
            return CLEAN
        if t in {"assignment", "augmented_assignment"}:
            return self._assign(node)
        if t == "named_expression":
            value = self.expr(node.child_by_field_name("value"))
            self._bind(node.child_by_field_name("name"), value)
            return value
        if t == "conditional_expression":
            parts = node.named_children
            self.expr(parts[1] if len(parts) > 1 else None)
            decided = fold(self.m, parts[1] if len(parts) > 1 else None, self.consts)
            if decided is not UNKNOWN:  # `param if 7 * 42 - 106 > 200 else "safe"`
                return self.expr(parts[0] if decided else (parts[2] if len(parts) > 2 else None))
            return self.expr(parts[0]) | (self.expr(parts[2]) if len(parts) > 2 else CLEAN)
        if t in _COMPREHENSIONS:
            return self._comprehension(node)
        if t == "lambda":
            self._lambda(node, [], {})  # its body's sinks, from the names it closes over
            return CLEAN
        built_from = string_parts(self.m, node) if t in {"string", "binary_operator"} else None
        if built_from is not None:  # after `?` or `#`: a parameter or fragment, never the page
            built: Taint = CLEAN
            for part, after in built_from:
                value = self.expr(part)
                built = built | (clear(value, frozenset({"redirect"})) if after else value)
            return built
        result: Taint = CLEAN
        for child in node.named_children:
            result = result | self.expr(child)
        return result

    def _comprehension(self, node: Node) -> Taint:
        body = node.named_children[0] if node.named_children else None
        for clause in node.named_children[1:]:
            if clause.type == "for_in_clause":
                self._bind(
                    clause.child_by_field_name("left"),
                    self.expr(clause.child_by_field_name("right")),
                )
            else:
                self.expr(clause)
        return self.expr(body)

    def _attr_source(self, node: Node) -> Taint:
        name = dotted(self.m, node)
        if not name:
            return CLEAN
        line = node.start_point[0] + 1
        qualified = self.m.qualify(name)
        for key, (what, cleared) in spec.SOURCE_ATTRS.items():
            if qualified == key:
                return frozenset({Label(what, line, cleared)})
        obj, _, attr = name.rpartition(".")
        if attr in spec.REQUEST_ATTRS and (
            obj in spec.REQUEST_NAMES
            or obj.endswith(".request")
            or self.m.qualify(obj) in {"flask.request", "bottle.request"}
        ):
            return frozenset({Label(f"request.{attr}", line)})
        return CLEAN

    def _call(self, node: Node) -> Taint:
        name = call_name(self.m, node)
        func = node.child_by_field_name("function")
        pos, kw = arguments(node)
        taints: dict[int, Taint] = {n.id: self.expr(n) for n in pos}
        taints.update({n.id: self.expr(n) for n in kw.values()})
        target = func.child_by_field_name("object") if func is not None else None
        recv = self._receiver(func, target)
        line = node.start_point[0] + 1
        if method_of(name) == "get" and pos and server_meta(self.m, func, pos[0], getter=True):
            return CLEAN
        if name in spec.SOURCE_CALLS:
            what, cleared = spec.SOURCE_CALLS[name]
            return frozenset({Label(what, line, cleared)})
        if func is not None and func.type == "identifier" and name in self.lambdas:
            # `by(request.args["sort"])` where `by = lambda col: ...`
            named = {k: taints[v.id] for k, v in kw.items()}
            return self._lambda(self.lambdas[name], [taints[p.id] for p in pos], named)
        if name in {"map", "filter"} and len(pos) == 2 and pos[0].type == "lambda":
            # `map(lambda n: join(BASE, n), names)`: the body applied to each element
            mapped = self._lambda(pos[0], [taints[pos[1].id]], {})
            return mapped if name == "map" else taints[pos[1].id]
        if name.endswith(spec.LLM_CALL_SUFFIXES):
            return frozenset({Label("LLM output", line)})
        method = name.rpartition(".")[2]
        if name in valueflow.WEAK_RANDOM_CALLS:
            cleared = spec.ALL_KINDS - {"weakrand"}
            return frozenset({Label(f"weak random {name}()", line, cleared)})
        if method in valueflow.STORED_READS and func is not None and func.type == "attribute":
            return frozenset({Label("stored data", line, spec.ALL_KINDS - {"xss"})})
        used: set[str] = set()
        uses = sinks.match(self.m, name, pos, kw, self.types)
        if _unmarked(self.m, node) or typed_non_html_after(self.m, node):
            # `Markup(x).unescape()` is plain text; `r.mimetype = "application/json"` next
            uses = [u for u in uses if u.kind != "xss"]
        for use in uses:
            if use.receiver:
                taint = recv
            else:
                taint = CLEAN
                for n in use.nodes:
                    taint = taint | (taints[n.id] if n.id in taints else self.expr(n))
            labels = dangerous(taint, use.kind)
            if labels:
                self.report(use.kind, labels, node, use.callee)
            used.add(use.kind)
        everything = recv
        for value in taints.values():
            everything = everything | value
        if method in slots.MOVES and target is not None and target.type in _NAMED:
            values = [fold(self.m, p, self.consts) for p in pos]
            given = [taints[p.id] for p in pos]
            moved = slots.move(self.env, self.m.text(target), method, values, given)
            if moved is not None and not kw:  # `lst.pop(0)`, `conf.get("s", "keyA")`
                return moved
        if method in valueflow.MUTATORS and func is not None and func.type == "attribute":
            target = func.child_by_field_name("object")
            if target is not None and target.type in {"identifier", "attribute"} and everything:
                key = self.m.text(target)  # `lst.append(param)`, `conf.set("s", "k", param)`
                self.env[key] = self.env.get(key, CLEAN) | (everything - recv)
        if method in {"update", "setdefault"} and func is not None and func.type == "attribute":
            # `session.update({"role": role})`
            self._session_write(func.child_by_field_name("object"), everything - recv, func)
        if name in valueflow.TEMPLATE_RENDERERS:
            self._unescaped(node, pos, kw, taints)
        sanitized = spec.SANITIZERS.get(name)
        if sanitized is not None and name in valueflow.CASTS:
            # `int(request.form["id"])` is a number, still the client's: not a trusted session id
            return clear(everything, sanitized - {"session"})
        if sanitized is not None:
            return CLEAN if sanitized == spec.ALL_KINDS else clear(everything, sanitized)
        receiver_type = self.types.get(name.rpartition(".")[0], "")
        if method == "render" and receiver_type.endswith(valueflow.ESCAPING_TEMPLATES):
            return clear(everything, frozenset({"xss"}))
        if func is not None and func.type == "attribute" and method in spec.CLEAN_METHODS:
            return CLEAN
        callee = self.resolve(self.m, name, self.func)
        if callee is None and receiver_type and func is not None and func.type == "attribute":
            # `f = Filters(args); f.build(t)`: the class's own method, the instance as `self`
            callee = self.resolve(self.m, f"{receiver_type}.{method}", self.func)
        if (
            callee is not None
            and callee.offset == 1
            and func is not None
            and func.type == "attribute"
        ):
            taints[-1] = recv  # no node has id -1: the receiver, bound to `self`
        if callee is None and func is not None and func.type in _NAMED:
            self._construct(name, node, pos, kw, taints)
        if callee is not None:
            return self._apply(callee, pos, kw, taints, node)
        if method in {"get", "pop"} and func is not None and func.type == "attribute" and not used:
            # `TABLE.get(key, "/")` is one of the table's values (or the default), not the key
            return recv | (taints[pos[1].id] if len(pos) > 1 else CLEAN)
        passes = {u.kind for u in uses if u.kind in valueflow.PASSTHROUGH_SINKS} - {
            u.kind for u in uses if method_of(u.callee) in valueflow.SQL_RUNS
        }
        if used and not passes:
            return CLEAN  # a query's rows, a command's output: new data, not the input
        if valueflow.LOOKUP.match(method) and func is not None and func.type == "attribute":
            # `db.get_book(book_id)`: a record the key names is the server's stored data,
            # dangerous only as HTML (stored XSS); the receiver's own taint stays
            return recv | clear(everything - recv, spec.ALL_KINDS - {"xss"})
        if method not in valueflow.VALUE_PRESERVING:
            used.add("session")  # a lookup's result (`User.authenticate(...)`) is not raw input
        return clear(everything, frozenset(used))

    def _apply(
        self,
        callee: Callee,
        pos: list[Node],
        kw: dict[str, Node],
        taints: dict[int, Taint],
        node: Node,
    ) -> Taint:
        self.callees.add(callee.qualname)
        by_index = arguments_by_index(callee, pos, kw, taints)
        nodes = nodes_of(callee, pos, kw, node if -1 in taints else None)
        for index, taint in by_index.items():
            if taint:
                for hit in callee.summary.hits(index):
                    given = (
                        self._field_of(nodes.get(index), taint, hit.field) if hit.field else taint
                    )
                    self.report_hit(hit, given, callee.qualname, node)
        receiver = nodes.get(0) if -1 in taints else None
        self._store_fields(receiver, callee.summary.fields, by_index, nodes)
        return self._map_summary(callee.summary.returns, by_index, nodes)

    def _remember_proof(self, left: Node, right: Node) -> None:
        """`ok = check(x)`: what `if ok:` will prove (kept by `Analyzer`)."""

    def _assign(self, node: Node) -> Taint:
        right = node.child_by_field_name("right")
        left = node.child_by_field_name("left")
        if right is None:
            return CLEAN
        taint = self._assign(right) if right.type == "assignment" else self.expr(right)
        if node.type == "augmented_assignment":
            taint = taint | self.expr(left)
        self._bind(left, taint)
        if left is not None and left.type in _NAMED and right.id in self.constructed:
            self.owners |= owners_of(f"{self.m.text(left)}.")
            for attr, field_taint in self.constructed[right.id]:
                self.env[f"{self.m.text(left)}.{attr}"] = field_taint
        if left is not None and left.type == "identifier" and right.type in _LITERALS:
            self._fill(self.m.text(left), right)
        if left is not None:
            self._remember_type(left, right)
            self._remember_proof(left, right)
            if left.type == "subscript":
                self._session_write(left.child_by_field_name("value"), taint, left)
            if left.type == "identifier":
                name = self.m.text(left)
                keep = node.type == "augmented_assignment" and name in self.strings
                if keep or stringish(self.m, right):
                    self.strings.add(name)
                else:
                    self.strings.discard(name)
                value = fold(self.m, right, self.consts) if node.type == "assignment" else UNKNOWN
                if value is UNKNOWN:
                    self.consts.pop(self.m.text(left), None)
                else:
                    self.consts[self.m.text(left)] = value
                if normalises(self.m, right):
                    self.normalised.add(self.m.text(left))
                else:
                    self.normalised.discard(self.m.text(left))
        return taint

    def _fill(self, name: str, literal: Node) -> None:
        """`lst = ["safe", param]`, `m = {"a": "x", "b": param}`: taint per position or key."""
        elements: list[tuple[object, Taint]] = []
        for index, element in enumerate(literal.named_children):
            if element.type == "pair":
                where: object = fold(self.m, element.child_by_field_name("key"), self.consts)
                element = element.child_by_field_name("value") or element
            else:
                where = index if literal.type == "list" else UNKNOWN
            if where is UNKNOWN or element.type in {"list_splat", "dictionary_splat"}:
                return  # a computed key or a splat: positions are not known
            elements.append((where, self.expr(element)))
        slots.fill(self.env, name, elements)

    def _slot(self, node: Node) -> str:
        """`name[<literal>]` as an environment key when the container holds only literal keys."""
        container = node.child_by_field_name("value")
        value = fold(self.m, node.child_by_field_name("subscript"), {})
        if container is None or container.type not in {"identifier", "attribute"}:
            return ""
        if value is UNKNOWN:
            return ""
        return f"{self.m.text(container)}[{value!r}]"

    def _remember_type(self, target: Node, value: Node) -> None:
        if target.type == "identifier" and value.type == "call":
            name = call_name(self.m, value)
            pos, kw = arguments(value)
            if (
                name == "hashlib.new"
                and string_value(self.m, pos[0] if pos else None) in WEAK_NAMES
            ):
                name = "hashlib.new:weak"  # `hashlib.new("md5")`: its `update` is a weak hash
            if literal(self.m, kw.get("usedforsecurity")) == "False":
                name += ":not-for-security"
            if name:
                self.types[self.m.text(target)] = name

    def _bind(self, target: Node | None, taint: Taint) -> None:
        if target is None:
            return
        if target.type in {"identifier", "attribute"}:
            name = self.m.text(target)
            slots.forget(self.env, name)
            if name in self.owners:  # a new object: the old one's fields are gone
                for key in [k for k in self.env if k.startswith(f"{name}.")]:
                    del self.env[key]
            if target.type == "attribute":
                self.owners |= owners_of(name)
            self.env[name] = taint
            self._into_whole(target, taint)
        elif target.type in {
            "pattern_list",
            "tuple_pattern",
            "list_pattern",
            "tuple",
            "list",
            "list_splat_pattern",
            "parenthesized_expression",
        }:
            for child in target.named_children:
                self._bind(child, taint)
        elif target.type == "subscript":
            container = target.child_by_field_name("value")
            if container is not None and container.type in {"identifier", "attribute"}:
                key = self.m.text(container)
                self.env[key] = self.env.get(key, CLEAN) | taint
                slot = self._slot(target)
                if slot:  # `map["keyB"] = param`: remembered per literal key as well
                    self.env[slot] = taint


def _unmarked(m: Module, call: Node) -> bool:
    parent = call.parent
    return (
        parent is not None
        and parent.type == "attribute"
        and m.text(parent.child_by_field_name("attribute")) in {"unescape", "striptags"}
    )
