"""What every model route does around the pipeline: identity, size and rate limits, parsing,
the error format, and making sure the request's evidence is written however it ends."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncGenerator, Callable
from typing import Any

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from vallum.exceptions import InputError, RequestTooLarge
from vallum.gateway import pipeline
from vallum.gateway.chat import ChatRequest, ChatResult
from vallum.gateway.context import RequestContext
from vallum.gateway.errors import Style, blocked, classify, exception_body
from vallum.gateway.gateway import Gateway
from vallum.gateway.responses import FastJSONResponse
from vallum.model import Decision, Principal

log = logging.getLogger("vallum.gateway")
SESSION_HEADER = "x-vallum-session"
_SESSION = re.compile(r"^[A-Za-z0-9._:@\-]{1,128}$")
CHARS_PER_TOKEN = 4


async def authenticate(gw: Gateway, request: Request) -> Principal:
    token = gw.auth.credential(
        request.headers.get("authorization"), request.headers.get("x-api-key")
    )
    cached = gw.auth.lookup_cached(token)
    return cached if cached is not None else await asyncio.to_thread(gw.auth.authenticate, token)


def session_of(principal: Principal, header: str | None, request_id: str) -> str:
    """Sessions are scoped to their principal: another caller cannot add to your session."""
    if header is None:
        return f"{principal}/request-{request_id}"
    if not _SESSION.match(header):
        raise InputError(
            "X-Vallum-Session must be 1-128 characters of letters, digits and . _ : @ -"
        )
    return f"{principal}/{header}"


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON, refused with `RequestTooLarge` as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(f"request body of {declared} bytes exceeds the limit of {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        body = json.loads(raw, parse_constant=_not_json)
    except ValueError as exc:
        raise InputError(f"request body is not valid JSON: {exc}") from None
    if not may_hold_surrogates(raw):
        return body
    try:  # lone surrogates cannot be stored in any evidence record
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise InputError(
            f"request body holds invalid Unicode (a lone surrogate at {exc.start})"
        ) from None
    return body


def _not_json(token: str) -> Any:
    """`NaN`, `Infinity` and `-Infinity` are Python's extensions, not JSON."""
    raise ValueError(f"{token} is not a JSON number")


def may_hold_surrogates(raw: bytes) -> bool:
    """Whether `json.loads(raw)` can produce a lone surrogate: only from a `\\u` escape, from
    UTF-8 bytes that begin with 0xED (which `json.loads` decodes with `surrogatepass`), or from
    text in UTF-16 or UTF-32. Other bodies skip the check (it costs a second encoding)."""
    return b"\\u" in raw or b"\xed" in raw or json.detect_encoding(raw) != "utf-8"


def estimate_tokens(req: ChatRequest) -> int:
    return sum(len(m.text) for m in req.messages) // CHARS_PER_TOKEN + 1


class GuardedStream(StreamingResponse):
    """A streaming response that always finishes its request, even if the client hangs up."""

    def __init__(
        self,
        gw: Gateway,
        ctx: RequestContext,
        body: AsyncGenerator[bytes, None],
        headers: dict[str, str],
    ):
        super().__init__(body, media_type="text/event-stream", headers=headers)
        self._gw, self._ctx, self._body = gw, ctx, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except (ClientDisconnect, OSError):
            self._ctx.outcome = "client_disconnected"
        finally:
            with anyio.CancelScope(shield=True):
                await self._body.aclose()  # runs the pipeline's cleanup if the stream was cut
                try:
                    await self._gw.finish(self._ctx)
                except Exception:
                    log.exception(
                        "evidence for streamed request %s could not be written", self._ctx.id
                    )


Parse = Callable[[Any], ChatRequest]
Render = Callable[[ChatResult, dict[str, Any] | None], dict[str, Any]]
MakeRenderer = Callable[[str, str], pipeline.Renderer]


async def serve_chat(
    request: Request, style: Style, parse: Parse, render: Render, renderer: MakeRenderer
) -> Response:
    gw: Gateway = request.app.state.gateway
    ctx = gw.begin(f"{style}.chat")
    try:
        response = await _serve(gw, ctx, request, style, parse, render, renderer)
        if isinstance(response, GuardedStream):
            return response  # it finishes the request when the stream ends
    except Exception as exc:
        status, body, headers = exception_body(style, exc, ctx.id)
        ctx.fail(status, classify(exc).outcome, exc)
        if status >= 500 and status not in (502, 503, 504):
            log.exception("request %s failed", ctx.id)
        response = FastJSONResponse(body, status, headers)
    ctx.status = response.status_code
    try:
        await gw.finish(ctx)
    except Exception as exc:  # no evidence, no answer: fail closed
        status, body, headers = exception_body(style, exc, ctx.id)
        return FastJSONResponse(body, status, headers)
    response.headers["x-vallum-request-id"] = ctx.id
    return response


async def _serve(
    gw: Gateway, ctx: RequestContext, request: Request, style: Style, parse: Parse, render: Render,
    renderer: MakeRenderer,
) -> Response:  # fmt: skip
    principal = await authenticate(gw, request)
    ctx.principal = principal
    session_header = request.headers.get(SESSION_HEADER)
    ctx.session = session_of(principal, session_header, ctx.id)
    ctx.linked = session_header is not None
    limits = gw.config.limits
    req = parse(await read_json(request, limits.max_request_bytes))
    if len(req.messages) > limits.max_messages:
        raise InputError(f"{len(req.messages)} messages exceed the limit of {limits.max_messages}")
    ctx.model, ctx.stream = req.model, req.stream
    gw.check_model(principal, req.model)
    limit = gw.config.rate_limits.for_principal(str(principal))
    await gw.limiter.admit(str(principal), limit, estimate_tokens(req))
    ctx.upstream = gw.upstream_for(req.model).name
    call = pipeline.Call(
        ctx, request.headers.get("x-vallum-prompt"), request.headers.get("x-vallum-approval")
    )
    checked = await pipeline.check_input(gw, call, req)
    if isinstance(checked, Decision):
        ctx.outcome = "input_blocked"
        status, body = blocked(style, checked, ctx.id)
        return FastJSONResponse(body, status)
    headers = {"x-vallum-request-id": ctx.id, "x-vallum-session": ctx.session}
    if req.stream:
        body_stream = pipeline.stream(
            gw, call, checked, renderer(f"chatcmpl-{ctx.id}", req.model), style
        )
        return GuardedStream(gw, ctx, body_stream, headers)
    result, info = await pipeline.complete(gw, call, checked)
    await gw.limiter.spend(str(principal), limit, result.usage.completion_tokens)
    held = [n["hold_id"] for n in info["notices"] if n["status"] == "pending"]
    if held:
        headers["x-vallum-approval-id"] = held[0]
    if result.finish_reason == "content_filter":
        ctx.outcome = "output_blocked"
    return FastJSONResponse(render(result, info), headers=headers)
