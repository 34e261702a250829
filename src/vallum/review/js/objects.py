"""Which keys an options object certainly has, followed through the code that builds it.

`jwt.verify(token, key, options)` is safe when `options` sets `algorithms`, however it was put
together: an object literal, a spread of a module constant (`{ ...DEFAULTS, audience }`),
`Object.assign({}, DEFAULTS)`, lodash `omit` (which drops the keys it names), a ternary, or a
variable assigned on several branches (each assignment must set the key).
"""

from __future__ import annotations

from vallum.review.js.parse import JsModule, Node, call_args, call_name, string_value

_UNWRAP = frozenset(
    {"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression"}
)
_OMIT = frozenset({"lodash.omit", "lodash/omit", "underscore.omit", "lodash.default.omit"})
_DEPTH = 6


def has_key(m: JsModule, node: Node | None, key: str, depth: int = 0) -> bool:
    """Whether the object `node` evaluates to always has `key`."""
    if node is None or depth > _DEPTH:
        return False
    while node.type in _UNWRAP and node.named_children:
        node = node.named_children[0]
    t = node.type
    if t == "object":
        return any(_member_has(m, child, key, depth) for child in node.named_children)
    if t == "identifier":
        values = _definitions(m, m.text(node))
        return bool(values) and all(has_key(m, v, key, depth + 1) for v in values)
    if t == "ternary_expression":
        return all(
            has_key(m, node.child_by_field_name(f), key, depth + 1)
            for f in ("consequence", "alternative")
        )
    if t == "call_expression":
        name = call_name(m, node)
        args = call_args(node)
        if name == "Object.assign":
            return any(has_key(m, a, key, depth + 1) for a in args)
        if name in _OMIT and args:
            dropped = {string_value(m, a) for a in args[1:]}
            return key not in dropped and has_key(m, args[0], key, depth + 1)
    return False


def _member_has(m: JsModule, child: Node, key: str, depth: int) -> bool:
    if child.type == "pair":
        name = child.child_by_field_name("key")
        return name is not None and (string_value(m, name) or m.text(name)) == key
    if child.type == "shorthand_property_identifier":
        return m.text(child) == key
    if child.type == "spread_element" and child.named_children:
        return has_key(m, child.named_children[0], key, depth + 1)
    return False


def _definitions(m: JsModule, name: str) -> list[Node]:
    """Every value the file binds to `name` (declarations with a value, and assignments)."""
    out: list[Node] = []
    for node in m.nodes():
        if node.type == "variable_declarator" and m.text(node.child_by_field_name("name")) == name:
            value = node.child_by_field_name("value")
            if value is not None:
                out.append(value)
        elif node.type == "assignment_expression":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if left is not None and right is not None and m.text(left) == name:
                out.append(right)
    return out
