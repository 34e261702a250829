"""The one request lifecycle every route goes through.

    request ─> request id ─> principal (API key or JWT) ─> the route's handler
            ─> an answer, or an exception mapped by `errors` to the provider's error format
            ─> the request's evidence written (its decisions and one request record)
            ─> `x-vallum-request-id` on the answer

`endpoint(route, style, handler)` wraps a handler in it; a handler never authenticates, maps an
error or writes evidence itself. A streamed answer finishes the lifecycle when its stream ends,
however it ends (see `GuardedStream`). If the evidence cannot be written, the client gets an
error instead of the answer: no answer without its evidence.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from vallum.bundle.loader import Bundle
from vallum.exceptions import InputError, VallumError
from vallum.gateway.auth import Authenticator
from vallum.gateway.context import RequestContext
from vallum.gateway.errors import Style, classify, exception_body
from vallum.gateway.evaluator import Evaluator
from vallum.gateway.ratelimit import RateLimiter
from vallum.gateway.wire.json import FastJSONResponse
from vallum.gateway.writer import EvidenceWriter
from vallum.model import Principal
from vallum.sessions.store import CheckMarks
from vallum.telemetry import Telemetry
from vallum.telemetry.observer import FinishedRequest

log = logging.getLogger("vallum.gateway")
SESSION_HEADER = "x-vallum-session"
REQUEST_ID_HEADER = "x-vallum-request-id"
_SESSION = re.compile(r"^[A-Za-z0-9._:@\-]{1,128}$")

Handler = Callable[[Request, RequestContext], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


class RequestLifecycle:
    """Requests in flight, and the evidence each leaves when it ends."""

    def __init__(
        self,
        writer: EvidenceWriter,
        evaluator: Evaluator,
        marks: CheckMarks | None,
        bundle: Bundle,
        drain_timeout_s: float,
        telemetry: Telemetry | None = None,
        limiter: RateLimiter | None = None,
    ):
        self._telemetry = telemetry
        self._limiter = limiter
        self._writer = writer
        self._evaluator = evaluator
        self._marks = marks
        self._bundle = bundle
        self._drain_timeout_s = drain_timeout_s
        self.inflight = 0
        self.draining = False
        self._idle = asyncio.Event()
        self._idle.set()

    def begin(self, route: str) -> RequestContext:
        self.inflight += 1
        self._idle.clear()
        return RequestContext(route=route)

    async def finish(self, ctx: RequestContext) -> None:
        """Write the request's records (once). Raises `EvidenceError` if they cannot be."""
        if ctx.finished:
            return
        ctx.finished = True
        record = ctx.request_record(self._bundle)
        failed: str | None = None
        try:
            await self._evaluator.settle(ctx)  # fingerprints another process may need first
            await self._writer.write([*ctx.records, record])
            if ctx.marks and self._marks is not None:
                await self._remember(ctx, self._marks)
            await self._spend(ctx, record)
        except Exception as exc:
            failed = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            if self._telemetry is not None:
                self._telemetry.observe(
                    FinishedRequest(
                        record, ctx.decisions, ctx.timeline, ctx.started_ns, time.time_ns(), failed
                    )
                )
            self.inflight -= 1
            if self.inflight == 0:
                self._idle.set()

    async def _spend(self, ctx: RequestContext, record: dict[str, Any]) -> None:
        """Add the tokens the upstream reported to the principal's daily budget."""
        usage = record.get("usage") or {}
        tokens = sum(v for v in usage.values() if isinstance(v, int))
        if self._limiter is None or ctx.principal is None or tokens <= 0:
            return
        principal = str(ctx.principal)
        limit = self._bundle.config.gateway.rate_limits.for_principal(principal)
        try:
            await self._limiter.spend_day(principal, limit, tokens)
        except VallumError as exc:  # the answer is delivered; the next admission re-checks
            log.warning("could not count %d tokens of request %s: %s", tokens, ctx.id, exc)

    async def _remember(self, ctx: RequestContext, store: CheckMarks) -> None:
        """Mark the messages this request checked (its evidence is committed): see `history`."""
        try:
            scope = ctx.marks_scope or ctx.session
            await self._evaluator.run(lambda: store.mark_checked(scope, ctx.marks))
        except VallumError as exc:  # an optimisation: without marks, history is checked again
            log.warning("could not remember checked messages of request %s: %s", ctx.id, exc)

    async def drain(self, timeout: float | None = None) -> bool:
        """Stop taking requests, wait for in-flight ones (streams included), flush evidence."""
        self.draining = True
        limit = self._drain_timeout_s if timeout is None else timeout
        try:
            await asyncio.wait_for(self._idle.wait(), limit)
            drained = True
        except TimeoutError:
            log.warning("drain timed out with %d request(s) in flight", self.inflight)
            drained = False
        await self._evaluator.deferred.idle()
        await self._writer.idle()
        return drained


