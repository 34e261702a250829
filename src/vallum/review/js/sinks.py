"""Which arguments of a JavaScript call must not carry untrusted data, and of which kind."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vallum.review.js import spec
from vallum.review.js.parse import (
    JsModule,
    Node,
    call_args,
    dotted,
    object_props,
    string_value,
    walk,
)


@dataclass(frozen=True, slots=True)
class JsSinkUse:
    """`nodes` of one call flow into a sink of `kind`; `nosql` marks query-object values."""

    kind: str
    nodes: tuple[Node, ...]
    callee: str


def match(
    m: JsModule,
    name: str,
    call: Node,
    args: list[Node],
    constructed: dict[str, str] | None = None,
    nosql: bool = True,
) -> list[JsSinkUse]:
    """Every sink use of one call whose import-resolved name is `name`.

    `constructed` maps local names to the class they were made with (`new ItemsService(...)`):
    such an object's `find`/`deleteMany` are its class's methods, not a MongoDB query. Without
    `nosql` (the project declares no MongoDB driver) those methods belong to SQL query builders.
    """
    uses: list[JsSinkUse] = []
    table = spec.SINK_CALLS.get(name)
    if table is not None:
        kind, indexes = table
        if name.startswith("child_process.") and _shell(m, args):
            indexes = None
        if name in {"setTimeout", "setInterval"} and args and args[0].type != "string":
            indexes = (0,) if args[0].type in {"binary_expression", "template_string"} else ()
        picked = [a for i, a in enumerate(args) if indexes is None or i in indexes]
        if kind == "ssrf" and picked and _fixed_host(m, picked[0]):
            picked = picked[1:]  # `https://api.example.com/users/${id}`: the host is fixed
        uses.append(JsSinkUse(kind, tuple(picked), name))
        return uses
    func = call.child_by_field_name("function")
    if func is None or func.type != "member_expression":
        return uses
    method = m.text(func.child_by_field_name("property"))
    receiver_node = func.child_by_field_name("object")
    receiver = dotted(m, receiver_node)
    resolved = m.qualify(receiver) if receiver else ""
    chain = m.text(receiver_node)
    root = receiver.split(".")[0] if receiver else chain.split(".")[0].split("(")[0]
    if (resolved.startswith(("fs", "fs-extra", "graceful-fs")) and method in spec.FS_METHODS) or (
        root in spec.RESPONSE_OBJECTS
        and method in {"sendFile", "download"}  # `attachment(name)` only names the download
        and not _rooted(m, args)  # `res.sendFile(name, { root })` refuses to leave the root
    ):
        picked = args[:2] if method in {"copyFile", "rename"} else args[:1]
        uses.append(JsSinkUse("path", tuple(picked), f"{receiver or chain}.{method}"))
    elif method == "cookie" and root in spec.RESPONSE_OBJECTS and len(args) > 1:
        uses.append(JsSinkUse("weakrand", (args[1],), f"{root}.cookie"))
    elif method in spec.SQL_METHODS and args and _is_db(root, receiver):
        uses.append(JsSinkUse("sql", (args[0],), f"{receiver or '?'}.{method}"))
    elif method in spec.NOSQL_METHODS and (not nosql or _project_class(constructed, root)):
        pass
    elif method in spec.NOSQL_METHODS and args and args[0].type == "object":
        values = tuple(v for v in object_props(m, args[0]).values() if v.type != "object")
        uses.append(JsSinkUse("nosql", values, f"{receiver or '?'}.{method}"))
    elif method in spec.NOSQL_METHODS and args and args[0].type in _WHOLE_QUERY:
        # `User.find(req.body)`: the client writes the whole query object
        uses.append(JsSinkUse("nosql", (args[0],), f"{receiver or '?'}.{method}"))
    elif (
        method in {"redirect", "location"}
        and args
        and (root in spec.REDIRECT_RECEIVERS or "NextResponse" in resolved)
        and (method == "redirect" or _redirect_status(m, call))
    ):
        parts = tuple(_target_parts(m, args[-1]))
        uses.append(JsSinkUse("redirect", parts, f"{receiver or chain}.redirect"))
    elif (
        method in spec.HTML_RESPONSE_METHODS
        and args
        and _html_response(m, root, chain)
        and not _typed_before(m, call, root)
    ):
        if args[0].type not in {"object", "array"}:  # `res.send({...})` is sent as JSON
            uses.append(JsSinkUse("xss", (args[0],), f"{root}.{method}"))
    elif (method in {"write", "writeln"} and resolved == "document") or method == "html":
        uses.append(JsSinkUse("xss", tuple(args[:1]), f"{receiver or chain}.{method}"))
    elif method == "insertAdjacentHTML" and len(args) > 1:
        uses.append(JsSinkUse("xss", (args[1],), "insertAdjacentHTML"))
    return uses


_WHOLE_QUERY = frozenset({"identifier", "member_expression", "subscript_expression"})
MONGO_CLASSES = ("MongoClient", "Collection", "Model", "Db")


def _project_class(constructed: dict[str, str] | None, root: str) -> bool:
    made_with = (constructed or {}).get(root)
    return made_with is not None and not made_with.endswith(MONGO_CLASSES)


def _shell(m: JsModule, args: list[Node]) -> bool:
    for arg in args[1:]:
        shell = object_props(m, arg).get("shell")
        if shell is not None and m.text(shell) not in {"false", "undefined", "null"}:
            return True
    return False


def _is_db(root: str, receiver: str) -> bool:
    if not receiver:
        return False
    tail = receiver.split(".")[-1]
    if root in spec.NOT_DB_RECEIVERS or tail in spec.NOT_DB_RECEIVERS:
        return False
    lowered = tail.lower()
    return "executor" not in lowered and "command" not in lowered


def _html_response(m: JsModule, root: str, chain: str) -> bool:
    """`res.send(x)` (HTML by default in Express) unless the chain set a non-HTML type."""
    lowered = chain.lower()
    if any(t in lowered for t in ("text/plain", "json", "'text'", '"text"', "octet-stream")):
        return False
    if root == "reply":
        return "html" in lowered  # Fastify sends strings as text/plain unless told otherwise
    return root in spec.RESPONSE_OBJECTS


TYPE_SETTERS = frozenset(
    {"setHeader", "set", "header", "type", "contentType", "attachment", "writeHead"}
)
_BODIES = frozenset(
    {
        "arrow_function",
        "function_expression",
        "function_declaration",
        "method_definition",
        "program",
    }
)


def _typed_before(m: JsModule, call: Node, root: str) -> bool:
    """Earlier in the handler the response was given a non-HTML type or made a download:
    `res.setHeader("Content-Type", "application/javascript")`, `res.type("json")`,
    `res.attachment(name)`."""
    body: Node | None = call.parent
    while body is not None and body.type not in _BODIES:
        body = body.parent
    if body is None:
        return False
    for node in walk(body):
        if node.start_byte >= call.start_byte:
            continue
        if node.type != "call_expression":
            continue
        func = node.child_by_field_name("function")
        if func is None or func.type != "member_expression":
            continue
        method = m.text(func.child_by_field_name("property"))
        if method not in TYPE_SETTERS or dotted(m, func.child_by_field_name("object")) != root:
            continue
        args = call_args(node)
        if method == "attachment":
            return True
        if method == "writeHead":  # `res.writeHead(200, { "Content-Type": "application/json" })`
            headers = {k.lower(): v for k, v in object_props(m, args[-1] if args else None).items()}
            typed = headers.get("content-type")
            text = m.text(typed).lower() if typed is not None else ""
            if text and "html" not in text and "/" in text:
                return True
            continue
        value = (
            m.text(args[-1]).lower()
            if args
            and (method in {"type", "contentType"} or "content-type" in m.text(args[0]).lower())
            else ""
        )
        if (
            value
            and "html" not in value
            and ("/" in value or value.strip("'\"`") in {"json", "text", "js"})
        ):
            return True
    return False


REDIRECT_STATUS = re.compile(r"\b30[1278]\b")


def _redirect_status(m: JsModule, call: Node) -> bool:
    """`res.location(url)` redirects only with a 3xx status (a 201's Location is not followed)."""
    body: Node | None = call.parent
    while body is not None and body.type not in _BODIES:
        body = body.parent
    return body is not None and bool(REDIRECT_STATUS.search(m.text(body)))


def _rooted(m: JsModule, args: list[Node]) -> bool:
    return len(args) > 1 and "root" in object_props(m, args[1])


FIXED_HOST = re.compile(r"^https?://[^/$`'\"{}]+/")


def _fixed_host(m: JsModule, node: Node) -> bool:
    """A URL built from a literal that already names scheme, host and the start of the path."""
    first = node
    while first.type == "binary_expression":
        left = first.child_by_field_name("left")
        if left is None:
            return False
        first = left
    if first.type == "template_string":
        parts = [c for c in first.named_children]
        head = m.text(parts[0]) if parts and parts[0].type == "string_fragment" else ""
    else:
        head = string_value(m, first) or ""
    return bool(FIXED_HOST.match(head))


OWN_HOST = re.compile(
    r"(req|request|ctx)\.(headers\.host|hostname|host|get\(['\"]host['\"]\)|headers\[['\"]host['\"]\])"
)
SAME_SITE = re.compile(r"^/[^/\\]")


def _joined(m: JsModule, node: Node) -> bool:
    """A call joining URL parts in order, one of them a literal `?` or `#` part."""
    if node.type != "call_expression":
        return False
    return any(any(c in (string_value(m, a) or "") for c in "?#") for a in call_args(node)[1:])


def _target_parts(m: JsModule, node: Node) -> list[Node]:
    """The values choosing where a redirect goes: those before its query string or fragment.

    A literal start naming a host or a same-site path (`/users/${id}`) fixes the host whatever
    follows; `${url}?next=${req.query.n}` lets the input choose parameters, not the page. A call
    that joins parts with a literal `?` or `#` among them (`urlJoin(admin, "#", path)`) is read
    as the same parts in order.
    """
    operands: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if (
            current.type == "binary_expression"
            and m.text(current.child_by_field_name("operator")) == "+"
        ):
            stack.extend(reversed(current.named_children))
        else:
            operands.append(current)
    if len(operands) == 1 and _joined(m, operands[0]):
        operands = call_args(operands[0])  # `urlJoin(base, "#", part)`: parts in order
    first = operands[0]
    if first.type == "template_string":
        head = (
            m.text(first.named_children[0])
            if first.named_children and first.named_children[0].type == "string_fragment"
            else ""
        )
    else:
        head = string_value(m, first) or ""
    if FIXED_HOST.match(head) or SAME_SITE.match(head):
        return []
    if len(operands) > 1 and head.endswith("://") and OWN_HOST.fullmatch(m.text(operands[1])):
        return []  # `"https://" + req.headers.host + req.originalUrl`: the site it is on
    parts: list[Node] = []
    for operand in operands:
        literal = string_value(m, operand)
        if literal is not None:
            if any(c in literal for c in "?#"):
                return parts
            continue
        if operand.type != "template_string":
            parts.append(operand)
            continue
        for child in operand.named_children:
            if child.type == "string_fragment" and any(c in m.text(child) for c in "?#"):
                return parts
            if child.type == "template_substitution":
                parts.extend(child.named_children[:1])
    return parts
