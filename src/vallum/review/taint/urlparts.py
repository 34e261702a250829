"""Parts of a built string that come after its `?` or `#`: they cannot choose the page.

`"%s?%s" % (url, request.META["QUERY_STRING"])`, `url + "?" + qs` and `f"{url}#{frag}"` let
the later values choose parameters or a fragment of the page `url` names, not the page, so
they are made safe for redirects where the string is built, inside helpers too, not only when
the whole expression is the redirect's argument.
"""

from __future__ import annotations

import re

from vallum.review.parse import Module, Node

_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")


def string_parts(m: Module, node: Node) -> list[tuple[Node, bool]] | None:
    """(sub-expression, after `?`/`#`) for a string built by `+`, `%` or an f-string, else None."""
    if node.type == "string":
        return _fstring(m, node)
    if node.type != "binary_operator":
        return None
    op = m.text(node.child_by_field_name("operator"))
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return None
    if op == "%" and left.type == "string":
        return _percent(m, left, right)
    if op != "+":
        return None
    operands = plus_operands(m, node)
    if not any(o.type == "string" for o in operands):
        return None
    out: list[tuple[Node, bool]] = []
    late = False
    for operand in operands:
        if operand.type == "string":
            parts = _fstring(m, operand) or []
            out.extend((n, late or after) for n, after in parts)
            late = late or _has_mark(m, operand)
        else:
            out.append((operand, late))
    return out


def plus_operands(m: Module, node: Node) -> list[Node]:
    """The operands of `a + "?" + b` in source order (`node` alone when it is no `+`)."""
    operands: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if (
            current.type == "binary_operator"
            and m.text(current.child_by_field_name("operator")) == "+"
        ):
            stack.extend(reversed([c for c in current.named_children if c.type != "comment"]))
        else:
            operands.append(current)
    return operands


def _has_mark(m: Module, literal: Node) -> bool:
    return any(
        c.type == "string_content" and any(ch in m.text(c) for ch in "?#")
        for c in literal.named_children
    )


def _fstring(m: Module, literal: Node) -> list[tuple[Node, bool]] | None:
    out: list[tuple[Node, bool]] = []
    late = False
    for child in literal.named_children:
        if child.type == "string_content" and any(ch in m.text(child) for ch in "?#"):
            late = True
        elif child.type == "interpolation" and child.named_children:
            out.append((child.named_children[0], late))
    return out if out else None


def _percent(m: Module, fmt: Node, values: Node) -> list[tuple[Node, bool]] | None:
    text = "".join(m.text(c) for c in fmt.named_children if c.type == "string_content")
    if "%(" in text:
        return None  # named specifiers: not worth matching up
    cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=-1)
    if cut < 0:
        return None
    before = len(_SPEC.findall(text[:cut].replace("%%", "")))
    items = values.named_children if values.type == "tuple" else [values]
    return [(item, index >= before) for index, item in enumerate(items)]
