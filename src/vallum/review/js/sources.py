"""Where untrusted data enters JavaScript code, and the finding for a flow into a sink."""

from __future__ import annotations

from vallum.review.findings import Finding
from vallum.review.js import spec
from vallum.review.js.parse import JsModule, Node, dotted
from vallum.review.js.sinks import JsSinkUse
from vallum.review.taint.labels import Label, SinkHit, Taint

# Request fields that are always strings (path parameters, headers): no operator objects.
STRING_FIELDS = frozenset({"params", "headers", "path", "url", "originalUrl", "nextUrl"})
STR_SAFE = frozenset({"nosql", "proto"})
# Uploads (multer, express-fileupload): the server names the stored file; the client names it
# in `originalname` / `name`.
UPLOADS = frozenset({"file", "files"})
CLIENT_FILE_NAMES = frozenset({"originalname", "name"})
OWN_HOST = frozenset({"redirect"})
# In a browser a fetch is the user's own request, not a server's (no SSRF).
BROWSER_SAFE = frozenset({"ssrf"})
# The local operator's inputs: reported with a lower confidence than request data.
LOCAL_ORIGINS = frozenset({"environment", "process.argv"})


def member_source(m: JsModule, node: Node) -> Taint | None:
    """The taint a member expression introduces (`req.query`, `window.location.hash`), or None."""
    name = dotted(m, node)
    if not name:
        return None
    return _named_source(name, node.start_point[0] + 1)


def member_source_named(name: str, line: int) -> Taint | None:
    """What the member chain `name` reads from a source (`req.query.next` reads `req.query`)."""
    parts = name.split(".")
    for end in range(len(parts), 1, -1):
        found = _named_source(".".join(parts[:end]), line)
        if found:
            return found
    return None


def _named_source(name: str, line: int) -> Taint | None:
    obj, _, field = name.rpartition(".")
    if obj in spec.REQUEST_OBJECTS and field in spec.REQUEST_FIELDS:
        cleared = STR_SAFE if field in STRING_FIELDS else frozenset()
        if field in UPLOADS:  # multer chose `path` and `filename`; `originalname` is read below
            cleared = cleared | {"path"}
        return frozenset({Label(name, line, cleared)})
    parts = obj.split(".")
    if field in CLIENT_FILE_NAMES and parts[0] in spec.REQUEST_OBJECTS and UPLOADS & set(parts[1:]):
        return frozenset({Label(name, line)})  # `req.file.originalname`: the client's name
    if field == "host" and obj.endswith(".headers") and obj.split(".")[0] in spec.REQUEST_OBJECTS:
        return frozenset({Label(name, line, OWN_HOST)})  # the site the browser is on
    if name.startswith(spec.BROWSER_SOURCES):
        return frozenset({Label(name, line, BROWSER_SAFE)})
    if name == "process.argv":
        return frozenset({Label(name, line)})
    if name.startswith("process.env"):
        return frozenset({Label("environment", line, spec.ALL_KINDS - {"cmd", "code"})})
    return None


def subscript_source(m: JsModule, node: Node) -> Taint | None:
    """`req["query"]`, `req.query["name"]` read with a literal key: the same as a member."""
    obj = dotted(m, node.child_by_field_name("object"))
    index = node.child_by_field_name("index")
    if index is None or index.type != "string" or obj not in spec.REQUEST_OBJECTS:
        return None
    field = m.text(index).strip("'\"`")
    if field not in spec.REQUEST_FIELDS:
        return None
    cleared = STR_SAFE if field in STRING_FIELDS else frozenset()
    return frozenset({Label(f"{obj}.{field}", node.start_point[0] + 1, cleared)})


def call_name_of(m: JsModule, node: Node) -> str:
    """The import-resolved name a function value refers to (`exec` -> `child_process.exec`)."""
    name = dotted(m, node)
    return m.qualify(name) if name else ""


def sink_finding(m: JsModule, use: JsSinkUse, label: Label, where: Node) -> Finding:
    kind = spec.JS_KINDS[use.kind]
    line = where.start_point[0] + 1
    message = (
        f"untrusted data from {label.origin} (line {label.line}) reaches {kind.what} "
        f"in {use.callee}()"
    )
    return Finding(
        kind.rule,
        kind.cwe,
        kind.severity,
        m.path,
        line,
        message,
        column=where.start_point[1] + 1,
        snippet=m.snippet(line),
        confidence=0.5 if label.origin in LOCAL_ORIGINS else 1.0,
    )


def hit_finding(hit: SinkHit, label: Label, via: str) -> Finding:
    """A flow into a sink inside a project function, reported at the sink, reached via a call."""
    kind = spec.JS_KINDS[hit.kind]
    message = (
        f"untrusted data from {label.origin} (line {label.line}) reaches {kind.what} "
        f"in {hit.callee}(), through {via}"
    )
    return Finding(
        kind.rule,
        kind.cwe,
        kind.severity,
        hit.path,
        hit.line,
        message,
        column=1,
        snippet=hit.snippet,
        confidence=0.5 if label.origin in LOCAL_ORIGINS else 1.0,
    )
