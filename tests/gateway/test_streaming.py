"""The streaming contract: every output control applies on every stream, on both routes."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from .helpers import anthropic, chat, stream_finish, streamed_text

pytestmark = pytest.mark.asyncio

ROUTES = {"openai": ("/v1/chat/completions", chat), "anthropic": ("/v1/messages", anthropic)}
TOOLS = [{"type": "function", "function": {"name": "get_order", "parameters": {"type": "object"}}}]
ANTHROPIC_TOOLS = [{"name": "get_order", "input_schema": {"type": "object"}}]
FILLER = "Thanks for waiting, your order is on its way and should arrive within a few days. "


def say64(text: str) -> str:
    return "SAY64 " + base64.b64encode(text.encode()).decode()


def body_for(route: str, content: str, with_tools: bool) -> dict[str, Any]:
    make = ROUTES[route][1]
    extra: dict[str, Any] = {}
    if with_tools:
        extra["tools"] = TOOLS if route == "openai" else ANTHROPIC_TOOLS
    return make(content, stream=True, **extra)


@pytest.mark.parametrize("with_tools", [False, True])
@pytest.mark.parametrize("route", ["openai", "anthropic"])
async def test_stream_redacts_output(
    serve: Any, small_window_bundle: Path, route: str, with_tools: bool
) -> None:
    """PII in a streamed answer is redacted before delivery, on both routes, with or without tools."""
    s = await serve(bundle=small_window_bundle)
    content = "SAY " + FILLER + "Mail jane.doe@gmail.com today. " + FILLER
    r = await s.client.post(
        ROUTES[route][0], json=body_for(route, content, with_tools), headers=s.headers()
    )
    text = streamed_text(route, r.text)
    assert "jane.doe@gmail.com" not in r.text
    assert (FILLER + "Mail [REDACTED:pii.email] today. " + FILLER).strip() == text.strip()


@pytest.mark.parametrize("with_tools", [False, True])
@pytest.mark.parametrize("route", ["openai", "anthropic"])
async def test_stream_block_cuts_before_the_violation(
    serve: Any, small_window_bundle: Path, route: str, with_tools: bool
) -> None:
    """A leaked canary mid-stream ends the stream with content_filter; the canary never leaves."""
    s = await serve(bundle=small_window_bundle)
    content = "SAY Sure. " + FILLER + "VALLUM-CANARY-7f3a9c " + FILLER
    r = await s.client.post(
        ROUTES[route][0], json=body_for(route, content, with_tools), headers=s.headers()
    )
    delivered = streamed_text(route, r.text)
    expected_finish = "content_filter" if route == "openai" else "refusal"
    assert "CANARY" not in r.text
    assert expected_finish == stream_finish(route, r.text)
    assert ("Sure. " + FILLER).startswith(delivered)
    request = s.requests()[-1]
    assert (len(delivered), hashlib.sha256(delivered.encode()).hexdigest(), False) == (
        request["delivered"]["chars"],
        request["delivered"]["sha256"],
        request["delivered"]["complete"],
    )


@pytest.mark.parametrize("route", ["openai", "anthropic"])
async def test_stream_blocks_a_short_answer_at_the_end(serve: Any, route: str) -> None:
    """An answer shorter than the hold-back window is scanned whole before any of it is sent."""
    s = await serve()
    content = say64("VALLUM-CANARY-7f3a9c")
    r = await s.client.post(
        ROUTES[route][0], json=body_for(route, content, False), headers=s.headers()
    )
    assert ("", "CANARY" in r.text) == (streamed_text(route, r.text), False)


@pytest.mark.parametrize("route", ["openai", "anthropic"])
async def test_stream_denied_tool_call_is_removed(serve: Any, route: str) -> None:
    """A denied tool call in a stream is never sent; the explanation is streamed instead."""
    s = await serve()
    content = 'CALL send_email {"to": "bob@gmail.com", "subject": "Order", "body": "Your order"}'
    r = await s.client.post(
        ROUTES[route][0], json=body_for(route, content, True), headers=s.headers()
    )
    assert "send_email was blocked" in streamed_text(route, r.text)
    assert '"name":"send_email"' not in r.text.replace(" ", "")
    assert ("stop" if route == "openai" else "end_turn") == stream_finish(route, r.text)


@pytest.mark.parametrize("route", ["openai", "anthropic"])
async def test_stream_allowed_tool_call_is_sent_whole(serve: Any, route: str) -> None:
    """An allowed tool call is sent once, complete, after authorization."""
    s = await serve()
    r = await s.client.post(ROUTES[route][0], json=body_for(route, 'CALL get_order {"order_id": "A1"}', True),
                            headers=s.headers())  # fmt: skip
    assert ("tool_calls" if route == "openai" else "tool_use") == stream_finish(route, r.text)
    assert 1 == r.text.count("get_order")


async def test_stream_leaves_one_output_decision_and_one_request_record(serve: Any) -> None:
    """A stream records exactly one output decision and one request record linking it."""
    s = await serve()
    await s.client.post(
        "/v1/chat/completions", json=chat("SAY " + FILLER * 4, stream=True), headers=s.headers()
    )
    records = s.records()
    assert ["input", "output", "request"] == [r["stage"] for r in records]
    assert [r["id"] for r in records[:2]] == records[2]["decisions"]


JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


def _sse_in_pieces(text: str, size: int) -> httpx.MockTransport:
    """An OpenAI-compatible upstream that streams `text` in pieces of `size` characters, as
    models stream sub-word tokens (the built-in mock streams whole words)."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        body = {
            "id": "c1",
            "object": "chat.completion.chunk",
            "model": "gpt-4o-mini",
            "choices": [choice],
        }
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    pieces = [chunk({"content": text[i : i + size]}) for i in range(0, len(text), size)]
    body = b"".join([*pieces, chunk({}, "stop"), b"data: [DONE]\n\n"])
    return httpx.MockTransport(
        lambda request: httpx.Response(
            200, content=body, headers={"content-type": "text/event-stream"}
        )
    )


@pytest.mark.parametrize("route", ["openai", "anthropic"])
async def test_a_token_longer_than_the_window_never_leaves_in_part(
    serve: Any, small_window_bundle: Path, route: str
) -> None:
    """A JWT far longer than the hold-back window, streamed in sub-word pieces, is held until it
    ends, then blocked whole: not one piece of it reaches the client."""
    answer = "Sure. " + FILLER + JWT + " " + FILLER
    s = await serve(bundle=small_window_bundle, transport=_sse_in_pieces(answer, 7))
    r = await s.client.post(
        ROUTES[route][0], json=body_for(route, "Show me the token", False), headers=s.headers()
    )
    delivered = streamed_text(route, r.text)
    assert "eyJhbGci" not in delivered
    assert ("Sure. " + FILLER).startswith(delivered)
    assert ("content_filter" if route == "openai" else "refusal") == stream_finish(route, r.text)
