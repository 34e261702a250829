"""A deterministic, gullible model for demos, tests and benchmarks. Not a model: a mirror.

It reads every non-assistant message (system, user, retrieved documents, tool results) line by
line; the last line of one of these forms decides the answer:

    CALL tool_name {"json": "args"}   it asks for that tool call
    SAY some text                     it answers the text verbatim
    SAY64 c29tZSB0ZXh0                it answers the base64-decoded text

Without such a line it echoes the last user message. Gullible on purpose: whatever an attacker
plants in a document, it obeys, so the gateway's controls have something to stop. `SAY64` lets a
test make it emit content that never appeared in its input, as a model leaking data would.

It speaks OpenAI Chat Completions (`/v1/chat/completions`), the Responses API (`/v1/responses`)
and Anthropic Messages (`/v1/messages`), streaming or not, and answers `/v1/embeddings` (a
deterministic vector per text, from its hash) and `/v1/messages/count_tokens` (characters / 4).
`vallum mock-model --port 8081` serves it alone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from vallum.exceptions import InputError
from vallum.gateway.wire import anthropic as anthropic_format
from vallum.gateway.wire import openai as openai_format
from vallum.gateway.wire import responses as responses_format
from vallum.gateway.wire.chat import ChatRequest, ChatResult, ToolCallOut, Usage

_LINE = re.compile(r"^\s*(CALL|SAY64|SAY)\s+(.*?)\s*$")
_CALL = re.compile(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", re.DOTALL)
_WORDS = re.compile(r"\S+\s*|\s+")
MOCK_MODELS = ("mock-model",)


def reply(request: ChatRequest) -> ChatResult:
    """The mock's answer to a request: a function of the messages alone."""
    decided: tuple[str, str] | None = None
    last_user = ""
    for message in request.messages:
        if message.role == "assistant":
            continue
        if message.role == "user" and message.source is None:
            last_user = message.text
        for line in message.text.splitlines():
            match = _LINE.match(line)
            if match:
                decided = (match.group(1), match.group(2))
    digest = hashlib.sha256(json.dumps([m.text for m in request.messages]).encode()).hexdigest()[
        :24
    ]
    prompt_tokens = sum(len(m.text) for m in request.messages) // 4 + 1
    if decided is not None and decided[0] == "CALL":
        call = _CALL.match(decided[1])
        if call:
            args = call.group(2).strip() or "{}"
            tool = ToolCallOut(f"call_{digest[:16]}", call.group(1), args)
            usage = Usage(prompt_tokens, len(args) // 4 + 1)
            return ChatResult(f"chatcmpl-{digest}", request.model, "", (tool,), "tool_calls", usage)
    text = last_user
    if decided is not None and decided[0] == "SAY":
        text = decided[1]
    elif decided is not None and decided[0] == "SAY64":
        try:
            text = base64.b64decode(decided[1], validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            text = "(SAY64 needs valid base64)"
    return ChatResult(
        f"chatcmpl-{digest}",
        request.model,
        text,
        (),
        "stop",
        Usage(prompt_tokens, len(text) // 4 + 1),
    )


def words(text: str) -> list[str]:
    """Stream pieces: each word with the whitespace after it."""
    return _WORDS.findall(text) or [""]


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise InputError("request body is not valid JSON") from None


async def _openai(request: Request) -> Response:
    try:
        chat = openai_format.parse_request(await _body(request))
    except InputError as exc:
        return JSONResponse({"error": {"message": str(exc), "type": "invalid_request_error"}}, 400)
    result = reply(chat)
    if not chat.stream:
        return JSONResponse(openai_format.render_response(result, None))
    include_usage = bool(((chat.raw or {}).get("stream_options") or {}).get("include_usage"))

    async def chunks() -> AsyncIterator[bytes]:
        renderer = openai_format.StreamRenderer(result.id, result.model)
        yield renderer.start()
        for piece in words(result.text) if result.text else []:
            yield renderer.text(piece)
        for call in result.tool_calls:
            half = len(call.arguments) // 2  # arguments in two pieces, as real servers split them
            yield openai_format.encode_tool_delta(
                result.id, result.model, 0, call, call.arguments[:half], True
            )
            yield openai_format.encode_tool_delta(
                result.id, result.model, 0, call, call.arguments[half:], False
            )
        yield renderer.end(result.finish_reason, result.usage if include_usage else None, None)

    return StreamingResponse(chunks(), media_type="text/event-stream")


async def _anthropic(request: Request) -> Response:
    try:
        chat = anthropic_format.parse_request(await _body(request))
    except InputError as exc:
        return JSONResponse(
            {"type": "error", "error": {"type": "invalid_request_error", "message": str(exc)}}, 400
        )
    result = reply(chat)
    if not chat.stream:
        return JSONResponse(anthropic_format.render_response(result, None))

    async def events() -> AsyncIterator[bytes]:
        renderer = anthropic_format.StreamRenderer(result.id, result.model)
        yield renderer.start()
        for piece in words(result.text) if result.text else []:
            yield renderer.text(piece)
        for call in result.tool_calls:
            yield renderer.tool_call(call)
        yield renderer.end(result.finish_reason, result.usage, None)

    return StreamingResponse(events(), media_type="text/event-stream")


async def _responses(request: Request) -> Response:
    try:
        chat = responses_format.parse_request(await _body(request))
    except InputError as exc:
        return JSONResponse({"error": {"message": str(exc), "type": "invalid_request_error"}}, 400)
    result = reply(chat)
    if not chat.stream:
        return JSONResponse(responses_format.render_response(result, None))

    async def events() -> AsyncIterator[bytes]:
        renderer = responses_format.StreamRenderer(result.id, result.model)
        yield renderer.start()
        for piece in words(result.text) if result.text else []:
            yield renderer.text(piece)
        for call in result.tool_calls:
            yield renderer.tool_call(call)
        yield renderer.end(result.finish_reason, result.usage, None)

    return StreamingResponse(events(), media_type="text/event-stream")


EMBEDDING_DIMENSIONS = 8


def embed(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """A deterministic unit-free vector for `text`: the same text, the same vector."""
    digest = hashlib.sha256(text.encode()).digest()
    return [round(b / 255, 6) for b in (digest * (dimensions // 32 + 1))[:dimensions]]


async def _embeddings(request: Request) -> Response:
    body = await _body(request)
    raw = body.get("input") if isinstance(body, dict) else None
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        message = "`input` must be a string or an array of strings"
        return JSONResponse({"error": {"message": message, "type": "invalid_request_error"}}, 400)
    dims = body.get("dimensions") if isinstance(body.get("dimensions"), int) else None
    data = [
        {"object": "embedding", "index": i, "embedding": embed(t, dims or EMBEDDING_DIMENSIONS)}
        for i, t in enumerate(texts)
    ]
    tokens = sum(len(t) for t in texts) // 4 + 1
    return JSONResponse({"object": "list", "data": data, "model": body.get("model"),
                         "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})  # fmt: skip


async def _count_tokens(request: Request) -> Response:
    body = await _body(request)
    try:
        chat = anthropic_format.parse_request({"max_tokens": 1, **body})
    except (InputError, TypeError) as exc:
        return JSONResponse(
            {"type": "error", "error": {"type": "invalid_request_error", "message": str(exc)}}, 400
        )
    return JSONResponse({"input_tokens": sum(len(m.text) for m in chat.messages) // 4 + 1})


async def _models(request: Request) -> Response:
    data = [{"id": m, "object": "model", "created": 0, "owned_by": "vallum"} for m in MOCK_MODELS]
    return JSONResponse({"object": "list", "data": data})


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_mock_app() -> Starlette:
    """The mock model as an ASGI app (any model name is accepted)."""
    return Starlette(
        routes=[
            Route("/v1/chat/completions", _openai, methods=["POST"]),
            Route("/v1/messages", _anthropic, methods=["POST"]),
            Route("/v1/responses", _responses, methods=["POST"]),
            Route("/v1/embeddings", _embeddings, methods=["POST"]),
            Route("/v1/messages/count_tokens", _count_tokens, methods=["POST"]),
            Route("/v1/models", _models, methods=["GET"]),
            Route("/healthz", _health, methods=["GET"]),
        ]
    )
