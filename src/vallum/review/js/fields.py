"""Fields of objects in the JavaScript/TypeScript taint engine.

An object literal keeps each plain key's taint apart (`cache = { body: page, key: req.query.v }`
makes `cache.body` clean), nested literals too (`cache.headers.type`). A spread after a key may
replace it, so the key then also carries the spread. Inside a summary, reading a field of a
parameter names that field (`options.template.name` is `param:0.template.name`); a call then
gives the sink only that field of its argument (`send({ template: { name: "reset" }, data })`
reads the literal "reset", not `data`).
"""

from __future__ import annotations

from vallum.review.findings import Finding
from vallum.review.js.parse import JsModule, Node, dotted, string_value
from vallum.review.taint.labels import CLEAN, PARAM, Env, Label, SinkHit, Taint

DEPTH = 3
# `env[name + WRITTEN]`: what was written into fields of `name` after it was made; part of the
# object as a whole (`f(opts)`), not of its other fields (`opts.other`).
WRITTEN = ".*"


def into(taint: Taint, path: str) -> Taint:
    """The taint of `value.path`: a parameter's labels name the field read from it (at most
    `DEPTH` fields deep: a deeper read counts as its prefix, which holds all of it)."""
    if not path or not any(label.origin.startswith(PARAM) for label in taint):
        return taint
    out: set[Label] = set()
    for x in taint:
        if x.origin.startswith(PARAM):
            head, _, field = x.origin.partition(".")
            parts = [p for p in (field, path) if p]
            deeper = ".".join(".".join(parts).split(".")[:DEPTH])
            x = Label(f"{head}.{deeper}", x.line, x.cleared)
        out.add(x)
    return frozenset(out)


class JsFields:
    """Mixin: object literals field by field, and the field of an argument a callee reads."""

    m: JsModule
    env: Env
    findings: list[Finding]
    hits: set[tuple[int, SinkHit]]
    # name -> every env key below it (`a` -> `a.b`, `a.b.c`) ever set: a superset, so finding a
    # name's fields never scans the whole environment.
    subkeys: dict[str, set[str]]

    def put(self, key: str, taint: Taint) -> None:
        self.env[key] = taint
        head = key
        while "." in head:
            head = head.rpartition(".")[0]
            self.subkeys.setdefault(head, set()).add(key)

    def below(self, name: str) -> list[str]:
        """The keys below `name` in the environment now."""
        return [k for k in self.subkeys.get(name, ()) if k in self.env]

    def expr(self, node: Node | None) -> Taint:
        raise NotImplementedError

    def quiet(self, node: Node) -> Taint:
        """What `node` carries, evaluated again without reporting its sinks a second time."""
        findings, hits = len(self.findings), set(self.hits)
        taint = self.expr(node)
        del self.findings[findings:]
        self.hits = hits
        return taint

    def object_fields(self, node: Node) -> tuple[Taint, dict[str, Taint]]:
        """An object literal's taint, and each plain key's own (`a.b` for nested literals)."""
        whole: Taint = CLEAN
        fields: dict[str, Taint] = {}
        for child in node.named_children:
            value: Taint = CLEAN
            if child.type == "pair":
                key = child.child_by_field_name("key")
                inner = child.child_by_field_name("value")
                nested: dict[str, Taint] = {}
                if inner is not None and inner.type == "object":
                    value, nested = self.object_fields(inner)
                else:
                    value = self.expr(inner)
                if key is not None and key.type != "computed_property_name":
                    name = string_value(self.m, key) or self.m.text(key)
                    fields = {k: v for k, v in fields.items() if not k.startswith(name + ".")}
                    fields[name] = value
                    fields.update({f"{name}.{k}": v for k, v in nested.items()})
                else:
                    value = value | self.expr(key)
            elif child.type == "shorthand_property_identifier":
                value = self.env.get(self.m.text(child), CLEAN)
                fields[self.m.text(child)] = value
            elif child.type == "spread_element":
                value = self.expr(child)
                fields = {k: v | value for k, v in fields.items()}  # may be replaced by it
            else:
                self.expr(child)
            whole = whole | value
        return whole, fields

    def bind_fields(self, name: str, fields: dict[str, Taint]) -> None:
        """`name.key` holds what the object literal put under `key`; other keys the whole."""
        for key in self.below(name):
            del self.env[key]
        for key, value in fields.items():
            self.put(f"{name}.{key}", value)

    def select(self, arg: Node, path: str, whole: Taint, fields: dict[str, Taint]) -> Taint:
        """The taint of `arg.path` at a call: an object literal's own fields (`fields`, found
        when the argument was evaluated), or the fields a variable is known to hold."""
        if not path:
            return whole
        parts = path.split(".")
        name = dotted(self.m, arg)
        for end in range(len(parts), 0, -1):
            key = ".".join(parts[:end])
            if key in fields:
                return into(fields[key], ".".join(parts[end:]))
            if name and f"{name}.{key}" in self.env:
                return into(self.env[f"{name}.{key}"], ".".join(parts[end:]))
        return into(whole, path)