def pinned(request: Request) -> Any:
    """The gateway (bundle version) serving this request, fixed at its first look: a policy
    change while the request runs does not switch it to another version halfway. Typed as
    `Gateway` by `vallum.gateway.gateway.gateway_of`, which routes use."""
    return request.scope.setdefault("vallum.gateway", request.app.state.gateway)


async def authenticate(request: Request) -> Principal:
    """The principal behind the request's credentials (`AuthenticationError` if none)."""
    auth: Authenticator = pinned(request).auth
    token = auth.credential(request.headers.get("authorization"), request.headers.get("x-api-key"))
    cached = auth.lookup_cached(token)
    if cached is not None:
        return cached
    return await asyncio.to_thread(auth.authenticate, token)


def session_of(principal: Principal, header: str | None, request_id: str) -> str:
    """Sessions are scoped to their principal: another caller cannot add to your session."""
    if header is None:
        return f"{principal}/request-{request_id}"
    if not _SESSION.match(header):
        raise InputError(
            "X-Vallum-Session must be 1-128 characters of letters, digits and . _ : @ -"
        )
    return f"{principal}/{header}"


def endpoint(route: str, style: Style, handler: Handler, *, record: bool = True) -> Endpoint:
    """`handler` inside the lifecycle. `record=False` for routes that take no decision (listing
    models, the approvals API): they are authenticated and answer errors alike, but leave no
    request record."""

    async def serve(request: Request) -> Response:
        lifecycle: RequestLifecycle = pinned(request).lifecycle
        ctx = lifecycle.begin(route) if record else RequestContext(route=route, finished=True)
        try:
            ctx.principal = await authenticate(request)
            response = await handler(request, ctx)
            if isinstance(response, GuardedStream):
                return response  # it finishes the request when the stream ends
        except Exception as exc:
            response = _failure(ctx, style, exc)
        ctx.status = response.status_code
        if record:
            try:
                await lifecycle.finish(ctx)
            except Exception as exc:  # no evidence, no answer: fail closed
                status, body, headers = exception_body(style, exc, ctx.id)
                return FastJSONResponse(body, status, headers)
        response.headers[REQUEST_ID_HEADER] = ctx.id
        return response

    return serve


def _failure(ctx: RequestContext, style: Style, exc: Exception) -> Response:
    status, body, headers = exception_body(style, exc, ctx.id)
    ctx.fail(status, classify(exc).outcome, exc)
    if status >= 500 and status not in (502, 503, 504):
        log.exception("request %s failed", ctx.id)
    return FastJSONResponse(body, status, headers)


class GuardedStream(StreamingResponse):
    """A streaming response that always finishes its request, even if the client hangs up."""

    def __init__(
        self,
        lifecycle: RequestLifecycle,
        ctx: RequestContext,
        body: AsyncGenerator[bytes, None],
        headers: dict[str, str],
    ):
        super().__init__(body, media_type="text/event-stream", headers=headers)
        self._lifecycle, self._ctx, self._body = lifecycle, ctx, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except (ClientDisconnect, OSError):
            self._ctx.outcome = "client_disconnected"
        finally:
            with anyio.CancelScope(shield=True):
                await self._body.aclose()  # runs the pipeline's cleanup if the stream was cut
                try:
                    await self._lifecycle.finish(self._ctx)
                except Exception:
                    log.exception(
                        "evidence for streamed request %s could not be written", self._ctx.id
                    )
