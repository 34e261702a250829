"""Field-sensitive objects: each attribute of an object keeps its own taint.

`q = Search("users", request.args["q"])` stores the table and the term in two fields; before,
the object carried the union of its arguments and `q.sql()` (which reads only `self.table`)
looked tainted by the term. Now a method's reads of `self.attr` are labels of that field
(`param:0.attr`), what a method leaves in `self.attr` is part of its summary (`fields`), and a
caller maps both onto the receiver's own fields (`q.table`, `q.term` in its environment). When
the caller knows nothing of a field it falls back to the whole object, as before.
"""

from __future__ import annotations

from vallum.review.functions import Function
from vallum.review.parse import Module, Node
from vallum.review.taint.callees import Callee, Resolver
from vallum.review.taint.labels import CLEAN, PARAM, Env, Label, Taint, clear

_NAMED = frozenset({"identifier", "attribute"})


class Fields:
    """Mixin for `Expressions`: field reads, and summaries mapped onto a caller's objects."""

    m: Module
    env: Env
    func: Function
    resolve: Resolver
    callees: set[str]
    constructed: dict[int, tuple[tuple[str, Taint], ...]]  # call node id -> the new object's fields
    owners: set[str]  # names with fields in the environment (`q` of `q.table`)

    def expr(self, node: Node | None) -> Taint:
        raise NotImplementedError

    def _attr_source(self, node: Node) -> Taint:
        raise NotImplementedError

    def _construct(
        self, name: str, node: Node, pos: list[Node], kw: dict[str, Node], taints: dict[int, Taint]
    ) -> None:
        """`q = Search("users", term)`: what the class's `__init__` leaves in each field of `q`."""
        parent = node.parent
        if (
            parent is None
            or parent.type != "assignment"
            or parent.child_by_field_name("right") != node
        ):
            return  # the new object is not kept in a name: its fields are never read apart
        ctor = self.resolve(self.m, f"{name}.__init__", self.func)
        if ctor is None or ctor.offset != 1:
            return
        self.callees.add(ctor.qualname)
        if ctor.summary.fields:
            by_index = arguments_by_index(ctor, pos, kw, taints)
            nodes = nodes_of(ctor, pos, kw, None)
            memo: dict[tuple[int, str, frozenset[str]], Taint] = {}
            self.constructed[node.id] = tuple(
                (attr, self._map_summary(t, by_index, nodes, memo))
                for attr, t in ctor.summary.fields
            )

    def _receiver(self, func: Node | None, target: Node | None) -> Taint:
        """`obj.method(...)`: what `obj` carries (the method name is not one of its fields)."""
        if func is None or func.type != "attribute":
            return CLEAN
        key = self.m.text(func)
        if key in self.env:
            return self.env[key]
        return self._attr_source(func) or self.expr(target)

    def _field_read(self, node: Node, whole: Taint) -> Taint:
        """`obj.attr` where nothing is known of the field: the field of a parameter, or `obj`."""
        attr = node.child_by_field_name("attribute")
        obj = node.child_by_field_name("object")
        base = whole
        if obj is not None and obj.type == "identifier":
            base = self.env.get(self.m.text(obj), CLEAN)  # not what its other fields hold
        if attr is None:
            return base
        if not any(label.origin.startswith(PARAM) for label in base):
            return base
        name = self.m.text(attr)
        return frozenset(label.of_field(name) for label in base)

    def _field_of(self, node: Node | None, taint: Taint, attr: str) -> Taint:
        """What field `attr` of the argument `node` (carrying `taint`) holds here."""
        if node is not None and node.type in _NAMED:
            known = self.env.get(f"{self.m.text(node)}.{attr}")
            if known is not None:
                return known
        if not any(label.origin.startswith(PARAM) for label in taint):
            return taint  # real sources only: the whole object, as before
        return frozenset(label.of_field(attr) for label in taint)

    def _map_summary(
        self,
        taint: Taint,
        by_index: dict[int, Taint],
        nodes: dict[int, Node],
        memo: dict[tuple[int, str, frozenset[str]], Taint] | None = None,
    ) -> Taint:
        """A callee's labels in the caller's terms: its parameters (and their fields) replaced.

        A parameter's labels differ by line only, so each (parameter, field, cleared) is mapped
        once; `memo` shares that across the taints of one call (its fields and its result)."""
        result: set[Label] = set()
        done = {} if memo is None else memo
        for label in taint:
            param = label.param
            if param is None:
                result.add(label)
                continue
            key = (param, label.field, label.cleared)
            mapped = done.get(key)
            if mapped is None:
                given = by_index.get(param, CLEAN)
                if key[1]:
                    given = self._field_of(nodes.get(param), given, key[1])
                mapped = done[key] = clear(given, label.cleared)
            result.update(mapped)
        return frozenset(result)

    def _store_fields(
        self,
        target: Node | None,
        fields: tuple[tuple[str, Taint], ...],
        by_index: dict[int, Taint],
        nodes: dict[int, Node],
    ) -> None:
        """What a method left in `self.attr`, now in `target.attr` (added to what was there)."""
        if target is None or target.type not in _NAMED or not fields:
            return
        owner = self.m.text(target)
        self.owners |= owners_of(f"{owner}.")
        memo: dict[tuple[int, str, frozenset[str]], Taint] = {}
        for attr, taint in fields:
            mapped = self._map_summary(taint, by_index, nodes, memo)
            key = f"{owner}.{attr}"
            self.env[key] = self.env.get(key, CLEAN) | mapped
            if mapped:  # the object handed on whole carries what the method stored
                self.env[stored(owner)] = self.env.get(stored(owner), CLEAN) | mapped
            for done in [k for k in memo if k[1] in {attr, "*"}]:
                del memo[done]  # `owner.attr` changed: a field read through it maps anew

    def _into_whole(self, target: Node, taint: Taint) -> None:
        """`q.order = x` (or a setter): `q` handed on whole now carries `x` as well."""
        if target.type != "attribute" or not taint:
            return
        owner = target.child_by_field_name("object")
        if owner is not None and owner.type in _NAMED:
            key = stored(self.m.text(owner))
            self.env[key] = self.env.get(key, CLEAN) | taint


