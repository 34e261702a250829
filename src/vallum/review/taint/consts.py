"""Constant values the engine can fold, so dead branches do not carry taint.

Generated code and test suites alike write `bar = param if 7 * 42 - 106 > 200 else "safe"` or
`guess = "ABC"; target = guess[1]; if target == "A": bar = param`. Folding integer arithmetic,
string indexing and comparisons over names bound to literals decides which branch runs.
Anything not foldable is `UNKNOWN`, and the engine then keeps both branches.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from vallum.review.parse import Module, Node

UNKNOWN = object()
Value = object
_ARITH: dict[str, Callable[[int, int], object]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def fold(m: Module, node: Node | None, consts: dict[str, object]) -> object:
    """The value of a constant expression, or UNKNOWN."""
    if node is None:
        return UNKNOWN
    t = node.type
    if t == "integer":
        try:
            return int(m.text(node).replace("_", ""), 0)
        except ValueError:
            return UNKNOWN
    if t in {"true", "false"}:
        return t == "true"
    if t == "string":
        if any(c.type == "interpolation" for c in node.named_children):
            return UNKNOWN
        return "".join(m.text(c) for c in node.named_children if c.type == "string_content")
    if t == "identifier":
        return consts.get(m.text(node), UNKNOWN)
    if t == "parenthesized_expression" and node.named_children:
        return fold(m, node.named_children[0], consts)
    if t == "not_operator":
        value = fold(m, node.child_by_field_name("argument"), consts)
        return UNKNOWN if value is UNKNOWN else not value
    if t == "subscript":
        return _index(m, node, consts)
    if t == "binary_operator":
        return _binary(m, node, consts)
    if t == "comparison_operator":
        return _compare(m, node, consts)
    if t == "boolean_operator":
        left = fold(m, node.child_by_field_name("left"), consts)
        right = fold(m, node.child_by_field_name("right"), consts)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        op = m.text(node.child_by_field_name("operator"))
        return (left and right) if op == "and" else (left or right)
    return UNKNOWN


def _index(m: Module, node: Node, consts: dict[str, object]) -> object:
    value = fold(m, node.child_by_field_name("value"), consts)
    index = fold(m, node.child_by_field_name("subscript"), consts)
    if isinstance(value, str) and isinstance(index, int) and -len(value) <= index < len(value):
        return value[index]
    return UNKNOWN


def _binary(m: Module, node: Node, consts: dict[str, object]) -> object:
    left = fold(m, node.child_by_field_name("left"), consts)
    right = fold(m, node.child_by_field_name("right"), consts)
    op = _ARITH.get(m.text(node.child_by_field_name("operator")))
    if op is None or not isinstance(left, int) or not isinstance(right, int):
        if op is operator.add and isinstance(left, str) and isinstance(right, str):
            return left + right
        return UNKNOWN
    try:
        return op(left, right)
    except ZeroDivisionError:
        return UNKNOWN


def _compare(m: Module, node: Node, consts: dict[str, object]) -> object:
    operands = node.named_children
    ops = [m.text(c) for c in node.children if not c.is_named]
    if len(operands) != 2 or len(ops) != 1 or ops[0] not in _COMPARE:
        return UNKNOWN
    left = fold(m, operands[0], consts)
    right = fold(m, operands[1], consts)
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    if ops[0] not in {"==", "!="} and type(left) is not type(right):
        return UNKNOWN
    try:
        return _COMPARE[ops[0]](left, right)
    except TypeError:
        return UNKNOWN
