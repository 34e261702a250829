"""Match a call against the sink tables: which of its arguments must not carry taint."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vallum.review.parse import Module, Node, literal, string_value
from vallum.review.taint import spec, valueflow
from vallum.review.taint.urlparts import plus_operands


@dataclass(frozen=True, slots=True)
class SinkUse:
    """`nodes` of one call flow into a sink of `kind`; `receiver` marks `Path(x).read_text()`."""

    kind: str
    nodes: tuple[Node, ...]
    callee: str
    receiver: bool = False


def match(
    module: Module, name: str, pos: list[Node], kw: dict[str, Node], types: dict[str, str]
) -> list[SinkUse]:
    """Every sink use of one call named `name` (already import-resolved)."""
    uses: list[SinkUse] = []
    table = spec.SINK_CALLS.get(name)
    if table is not None:
        uses.append(_use(table, name, pos, kw))
    receiver, _, method = name.rpartition(".")
    if name in spec.SUBPROCESS_CALLS:
        use = _subprocess(module, name, pos, kw)
        if use is not None:
            uses.append(use)
    elif name == "yaml.load" or name.endswith(".yaml.load"):
        loader = literal(module, kw.get("Loader") or (pos[1] if len(pos) > 1 else None))
        if "Safe" not in loader and "BaseLoader" not in loader:
            uses.append(SinkUse("deser", tuple(pos[:1]), name))
    elif name in {"lxml.etree.fromstring", "lxml.etree.parse", "lxml.etree.XML"} and (
        len(pos) > 1 or "parser" in kw
    ):
        uses.clear()  # an explicit parser: assume it was configured deliberately
    if name == "hashlib.new" and string_value(module, pos[0] if pos else None) in WEAK_NAMES:
        uses.append(
            SinkUse("hash", tuple(pos[1:2]) + tuple(kw[k] for k in ("data",) if k in kw), name)
        )
    if table is None and method:
        recv_type = types.get(receiver, receiver)
        if method == "update" and recv_type in WEAK_HASH_TYPES:  # `h = hashlib.md5(); h.update(x)`
            uses.append(SinkUse("hash", tuple(pos[:1]), name))
        if method in spec.HTTP_METHODS and (
            recv_type in spec.HTTP_CLIENT_TYPES
            or receiver.removesuffix("()") in spec.HTTP_CLIENT_TYPES
        ):
            index = 1 if method in {"request", "stream"} else 0
            uses.append(_use(("ssrf", (index,), ("url",)), name, pos, kw))
        elif method == "search" and (
            recv_type.startswith(("ldap3.", "ldap."))
            or receiver.split(".")[-1].lower() in spec.LDAP_SEARCH_RECEIVERS
        ):
            uses.append(_use(("ldap", (1,), ("search_filter",)), name, pos, kw))
        elif method in spec.SINK_METHODS and not (method == "raw" and ".objects" not in name):
            entry = spec.SINK_METHODS[method]
            if method in spec.RECEIVER_SINK_METHODS:
                uses.append(SinkUse(entry[0], (), name, receiver=True))
            elif method in {"execute", "executemany"} and _looks_like_re(receiver):
                pass
            else:
                uses.append(_use(entry, name, pos, kw))
    if literal(module, kw.get("usedforsecurity")) == "False":
        uses = [u for u in uses if u.kind != "hash"]  # declared a checksum, not security
    return [_narrow(module, use, kw) for use in uses]


def _looks_like_re(receiver: str) -> bool:
    # `pool.execute(fn)` / `executor.execute(...)`: not SQL.
    tail = receiver.split(".")[-1].lower()
    return "executor" in tail or "pool" in tail


def _use(
    entry: tuple[str, tuple[int, ...] | None, tuple[str, ...]],
    name: str,
    pos: list[Node],
    kw: dict[str, Node],
) -> SinkUse:
    kind, indexes, keywords = entry
    nodes = [p for i, p in enumerate(pos) if indexes is None or i in indexes]
    if indexes is None:
        nodes.extend(kw.values())
    else:
        nodes.extend(kw[k] for k in keywords if k in kw)
    return SinkUse(kind, tuple(nodes), name)


def _subprocess(module: Module, name: str, pos: list[Node], kw: dict[str, Node]) -> SinkUse | None:
    first = pos[0] if pos else kw.get("args")
    if first is None:
        return None
    shell = literal(module, kw.get("shell"))
    if shell and shell not in {"False", "0", "None"}:
        return SinkUse("cmd", (first,), name)
    # Without a shell only the program itself is a command-injection point.
    if first.type in {"list", "tuple"}:
        elements = first.named_children
        program = literal(module, elements[0]).strip("'\"").rsplit("/", 1)[-1] if elements else ""
        if program in valueflow.SHELLS:  # ["sh", "-c", command]: the command goes through a shell
            return SinkUse("cmd", tuple(elements), name)
        return SinkUse("cmd", tuple(elements[:1]), name) if elements else None
    if name.startswith("os.exec") or name.startswith("os.spawn"):
        return SinkUse("cmd", tuple(pos[:2]), name)
    return SinkUse("cmd", (first,), name)


WEAK_NAMES = frozenset({"md5", "MD5", "sha1", "SHA1", "md4", "md5-sha1"})
WEAK_HASH_TYPES = frozenset(
    {
        "hashlib.md5",
        "hashlib.sha1",
        "hashlib.new:weak",
        "Crypto.Hash.MD5.new",
        "Crypto.Hash.SHA.new",
    }
)
FIXED_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://[^/{}%]+/", re.IGNORECASE)
NON_HTML = ("text/plain", "json", "octet-stream", "text/csv", "image/")


def _narrow(module: Module, use: SinkUse, kw: dict[str, Node]) -> SinkUse:
    """Drop arguments that cannot carry this kind of attack here.

    A URL whose literal start names scheme and host (`f"https://api.example.com/u/{id}"`) lets
    the input choose a path on that host, not the host; a response with a non-HTML content type
    (`HttpResponse(q, content_type="text/plain")`) is not rendered as HTML.
    """
    if use.kind == "ssrf":
        kept = tuple(n for n in use.nodes if not _fixed_host(module, n))
        return SinkUse(use.kind, kept, use.callee, use.receiver)
    if use.kind == "redirect":
        parts = tuple(p for n in use.nodes for p in _target_parts(module, n))
        return SinkUse(use.kind, parts, use.callee, use.receiver)
    if use.kind == "xss":
        declared = kw.get("content_type") or kw.get("mimetype") or kw.get("media_type")
        text = module.text(declared).lower() if declared is not None else ""
        if declared is not None and declared.type == "string" and any(t in text for t in NON_HTML):
            return SinkUse(use.kind, (), use.callee, use.receiver)
    return use


SAME_SITE = re.compile(r"^/[^/\\]")


def _target_parts(module: Module, node: Node) -> list[Node]:
    """The values that choose where a redirect goes: those before its query string or fragment.

    `f"{url}?{request.GET.urlencode()}"` lets the input choose parameters on the page `url`
    names, not the page; a literal start naming a host or a same-site path (`f"/u/{name}"`)
    fixes the target's host whatever follows.
    """
    operands = plus_operands(module, node)
    if operands[0].type == "string" and (
        _fixed_host(module, node) or _same_site(module, operands[0])
    ):
        return []
    if operands[0].type == "identifier" and _fixed_host(module, node):
        return []  # `KOBO_IMAGEHOST_URL + "/" + uuid`, the constant naming a host
    parts: list[Node] = []
    for operand in operands:
        if operand.type != "string":
            parts.append(operand)
            continue
        for child in operand.named_children:
            if child.type == "string_content" and any(c in module.text(child) for c in "?#"):
                return parts
            if child.type == "interpolation":
                parts.extend(child.named_children[:1])
    return parts


def _same_site(module: Module, literal: Node) -> bool:
    head = ""
    for child in literal.named_children:
        if child.type not in {"string_start", "string_content", "escape_sequence"}:
            break
        head += module.text(child) if child.type != "string_start" else ""
    return bool(SAME_SITE.match(head))


def _fixed_host(module: Module, node: Node) -> bool:
    first = node
    while first.type == "binary_operator":
        left = first.child_by_field_name("left")
        if left is None:
            return False
        first = left
    if first.type == "identifier":  # a module constant, not rebound in this function
        value = _module_strings(module).get(module.text(first))
        return bool(value and FIXED_HOST.match(value)) and not _rebound(module, first)
    if first.type != "string":
        return False
    head = ""
    constants: dict[str, str] | None = None
    for child in first.named_children:
        if child.type == "string_content":
            head += module.text(child)
        elif child.type == "interpolation":
            inner = child.named_children[0] if child.named_children else None
            if inner is None or inner.type != "identifier":
                break
            constants = _module_strings(module) if constants is None else constants
            value = constants.get(module.text(inner))
            if value is None:  # f"{BASE}/users/{id}" with BASE = "https://api.example.com"
                break
            head += value
    return bool(FIXED_HOST.match(head))


def _rebound(module: Module, name: Node) -> bool:
    """True when the function around `name` assigns that name (a local shadows the constant)."""
    scope = name.parent
    while scope is not None and scope.type != "function_definition":
        scope = scope.parent
    if scope is None:
        return False
    text = module.text(name)
    stack = [scope]
    while stack:
        current = stack.pop()
        if current.type in {"assignment", "augmented_assignment", "for_statement", "with_item"}:
            target = current.child_by_field_name("left") or current.child_by_field_name("value")
            if target is not None and text in {module.text(n) for n in _names(target)}:
                return True
        if (
            current.type in {"global_statement", "nonlocal_statement"}
            and text in module.text(current).split()
        ):
            return True
        stack.extend(current.named_children)
    return False


def _names(node: Node) -> list[Node]:
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            out.append(current)
        stack.extend(current.named_children)
    return out


def _module_strings(module: Module) -> dict[str, str]:
    """Top-level `NAME = "literal"` constants of a module."""
    out: dict[str, str] = {}
    for statement in module.root.named_children:
        if statement.type != "expression_statement" or not statement.named_children:
            continue
        node = statement.named_children[0]
        if node.type != "assignment":
            continue
        left = node.child_by_field_name("left")
        value = string_value(module, node.child_by_field_name("right"))
        if left is not None and left.type == "identifier" and value is not None:
            out[module.text(left)] = value
    return out
