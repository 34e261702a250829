"""Route discovery and the `route-auth` requirement: FastAPI, Flask and Django.

A route counts as authenticated when its handler has an auth decorator (`login_required`,
`jwt_required`...), an auth dependency (`Depends(get_current_user)`, on the route, its router or
the app), checks the user in its body, or a global auth middleware / `before_request` hook exists.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from vallum.review.checks.base import Facts
from vallum.review.findings import Finding, Severity
from vallum.review.functions import Function
from vallum.review.parse import Node, arguments, string_value
from vallum.review.threatmodel.schema import RouteAuth

AUTH_WORDS = re.compile(
    r"login_required|jwt_required|auth|token_required|permission_required|roles?_required|"
    r"user_passes_test|current_user|verify_token|require_user|get_user|staff_member_required",
    re.IGNORECASE,
)
BODY_CHECKS = re.compile(
    r"\.is_authenticated|current_user\b|verify_(jwt|token)|check_auth|authenticate\(|"
    r"request\.user\.is_",
)
AUTH_MIXINS = re.compile(
    r"LoginRequiredMixin|PermissionRequiredMixin|UserPassesTestMixin|"
    r"IsAuthenticated"
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One discovered route, the function serving it and the node to report at."""

    framework: str
    path: str
    handler: Function | None
    node: Node
    facts: Facts


def discover(all_facts: list[Facts]) -> list[Endpoint]:
    """Every route in the project: decorator routes and Django `urls.py` entries."""
    endpoints: list[Endpoint] = []
    views: dict[str, Function] = {}
    for facts in all_facts:
        for func in facts.functions:
            views.setdefault(func.name, func)
            if func.route is not None:
                endpoints.append(
                    Endpoint(func.route.framework, func.route.path, func, func.node, facts)
                )
    for facts in all_facts:
        for name, call in facts.calls:
            if name.rpartition(".")[2] not in {"path", "re_path", "url"}:
                continue
            if not name.startswith(("django.", "path", "re_path", "url")):
                continue
            pos, _kw = arguments(call)
            route = string_value(facts.module, pos[0]) if pos else None
            if route is None or len(pos) < 2 or "include(" in facts.module.text(pos[1]):
                continue
            target = facts.module.text(pos[1]).split(".as_view")[0].rpartition(".")[2]
            endpoints.append(
                Endpoint("django", "/" + route.lstrip("^/"), views.get(target), call, facts)
            )
    return endpoints


def check(req: RouteAuth, all_facts: list[Facts]) -> list[Finding]:
    extra = {d.split(".")[-1] for d in (*req.auth_decorators, *req.auth_dependencies)}
    protected_routers = _protected_routers(all_facts, extra)
    global_auth = _global_auth(all_facts)
    out: list[Finding] = []
    for endpoint in discover(all_facts):
        if any(fnmatch.fnmatchcase(endpoint.path, p) for p in req.public):
            continue
        if global_auth or _authenticated(endpoint, extra, protected_routers):
            continue
        name = endpoint.handler.name if endpoint.handler else "?"
        out.append(
            endpoint.facts.finding(
                "tm.route-auth",
                306,
                req.level(Severity.HIGH),
                endpoint.node,
                f"[{req.id}] route {endpoint.path} ({name}) has no authentication and is not "
                "listed public in the threat model",
            )
        )
    return out


def _authenticated(endpoint: Endpoint, extra: set[str], routers: set[str]) -> bool:
    func = endpoint.handler
    if func is None:
        return False
    m = func.module
    for deco in func.decorators:
        text = m.text(deco)
        if AUTH_WORDS.search(text) or any(e in text for e in extra):
            return True
    if func.route is not None and func.route.router in routers:
        return True
    for param in func.params:
        text = f"{param.annotation} {param.default}"
        if ("Depends(" in text or "Security(" in text) and (
            AUTH_WORDS.search(text) or any(e in text for e in extra)
        ):
            return True
    body = m.text(func.body)
    if BODY_CHECKS.search(body):
        return True
    owner = m.text(func.node.parent.parent) if func.class_name and func.node.parent else ""
    return bool(AUTH_MIXINS.search(owner.split(":", 1)[0]))


def _protected_routers(all_facts: list[Facts], extra: set[str]) -> set[str]:
    """Routers or apps created, or included, with an auth dependency."""
    names: set[str] = set()
    for facts in all_facts:
        m = facts.module
        for node in facts.assignments:
            right = node.child_by_field_name("right")
            text = m.text(right)
            if (
                right is not None
                and right.type == "call"
                and "dependencies" in text
                and (AUTH_WORDS.search(text) or any(e in text for e in extra))
            ):
                names.add(m.text(node.child_by_field_name("left")))
        for name, call in facts.calls:
            if name.endswith("include_router"):
                pos, kw = arguments(call)
                deps = m.text(kw.get("dependencies"))
                if pos and deps and (AUTH_WORDS.search(deps) or any(e in deps for e in extra)):
                    names.add(m.text(pos[0]))
    return names


def _global_auth(all_facts: list[Facts]) -> bool:
    """An auth middleware or a `before_request` hook that checks the user guards every route."""
    for facts in all_facts:
        m = facts.module
        for func in facts.functions:
            decos = " ".join(func.decorator_names())
            if (
                ("before_request" in decos or "middleware" in decos)
                and BODY_CHECKS.search(m.text(func.body))
            ) or ("before_request" in decos and "session" in m.text(func.body)):
                return True
        for name, call in facts.calls:
            if name.endswith("add_middleware") and "Auth" in m.text(call):
                return True
        for node in facts.assignments:
            if m.text(node.child_by_field_name("left")) == "MIDDLEWARE" and (
                "LoginRequiredMiddleware" in m.text(node)
            ):
                return True
    return False
