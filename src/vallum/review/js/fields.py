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


def into(taint: Taint, path: str) -> Taint:
    """The taint of `value.path`: a parameter's labels name the field read from it."""
    if not path or not any(label.origin.startswith(PARAM) for label in taint):
        return taint
    return frozenset(
        Label(f"{x.origin}.{path}", x.line, x.cleared) if x.origin.startswith(PARAM) else x
        for x in taint
    )


class JsFields:
    """Mixin: object literals field by field, and the field of an argument a callee reads."""

    m: JsModule
    env: Env
    findings: list[Finding]
    hits: set[tuple[int, SinkHit]]

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
        for key in [k for k in self.env if k.startswith(name + ".")]:
            del self.env[key]
        for key, value in fields.items():
            self.env[f"{name}.{key}"] = value

    def select(self, arg: Node, path: str, whole: Taint) -> Taint:
        """The taint of `arg.path` at a call: through object literals and known fields."""
        if not path:
            return whole
        parts = path.split(".")
        node = arg
        while node.type == "object" and parts:
            value = _key_value(self.m, node, parts[0])
            if value is None:
                break
            node, parts = value, parts[1:]
        if node is arg:
            taint = whole
        elif node.type == "shorthand_property_identifier":  # `{ name }`
            taint = self.env.get(self.m.text(node), CLEAN)
        else:
            taint = self.quiet(node)
        name = dotted(self.m, node)
        for end in range(len(parts), 0, -1) if name else []:
            key = f"{name}.{'.'.join(parts[:end])}"
            if key in self.env:
                taint, parts = self.env[key], parts[end:]
                break
        return into(taint, ".".join(parts))


def _key_value(m: JsModule, node: Node, key: str) -> Node | None:
    """The value an object literal gives `key`, if no spread after it may replace it."""
    found: Node | None = None
    for child in node.named_children:
        if child.type == "spread_element":
            found = None
        elif child.type == "pair":
            name = child.child_by_field_name("key")
            if name is not None and (string_value(m, name) or m.text(name)) == key:
                found = child.child_by_field_name("value")
        elif child.type == "shorthand_property_identifier" and m.text(child) == key:
            found = child
    return found
