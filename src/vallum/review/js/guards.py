"""What an `if` condition or a ternary proves about the names it mentions.

`ALLOWED.has(x)`, `x === "a"`, `/^\\w+$/.test(x)` validate `x` when true; `!` swaps, `&&` and
`||` combine. A prefix check (`p.startsWith(ROOT)`) proves nothing about a file path unless `p`
came from `path.resolve`/`path.normalize`/`realpath` (`ROOT/../../etc` starts with `ROOT`), and
nothing about a redirect target (`//evil.example` starts with `/`).
"""

from __future__ import annotations

from vallum.review.js import spec
from vallum.review.js.parse import JsModule, Node, call_args, dotted

Cleared = dict[str, frozenset[str]]
_EQUALITY = frozenset({"===", "=="})
_INEQUALITY = frozenset({"!==", "!="})
_URL_PARTS = frozenset({"hostname", "host", "origin"})
_LITERALS = frozenset({"string", "number", "true", "false", "template_string"})


def guards(m: JsModule, node: Node | None, normalised: set[str]) -> tuple[Cleared, Cleared]:
    """Names (with the sink kinds they are now safe for) when the condition is true / false."""
    if node is None:
        return {}, {}
    t = node.type
    if t == "parenthesized_expression" and node.named_children:
        return guards(m, node.named_children[-1], normalised)
    if t == "unary_expression" and m.text(node.child_by_field_name("operator")) == "!":
        when_true, when_false = guards(m, node.child_by_field_name("argument"), normalised)
        return when_false, when_true
    if t == "binary_expression":
        op = m.text(node.child_by_field_name("operator"))
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op in {"&&", "||"}:
            lt, lf = guards(m, left, normalised)
            rt, rf = guards(m, right, normalised)
            return (_union(lt, rt), {}) if op == "&&" else ({}, _union(lf, rf))
        if op in _EQUALITY | _INEQUALITY and _compares_literal(m, left, right):
            names = _names(m, left) | _names(m, right)
            cleared = {n: spec.ALL_KINDS for n in names}
            return (cleared, {}) if op in _EQUALITY else ({}, cleared)
        return {}, {}
    if t == "call_expression":
        return _call_guard(m, node, normalised), {}
    return {}, {}


def _call_guard(m: JsModule, node: Node, normalised: set[str]) -> Cleared:
    func = node.child_by_field_name("function")
    if func is None or func.type != "member_expression":
        return {}
    method = m.text(func.child_by_field_name("property"))
    if method not in spec.VALIDATOR_METHODS:
        return {}
    receiver = func.child_by_field_name("object")
    args = call_args(node)
    if method in {"startsWith", "match"}:
        checked = _names(m, receiver)
        kinds = spec.ALL_KINDS - {"redirect"}
        if not checked & normalised:
            kinds = kinds - {"path"}
        return {n: kinds for n in checked}
    names: set[str] = set()
    for arg in args:
        names |= _names(m, arg)
    return {n: spec.ALL_KINDS for n in names}


def _compares_literal(m: JsModule, left: Node | None, right: Node | None) -> bool:
    sides = [s for s in (left, right) if s is not None]
    if any(s.type == "unary_expression" and m.text(s).startswith("typeof") for s in sides):
        return False
    return any(s.type in _LITERALS for s in sides)


def _names(m: JsModule, node: Node | None) -> set[str]:
    """Identifiers and member chains mentioned; `u.hostname` also names `u` (a parsed URL)."""
    found: set[str] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            found.add(m.text(current))
            continue
        if current.type == "member_expression":
            name = dotted(m, current)
            if name:
                found.add(name)
                obj, _, prop = name.rpartition(".")
                if prop in _URL_PARTS:
                    found.add(obj)
                continue
        stack.extend(current.named_children)
    return found


def _union(a: Cleared, b: Cleared) -> Cleared:
    out = dict(a)
    for key, kinds in b.items():
        out[key] = out.get(key, frozenset()) | kinds
    return out
