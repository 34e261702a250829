"""The dashboard under `/ui`: server-rendered Jinja2 pages with htmx, behind a login.

Everything shown is escaped (prompts are attacker-controlled text; Jinja2 autoescapes, and no
template marks anything safe); every POST needs the session's CSRF token and a same-origin
`Origin`; cookies are HttpOnly, SameSite=Strict and Secure behind TLS; approving and denying
check the approver's roles on the server; failed logins are rate-limited; a strict
Content-Security-Policy allows only the dashboard's own script and style.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from vallum.approvals.model import Status
from vallum.approvals.service import ApprovalService
from vallum.bundle.dashboard import DashboardConfig
from vallum.bundle.loader import Bundle
from vallum.dashboard.auth import LoginLimiter, Sessions, User
from vallum.dashboard.queries import versions_in_evidence
from vallum.dashboard.search_pages import SearchPages
from vallum.dashboard.web import Dashboard, int_param, secure
from vallum.exceptions import ApprovalError, ApprovalForbidden
from vallum.extras import require
from vallum.settings import Settings
from vallum.storage.database import Database

__all__ = ["Dashboard", "create_dashboard"]

COOKIE = "vallum_session"
SECURE_COOKIE = "__Host-vallum_session"  # the prefix requires Secure, Path=/ and no Domain
LOGIN_CSRF_COOKIE = "vallum_login_csrf"
MAX_FORM_BYTES = 16_384
PAGES = (("decisions", "Decisions"), ("approvals", "Approvals"), ("controls", "Controls"),
         ("bundles", "Bundles"), ("threats", "Threats"))  # fmt: skip

Handler = Callable[[Request], Awaitable[Response]]
_PACKAGE = Path(str(files("vallum.dashboard")))
# The threat coverage matrix is one template, shared with `vallum threats --html`.
_THREAT_TEMPLATES = Path(str(files("vallum.threats"))) / "templates"


def create_dashboard(
    bundle: Bundle,
    db: Database,
    approvals: ApprovalService,
    settings: Settings | None = None,
) -> Starlette:
    """The dashboard app; mount it at `/ui`."""
    settings = settings or Settings.from_env()
    config = bundle.config.dashboard
    env = Environment(
        loader=FileSystemLoader([_PACKAGE / "templates", _THREAT_TEMPLATES]),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    dash = Dashboard(
        bundle, db, approvals,
        Sessions(config, admin_token=settings.dashboard_token, secret=settings.dashboard_secret),
        _login_limiter(config, settings.redis_url), env,
    )  # fmt: skip
    h = _Handlers(dash)
    routes = [
        Route("/", h.home),
        Route("/login", h.login_form, methods=["GET"]),
        Route("/login", h.login, methods=["POST"]),
        Route("/logout", h.guard(h.logout), methods=["POST"]),
        Route("/decisions", h.guard(h.decisions)),
        Route("/decisions/rows", h.guard(h.decision_rows)),
        Route("/decisions/export.{fmt:str}", h.guard(h.export)),
        Route("/sessions/{session:path}", h.guard(h.session)),
        Route("/decisions/{record_id}", h.guard(h.trace)),
        Route("/approvals", h.guard(h.approvals_page)),
        Route("/approvals/rows", h.guard(h.approval_rows)),
        Route("/approvals/{approval_id}/{verdict:str}", h.guard(h.decide), methods=["POST"]),
        Route("/controls", h.guard(h.controls)),
        Route("/bundles", h.guard(h.bundles)),
        Route("/threats", h.guard(h.threats)),
        Mount("/static", StaticFiles(directory=_PACKAGE / "static"), name="static"),
    ]
    # X-Forwarded-For and -Proto are believed from the configured proxies only (none by
    # default): `vallum serve` turns uvicorn's own handling off, which trusts localhost.
    trusted = list(config.trusted_proxies)
    middleware = [Middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)] if trusted else []
    app = Starlette(routes=routes, middleware=middleware)
    app.state.dashboard = dash
    return app


def _login_limiter(config: DashboardConfig, redis_url: str | None) -> LoginLimiter:
    """Failed logins counted in Redis when the deployment has one (every replica sees every
    failure), else in process."""
    if redis_url:
        require("redis", "redis", feature="a Redis URL (VALLUM_REDIS_URL)")
        return LoginLimiter.redis(config.login_attempts, config.login_window_s, redis_url)
    return LoginLimiter(config.login_attempts, config.login_window_s)


class _Handlers(SearchPages):
    def __init__(self, dash: Dashboard):
        self.d = dash

    # Plumbing.
    def render(
        self, request: Request, template: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        base = request.scope.get("root_path", "")
        user: User | None = request.scope.get("vallum_user")
        page = self.d.env.get_template(template).render(
            base=base, user=user, pages=PAGES, bundle=self.d.bundle,
            roles=sorted(self.d.approvals.roles_of(user.principal)) if user else [],
            csrf=self.d.sessions.csrf_token(user) if user else "", **context,
        )  # fmt: skip
        return secure(HTMLResponse(page, status))

    def guard(self, handler: Handler) -> Handler:
        """Require a session; on POST also a same-origin request with the CSRF token."""

        async def wrapped(request: Request) -> Response:
            if not self.d.sessions.enabled:
                return self.render(request, "closed.html", 503)
            user = self.d.sessions.decode(request.cookies.get(_cookie_name(request, self.d)))
            if user is None:
                if request.headers.get("hx-request"):
                    response = Response(status_code=401)
                    response.headers["hx-redirect"] = f"{request.scope.get('root_path', '')}/login"
                    return response
                return _redirect(request, "/login")
            request.scope["vallum_user"] = user
            if request.method == "POST":
                form = await _form(request)
                request.scope["vallum_form"] = form
                token = request.headers.get("x-csrf-token") or form.get("csrf_token")
                if not _same_origin(request) or not self.d.sessions.check_csrf(user, token):
                    return self.render(request, "error.html", 403, message="CSRF check failed")
            return await handler(request)

        return wrapped

    # Login.
    async def home(self, request: Request) -> Response:
        return _redirect(request, "/decisions")

    async def login_form(self, request: Request, error: str = "", status: int = 200) -> Response:
        if not self.d.sessions.enabled:
            return self.render(request, "closed.html", 503)
        token = secrets.token_urlsafe(16)
        response = self.render(request, "login.html", status, login_csrf=token, error=error)
        response.set_cookie(
            LOGIN_CSRF_COOKIE, token, max_age=600, httponly=True, samesite="strict",
            secure=_secure_cookies(request, self.d), path="/",
        )  # fmt: skip
        return response

    async def login(self, request: Request) -> Response:
        if not self.d.sessions.enabled:
            return self.render(request, "closed.html", 503)
        form = await _form(request)
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        given = form.get("csrf_token", "")
        if not expected or not _same_origin(request) or not secrets.compare_digest(expected, given):
            return await self.login_form(request, "Your login form expired: try again.", 403)
        name = form.get("username", "")[:128]
        # The peer, or the client a trusted proxy names (ProxyHeadersMiddleware, below).
        address = request.client.host if request.client else "unknown"
        # off the loop: the counts may live in Redis
        wait = await asyncio.to_thread(self.d.limiter.retry_after, name, address)
        if wait:
            response = await self.login_form(request, f"Too many attempts: wait {wait} s.", 429)
            response.headers["retry-after"] = str(wait)
            return response
        user = await asyncio.to_thread(self.d.sessions.check_login, name, form.get("password", ""))
        if user is None:
            await asyncio.to_thread(self.d.limiter.failed, name, address)
            return await self.login_form(request, "Wrong name or password.", 401)
        await asyncio.to_thread(self.d.limiter.succeeded, name, address)
        response = _redirect(request, "/decisions")
        response.set_cookie(
            _cookie_name(request, self.d), self.d.sessions.encode(user),
            max_age=self.d.bundle.config.dashboard.session_ttl_s, httponly=True,
            samesite="strict", secure=_secure_cookies(request, self.d), path="/",
        )  # fmt: skip
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    async def logout(self, request: Request) -> Response:
        response = _redirect(request, "/login")
        response.delete_cookie(_cookie_name(request, self.d), path="/")
        return response

    # Approvals.
    async def approvals_page(self, request: Request) -> Response:
        return self.render(
            request, "approvals.html", page="approvals", **await self._queue(request)
        )

    async def approval_rows(self, request: Request) -> Response:
        return self.render(request, "_approval_rows.html", **await self._queue(request))

    async def _queue(self, request: Request, message: str = "") -> dict[str, Any]:
        user: User = request.scope["vallum_user"]
        pending = await asyncio.to_thread(self.d.approvals.list, status=Status.PENDING)
        recent = [
            a for a in await asyncio.to_thread(self.d.approvals.list, limit=50)
            if a.status is not Status.PENDING
        ]  # fmt: skip
        may = {a.id for a in pending if self.d.approvals.may_decide(a, user.principal)}
        return {"pending": pending, "recent": recent, "may": may, "message": message}

    async def decide(self, request: Request) -> Response:
        user: User = request.scope["vallum_user"]
        verdict = request.path_params["verdict"]
        if verdict not in ("approve", "deny"):
            return self.render(request, "error.html", 404, message="Unknown action.")
        note = request.scope["vallum_form"].get("reason", "")[:2000]
        status, message = 200, ""
        try:
            decided = await asyncio.to_thread(
                self.d.approvals.decide, request.path_params["approval_id"],
                approver=user.principal, approve=verdict == "approve", note=note,
            )  # fmt: skip
            message = f"Approval {decided.id[:8]} {decided.status.value}."
        except ApprovalForbidden as exc:
            status, message = 403, str(exc)
        except ApprovalError as exc:
            status, message = 409, str(exc)
        if not request.headers.get("hx-request"):
            return _redirect(request, "/approvals")
        context = await self._queue(request, message)
        # htmx swaps only 2xx answers: the refusal is shown in the queue's message line.
        response = self.render(request, "_approval_rows.html", **context)
        response.headers["x-vallum-status"] = str(status)
        return response

    # Bundles and threats.
    async def bundles(self, request: Request) -> Response:
        seen = await asyncio.to_thread(versions_in_evidence, self.d.db)
        history, active = await asyncio.to_thread(_history, self.d.db)
        return self.render(
            request, "bundles.html", seen=seen, history=history, active=active, page="bundles"
        )

    async def threats(self, request: Request) -> Response:
        days = int_param(request.query_params.get("days"), 30, 1, 365)
        run = request.query_params.get("tests") == "1"
        cov = await asyncio.to_thread(_threat_coverage, self.d, days, run)
        return self.render(request, "threats.html", cov=cov, days=days, tests=run, page="threats")


def _threat_coverage(dash: Dashboard, days: int, run_tests: bool) -> dict[str, Any] | None:
    """The bundle's threat matrix with production evidence (None without a threats.yaml)."""
    from vallum.threats.coverage import build_coverage
    from vallum.threats.evidence import activity

    if dash.bundle.threats is None:
        return None
    evidence = activity(dash.db, dash.bundle.name, days)
    coverage = build_coverage(
        dash.bundle, dash.bundle.threats, evidence=evidence, run_tests=run_tests
    )
    return coverage.to_dict()


def _history(db: Database) -> tuple[list[Any], str | None]:
    """Activation history from the policy store, when it is in use."""
    from vallum.exceptions import VallumError
    from vallum.lifecycle.store import PolicyStore

    try:
        store = PolicyStore(db)
        current = store.active()
        return store.history(limit=50), current.version if current else None
    except VallumError:
        return [], None


async def _form(request: Request) -> dict[str, str]:
    """A urlencoded form (the only kind the dashboard posts), size-limited."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def _same_origin(request: Request) -> bool:
    """A browser's POST names its origin; it must be this site's (defence beside the token)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None and request.headers.get("sec-fetch-site") in (None, "same-origin")
    return origin == f"{request.url.scheme}://{request.url.netloc}"


def _secure_cookies(request: Request, dash: Dashboard) -> bool:
    return dash.bundle.config.dashboard.secure_cookies == "always" or request.url.scheme == "https"


def _cookie_name(request: Request, dash: Dashboard) -> str:
    return SECURE_COOKIE if _secure_cookies(request, dash) else COOKIE


def _redirect(request: Request, path: str) -> Response:
    return secure(RedirectResponse(f"{request.scope.get('root_path', '')}{path}", 303))