def arguments_by_index(
    callee: Callee, pos: list[Node], kw: dict[str, Node], taints: dict[int, Taint]
) -> dict[int, Taint]:
    """The taint each parameter of `callee` receives (index 0 is `self` when bound)."""
    by_index: dict[int, Taint] = {0: taints[-1]} if -1 in taints else {}
    for i, arg in enumerate(pos):
        if arg.type not in {"list_splat", "dictionary_splat"}:
            by_index[i + callee.offset] = taints.get(arg.id, CLEAN)
    for key, value in kw.items():
        if key in callee.params:
            by_index[callee.params.index(key)] = taints.get(value.id, CLEAN)
    return by_index


def nodes_of(
    callee: Callee, pos: list[Node], kw: dict[str, Node], call: Node | None
) -> dict[int, Node]:
    """The argument node each parameter receives; `call` given: its receiver is `self`."""
    nodes: dict[int, Node] = {}
    func = call.child_by_field_name("function") if call is not None else None
    receiver = func.child_by_field_name("object") if func is not None else None
    if receiver is not None:
        nodes[0] = receiver
    for i, arg in enumerate(pos):
        nodes[i + callee.offset] = arg
    for key, value in kw.items():
        if key in callee.params:
            nodes[callee.params.index(key)] = value
    return nodes


def owners_of(key: str) -> set[str]:
    """`a.b.c` -> {"a", "a.b"}: the names whose fields include `key`."""
    parts = key.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def stored(owner: str) -> str:
    """The key of what was stored in any field of `owner`: seen when it is handed on whole,
    never when one of its other fields is read."""
    return f"{owner}.*"


def method_fields(env: Env) -> tuple[tuple[str, Taint], ...]:
    """`self.attr` values a method leaves behind (one level, not elements)."""
    return tuple(
        sorted(
            (key[5:], taint)
            for key, taint in env.items()
            if key.startswith("self.") and key[5:].isidentifier()
        )
    )
