"""The model routes: `POST /v1/chat/completions` (OpenAI), `POST /v1/messages` (Anthropic) and
`GET /v1/models`.

Each model route parses its wire format into the neutral `ChatRequest`, runs the pipeline and
renders the answer back in its format; identity, errors and evidence are the lifecycle's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from vallum.exceptions import AccessDenied, InputError
from vallum.gateway.context import RequestContext
from vallum.gateway.errors import Style, blocked
from vallum.gateway.gateway import Gateway, gateway_of
from vallum.gateway.lifecycle import (
    SESSION_HEADER,
    Endpoint,
    GuardedStream,
    endpoint,
    session_of,
)
from vallum.gateway.pipeline import Call, Renderer
from vallum.gateway.wire import anthropic, openai
from vallum.gateway.wire.chat import ChatRequest, ChatResult
from vallum.gateway.wire.json import FastJSONResponse, read_json
from vallum.model import Decision

CHARS_PER_TOKEN = 4
PROMPT_HEADER = "x-vallum-prompt"
APPROVAL_HEADER = "x-vallum-approval"


@dataclass(frozen=True, slots=True)
class ChatFormat:
    """One wire format: how its requests parse and its answers (whole or streamed) render."""

    style: Style
    parse: Callable[[Any], ChatRequest]
    render: Callable[[ChatResult, dict[str, Any] | None], dict[str, Any]]
    renderer: Callable[[str, str], Renderer]


OPENAI = ChatFormat("openai", openai.parse_request, openai.render_response, openai.StreamRenderer)
ANTHROPIC = ChatFormat(
    "anthropic", anthropic.parse_request, anthropic.render_response, anthropic.StreamRenderer
)


def estimate_tokens(req: ChatRequest) -> int:
    return sum(len(m.text) for m in req.messages) // CHARS_PER_TOKEN + 1


def chat_endpoint(fmt: ChatFormat) -> Endpoint:
    async def serve(request: Request, ctx: RequestContext) -> Response:
        return await _serve(gateway_of(request), fmt, request, ctx)

    return endpoint(f"{fmt.style}.chat", fmt.style, serve)


async def _serve(gw: Gateway, fmt: ChatFormat, request: Request, ctx: RequestContext) -> Response:
    principal = ctx.principal
    assert principal is not None
    session_header = request.headers.get(SESSION_HEADER)
    ctx.session = session_of(principal, session_header, ctx.id)
    ctx.linked = session_header is not None
    limits = gw.bundle.config.gateway.limits
    req = fmt.parse(await read_json(request, limits.max_request_bytes, limits.max_json_depth))
    if len(req.messages) > limits.max_messages:
        raise InputError(f"{len(req.messages)} messages exceed the limit of {limits.max_messages}")
    ctx.model, ctx.stream = req.model, req.stream
    denied = gw.engine.model_access(principal, req.model)
    if denied is not None:
        raise AccessDenied(denied.message)
    limit = gw.bundle.config.gateway.rate_limits.for_principal(str(principal))
    quota = await gw.limiter.admit(str(principal), limit, estimate_tokens(req))
    ctx.upstream = gw.upstreams.for_model(req.model).name
    disclose = gw.bundle.config.gateway.disclose
    call = Call(
        ctx, request.headers.get(PROMPT_HEADER), request.headers.get(APPROVAL_HEADER), disclose
    )
    checked = await gw.pipeline.check_input(call, req)
    if isinstance(checked, Decision):
        ctx.outcome = "input_blocked"
        status, body = blocked(fmt.style, checked, ctx.id, disclose)
        return FastJSONResponse(body, status, quota.headers())
    headers = {"x-vallum-request-id": ctx.id, "x-vallum-session": ctx.session, **quota.headers()}
    if req.stream:
        renderer = fmt.renderer(f"chatcmpl-{ctx.id}", req.model)
        body_stream = gw.pipeline.stream(call, checked, renderer, fmt.style)
        return GuardedStream(gw.lifecycle, ctx, body_stream, headers)
    result, info = await gw.pipeline.complete(call, checked)
    await gw.limiter.spend(str(principal), limit, result.usage.completion_tokens)
    held = [n["hold_id"] for n in info["notices"] if n["status"] == "pending"]
    if held:
        headers["x-vallum-approval-id"] = held[0]
    if result.finish_reason == "content_filter":
        ctx.outcome = "output_blocked"
    return FastJSONResponse(fmt.render(result, info), headers=headers)


chat_completions = chat_endpoint(OPENAI)
messages = chat_endpoint(ANTHROPIC)


async def _list_models(request: Request, ctx: RequestContext) -> Response:
    """The models of the inventory this caller may use."""
    gw: Gateway = gateway_of(request)
    data = [
        {"id": name, "object": "model", "created": 0, "owned_by": entry.provider}
        for name, entry in sorted(gw.bundle.config.models.items())
        if entry.allows(str(ctx.principal))
    ]
    return JSONResponse({"object": "list", "data": data})


list_models = endpoint("openai.models", "openai", _list_models, record=False)
