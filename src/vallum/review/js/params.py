"""What a function's parameters carry: NestJS-decorated values, Next.js route parameters, and a
request taken apart in a handler's signature (`({ query, body }, res) => ...`)."""

from __future__ import annotations

from vallum.review.js import spec
from vallum.review.js.parse import JsModule, Node
from vallum.review.js.sources import STR_SAFE, STRING_FIELDS
from vallum.review.taint.labels import CLEAN, Label, Taint


def param_taints(m: JsModule, node: Node) -> list[tuple[Node, Taint]]:
    """(binding target, taint) for every parameter of a function node."""
    name = m.text(node.child_by_field_name("name"))
    listed = param_nodes(node)
    next_handler = (
        name in spec.NEXT_HANDLERS
        and node.parent is not None
        and node.parent.type == "export_statement"
    )
    out: list[tuple[Node, Taint]] = []
    for index, param in enumerate(listed):
        label: Taint = CLEAN
        decorators = [m.text(d).lstrip("@").split("(")[0] for d in _decorators(param)]
        line = param.start_point[0] + 1
        if any(d in spec.NEST_DECORATORS for d in decorators):
            label = frozenset({Label(f"@{decorators[0]}() parameter", line)})
        elif next_handler and index == 1:
            label = frozenset({Label("route parameters", line, STR_SAFE)})
        pattern = param.child_by_field_name("pattern") or param
        callback = node.parent is not None and node.parent.type == "arguments"
        handler = callback and index == 0 and len(listed) >= 2
        fields = _request_fields(m, pattern) if handler else None
        if fields is not None:
            out.extend(fields)
        else:
            out.append((pattern, label))
    return out


def _request_fields(m: JsModule, pattern: Node) -> list[tuple[Node, Taint]] | None:
    """`({ query, body }, res)`: each request field destructured in the signature, or None."""
    if pattern.type != "object_pattern":
        return None
    parts = [
        p
        for p in pattern.named_children
        if p.type in {"shorthand_property_identifier_pattern", "pair_pattern"}
    ]
    keys = {m.text(p.child_by_field_name("key") or p): p for p in parts}
    if not set(keys) & {"query", "body", "params", "cookies", "headers"}:
        return None
    out: list[tuple[Node, Taint]] = []
    for field, part in keys.items():
        taint: Taint = CLEAN
        if field in spec.REQUEST_FIELDS:
            cleared = STR_SAFE if field in STRING_FIELDS else frozenset()
            taint = frozenset({Label(f"req.{field}", part.start_point[0] + 1, cleared)})
        target = part.child_by_field_name("value") if part.type == "pair_pattern" else part
        if target is not None:
            out.append((target, taint))
    return out


def param_nodes(node: Node) -> list[Node]:
    """The parameter nodes of a function node, in order."""
    params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
    if params is None:
        return []
    if params.type == "identifier":
        return [params]
    return [p for p in params.named_children if p.type not in {"comment", "decorator"}]


def _decorators(param: Node) -> list[Node]:
    return [c for c in param.named_children if c.type == "decorator"]
