"""A response typed as non-HTML after it is made: `r = make_response(body)` followed by
`r.headers["Content-Type"] = "application/json"` (or `r.mimetype = ...`) is not rendered as HTML.

Only statements that run for certain count: the following statements of the same block, up to
anything that returns, raises or rebinds the response. A type set inside an `if`, or to
`text/html`, does not count.
"""

from __future__ import annotations

from vallum.review.parse import Module, Node, string_value

NON_HTML = ("text/plain", "json", "octet-stream", "text/csv", "image/")
_STOP = frozenset({"return_statement", "raise_statement"})


def typed_non_html_after(m: Module, call: Node) -> bool:
    assign = call.parent
    if assign is None or assign.type != "assignment" or assign.child_by_field_name("right") != call:
        return False
    left = assign.child_by_field_name("left")
    stmt = assign.parent
    if left is None or left.type != "identifier" or stmt is None or stmt.parent is None:
        return False
    name = m.text(left)
    targets = {
        f"{name}.mimetype",
        f"{name}.content_type",
        f'{name}.headers["content-type"]',
        f"{name}.headers['content-type']",
    }
    after = False
    for sibling in stmt.parent.named_children:
        if sibling == stmt:
            after = True
            continue
        if not after:
            continue
        if sibling.type in _STOP:
            return False
        node = sibling.named_children[0] if sibling.named_children else None
        if sibling.type != "expression_statement" or node is None or node.type != "assignment":
            continue
        target = "".join(m.text(node.child_by_field_name("left")).split()).lower()
        if target == name.lower():
            return False  # rebound before it was typed
        if target in {t.lower() for t in targets}:
            value = (string_value(m, node.child_by_field_name("right")) or "").lower()
            return any(kind in value for kind in NON_HTML)
    return False
