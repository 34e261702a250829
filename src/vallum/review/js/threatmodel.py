"""Threat-model requirements for Express and Next.js: authentication on routes, upload limits
and types (multer, busboy), ownership checks on lookups by id. Same rule ids as for Python."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from vallum.review.findings import Finding, Severity
from vallum.review.js.checks import js_finding
from vallum.review.js.parse import (
    JsModule,
    Node,
    call_args,
    call_name,
    object_props,
    string_value,
)
from vallum.review.threatmodel.schema import Ownership, RouteAuth, ThreatModel, Upload

VERBS = frozenset({"get", "post", "put", "patch", "delete", "all"})
NEXT_VERBS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
AUTH = re.compile(
    r"auth|passport|jwt|session|protect|requireUser|ensureLoggedIn|verifyToken|currentUser|"
    r"clerk|getToken|isLoggedIn|requireLogin",
    re.I,
)
OWNER = re.compile(r"owner|userId|user_id|tenantId|session\.user\.id|req\.user\.id|authorize|can\(")


@dataclass(frozen=True, slots=True)
class Handler:
    path: str
    node: Node  # the handler function (or the route call for Express)
    guards: str  # text of the middleware between the path and the handler
    body: str


def check(model: ThreatModel, modules: list[JsModule]) -> list[Finding]:
    out: list[Finding] = []
    for m in modules:
        handlers = _handlers(m)
        for req in model.requirements:
            if isinstance(req, RouteAuth):
                out.extend(_auth(m, req, handlers))
            elif isinstance(req, Upload):
                out.extend(_uploads(m, req))
            elif isinstance(req, Ownership):
                out.extend(_ownership(m, req, handlers))
    return out


def _handlers(m: JsModule) -> list[Handler]:
    found: list[Handler] = []
    global_auth = ""
    for node in m.nodes():
        if node.type == "call_expression":
            name = call_name(m, node)
            receiver, _, verb = name.rpartition(".")
            args = call_args(node)
            if verb == "use" and args and AUTH.search(m.text(node)):
                global_auth = m.text(node)
            if verb in VERBS and receiver and len(args) >= 2:
                path = string_value(m, args[0])
                if path is None or not path.startswith("/"):
                    continue
                guards = " ".join(m.text(a) for a in args[1:-1]) + " " + global_auth
                found.append(Handler(path, node, guards, m.text(args[-1])))
        elif node.type == "function_declaration" and node.parent is not None:
            name = m.text(node.child_by_field_name("name"))
            if name in NEXT_VERBS and node.parent.type == "export_statement":
                found.append(Handler(_next_path(m.path), node, "", m.text(node)))
    return found


def _next_path(path: str) -> str:
    parts = path.split("/")
    if "app" in parts:
        parts = parts[parts.index("app") + 1 :]
    if parts and parts[-1].startswith("route."):
        parts = parts[:-1]
    return "/" + "/".join(p for p in parts if not p.startswith("("))


def _auth(m: JsModule, req: RouteAuth, handlers: list[Handler]) -> list[Finding]:
    out = []
    markers = [*req.auth_decorators, *req.auth_dependencies]
    for h in handlers:
        if any(fnmatch.fnmatchcase(h.path, p) for p in req.public):
            continue
        text = h.guards + (h.body if h.guards.strip() == "" else "")
        if AUTH.search(text) or any(mark in text for mark in markers):
            continue
        out.append(
            js_finding(
                m,
                "tm.route-auth",
                306,
                req.level(Severity.HIGH),
                h.node,
                f"[{req.id}] route {h.path} has no authentication and is not listed public "
                "in the threat model",
            )
        )
    return out


def _uploads(m: JsModule, req: Upload) -> list[Finding]:
    out = []
    for node in m.nodes():
        if node.type != "call_expression" or call_name(m, node) not in {"multer", "busboy"}:
            continue
        args = call_args(node)
        opts = object_props(m, args[0] if args else None)
        where = f"[{req.id}] {call_name(m, node)}() upload"
        if "fileFilter" not in opts and call_name(m, node) == "multer":
            allowed = ", ".join(req.allowed_types) or "the listed types"
            out.append(
                js_finding(
                    m,
                    "tm.upload-type",
                    434,
                    req.level(Severity.HIGH),
                    node,
                    f"{where} does not check the file type ({allowed})",
                )
            )
        if "limits" not in opts:
            out.append(
                js_finding(
                    m,
                    "tm.upload-size",
                    400,
                    req.level(Severity.MEDIUM),
                    node,
                    f"{where} sets no size limit (max {req.max_mb} MB)",
                )
            )
    return out


def _ownership(m: JsModule, req: Ownership, handlers: list[Handler]) -> list[Finding]:
    out = []
    for h in handlers:
        for model in req.models:
            lookup = re.search(
                rf"\b({model}|{model[:1].lower()}{model[1:]})\.(findUnique|findFirst|findById|"
                r"findOne|findByPk|get)\(",
                h.body,
            )
            if lookup is None:
                continue
            if OWNER.search(h.body) or any(f in h.body for f in req.owner_fields):
                continue
            out.append(
                js_finding(
                    m,
                    "tm.ownership",
                    639,
                    req.level(Severity.HIGH),
                    h.node,
                    f"[{req.id}] handler for {h.path} fetches {model} by id without "
                    "checking ownership",
                )
            )
            break
    return out
