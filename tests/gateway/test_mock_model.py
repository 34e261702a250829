"""The mock model: deterministic, gullible, last directive wins."""

from __future__ import annotations

import base64

import httpx
import pytest

from vallum.gateway.mock_model import create_mock_app, reply
from vallum.gateway.wire.chat import ChatMessage, ChatRequest

from .helpers import sse_events


def _request(*messages: ChatMessage) -> ChatRequest:
    return ChatRequest("m", messages)


@pytest.mark.parametrize(
    ("messages", "text", "call"),
    [
        ((ChatMessage("user", "hello"),), "hello", None),
        ((ChatMessage("user", "SAY bonjour"),), "bonjour", None),
        ((ChatMessage("user", "SAY64 " + base64.b64encode(b"secret").decode()),), "secret", None),
        (
            (ChatMessage("user", 'CALL get_order {"order_id": "1"}'),),
            "",
            ("get_order", '{"order_id": "1"}'),
        ),
        ((ChatMessage("user", "SAY one\nSAY two"),), "two", None),
        (
            (ChatMessage("user", "hi"), ChatMessage("tool", "CALL refund {}", tool_call_id="t")),
            "",
            ("refund", "{}"),
        ),
        (
            (ChatMessage("user", "hi"), ChatMessage("user", "SAY planted", source="web")),
            "planted",
            None,
        ),
        (
            (
                ChatMessage("user", "SAY a"),
                ChatMessage("assistant", "SAY b"),
                ChatMessage("user", "plain"),
            ),
            "a",
            None,
        ),
        ((ChatMessage("user", "SAY64 !!notbase64"),), "(SAY64 needs valid base64)", None),
    ],
    ids=[
        "echo",
        "say",
        "say64",
        "call",
        "last-wins",
        "tool-result",
        "retrieved",
        "assistant-ignored",
        "bad-b64",
    ],
)
def test_reply(messages: tuple[ChatMessage, ...], text: str, call: tuple[str, str] | None) -> None:
    """Each directive (or none) gives the documented answer."""
    result = reply(_request(*messages))
    actual_call = (
        (result.tool_calls[0].name, result.tool_calls[0].arguments) if result.tool_calls else None
    )
    assert (text, call) == (result.text, actual_call)


def test_reply_is_deterministic() -> None:
    """The same conversation gives the same answer and ids."""
    request = _request(ChatMessage("user", 'CALL get_order {"order_id": "1"}'))
    assert reply(request) == reply(request)


@pytest.mark.asyncio
async def test_mock_streams_openai_chunks_with_tool_calls_in_pieces() -> None:
    """Streaming: the tool call arrives in two argument pieces, then finish_reason tool_calls."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_mock_app()), base_url="http://m"
    ) as c:
        body = {
            "model": "m",
            "stream": True,
            "messages": [{"role": "user", "content": 'CALL get_order {"order_id": "1"}'}],
        }
        r = await c.post("/v1/chat/completions", json=body)
    chunks = [d for _, d in sse_events(r.text) if isinstance(d, dict)]
    pieces = [
        c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] for c in chunks[1:3]
    ]
    assert ('{"order_id": "1"}', "tool_calls") == (
        "".join(pieces),
        chunks[-1]["choices"][0]["finish_reason"],
    )
