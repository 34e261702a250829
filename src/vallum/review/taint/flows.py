"""The finding for one source-to-sink flow, and facts about values the engine needs."""

from __future__ import annotations

from vallum.review.findings import Finding
from vallum.review.parse import Module, Node, call_name, dotted
from vallum.review.taint import spec, valueflow
from vallum.review.taint.labels import Label


def make_finding(
    kind: str,
    label: Label,
    path: str,
    line: int,
    callee: str,
    snippet: str,
    column: int,
    via: str = "",
) -> Finding:
    """The finding for one source-to-sink flow."""
    sink = spec.KINDS[kind]
    through = f", through {via}" if via else ""
    where = "returned by the view" if callee == "return" else f"in {callee}()"
    message = (
        f"untrusted data from {label.origin} (line {label.line}) reaches {sink.what} "
        f"{where}{through}"
    )
    confidence = 0.5 if label.origin in valueflow.LOCAL_ORIGINS else 1.0
    if kind == "hash":  # what the digest protects is unknown; who chooses the input is known
        confidence = min(confidence, 0.7)
    return Finding(
        sink.rule,
        sink.cwe,
        sink.severity,
        path,
        line,
        message,
        column=column,
        snippet=snippet,
        confidence=confidence,
    )


def method_of(name: str) -> str:
    return name.rpartition(".")[2]


def server_meta(m: Module, container: Node | None, key: Node | None, getter: bool = False) -> bool:
    """`request.META["SERVER_NAME"]`: a WSGI/ASGI environ key set by the server or middleware,
    not by the client (client headers are `HTTP_*`, plus the query string and path)."""
    if container is None or key is None or key.type != "string":
        return False
    owner = dotted(m, container)
    if getter:
        owner = owner.rpartition(".")[0]
    if not owner.endswith("request.META"):
        return False
    value = m.text(key).strip("'\"")
    return not value.startswith("HTTP_") and value not in valueflow.CLIENT_META


def stringish(m: Module, node: Node | None) -> bool:
    """Text built here: a literal, an f-string, a concatenation or a `.format()`/`str()` call."""
    if node is None:
        return False
    if node.type in {"string", "concatenated_string"}:
        return True
    if node.type == "binary_operator":
        return any(stringish(m, c) for c in node.named_children)
    if node.type == "call":
        name = call_name(m, node)
        return name == "str" or name.endswith((".format", ".join")) or name == "?.format"
    return node.type == "parenthesized_expression" and stringish(
        m, node.named_children[0] if node.named_children else None
    )
