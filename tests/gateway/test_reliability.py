"""Failure paths: upstream timeouts, 5xx, malformed answers, broken streams, disconnects, bad
requests. None is a 500, and each leaves exactly one request record."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vallum.gateway.mock_model import create_mock_app

from .helpers import anthropic, chat, sse_events, streamed_text, tune_bundle

pytestmark = pytest.mark.asyncio


def upstream(handler: Any) -> httpx.MockTransport:
    return httpx.MockTransport(handler)


def raising(exc: Exception) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return upstream(handler)


def one_request(s: Any) -> dict[str, Any]:
    requests = s.requests()
    assert 1 == len(requests)
    return requests[0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("transport", "status", "outcome"),
    [
        (raising(httpx.ReadTimeout("slow")), 504, "upstream_timeout"),
        (raising(httpx.ConnectError("refused")), 502, "upstream_error"),
        (
            upstream(lambda r: httpx.Response(503, json={"error": {"message": "overloaded"}})),
            502,
            "upstream_error",
        ),
        (upstream(lambda r: httpx.Response(200, content=b"{not json")), 502, "upstream_error"),
        (
            upstream(lambda r: httpx.Response(200, json={"object": "nonsense"})),
            502,
            "upstream_error",
        ),
        (
            upstream(
                lambda r: httpx.Response(400, json={"error": {"message": "context too long"}})
            ),
            400,
            "upstream_rejected",
        ),
        (
            upstream(lambda r: httpx.Response(401, json={"error": {"message": "bad key"}})),
            502,
            "upstream_rejected",
        ),
    ],
    ids=[
        "timeout",
        "connect",
        "5xx",
        "malformed-json",
        "not-a-completion",
        "upstream-400",
        "upstream-401",
    ],
)
async def test_upstream_failure_is_typed_and_recorded(
    serve: Any, transport: httpx.MockTransport, status: int, outcome: str
) -> None:
    """Each upstream failure maps to its status in OpenAI's error format, with one request record."""
    s = await serve(transport=transport)
    r = await s.client.post("/v1/chat/completions", json=chat("hello"), headers=s.headers())
    record = one_request(s)
    assert (status, outcome) == (r.status_code, record["outcome"])
    assert "error" in r.json()


async def _sse(chunks: list[bytes], then: Exception | None) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
    if then is not None:
        raise then


def _chunk(text: str) -> bytes:
    body = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}  # fmt: skip
    return f"data: {json.dumps(body)}\n\n".encode()


@pytest.mark.parametrize(
    "then",
    [httpx.RemoteProtocolError("peer closed"), None],
    ids=["connection-dropped", "ended-early"],
)
@pytest.mark.parametrize("route", ["openai", "anthropic"])
async def test_upstream_closing_mid_stream_ends_with_an_error_event(
    serve: Any, route: str, then: Any
) -> None:
    """An upstream that breaks off mid-stream yields a well-formed final error event and a record."""

    def handler(request: httpx.Request) -> httpx.Response:
        stream = _sse([_chunk("Hello "), _chunk("there")], then)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=stream)

    s = await serve(transport=upstream(handler))
    path, body = ("/v1/chat/completions", chat("hi", stream=True)) if route == "openai" else (
        "/v1/messages", anthropic("hi", stream=True))  # fmt: skip
    r = await s.client.post(path, json=body, headers=s.headers())
    events = [data for _, data in sse_events(r.text) if isinstance(data, dict)]
    record = one_request(s)
    assert ("upstream_error", "error") == (record["outcome"], record["delivered"]["ended_by"])
    assert "error" in events[-1]
    assert 200 == r.status_code


async def test_anthropic_upstream_timeout_mid_stream(serve: Any, bundle_copy: Path) -> None:
    """An Anthropic upstream that stalls mid-stream becomes an error event and a timeout record."""
    tune_bundle(bundle_copy, upstreams={"claude": {"kind": "anthropic", "base_url": "http://anthropic.test"}},
                default_upstream="claude")  # fmt: skip
    start = b'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3}}}\n\n'

    def handler(request: httpx.Request) -> httpx.Response:
        assert "/v1/messages" == request.url.path
        stream = _sse([start], httpx.ReadTimeout("stalled"))
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=stream)

    s = await serve(bundle=bundle_copy, transport=upstream(handler), upstream_url=None)
    r = await s.client.post(
        "/v1/chat/completions", json=chat("hi", stream=True), headers=s.headers()
    )
    assert "upstream_timeout" == one_request(s)["outcome"]
    assert "upstream_timeout" == sse_events(r.text)[-2][1]["error"]["code"]


async def test_anthropic_upstream_answer_is_translated(serve: Any, bundle_copy: Path) -> None:
    """An OpenAI client served by an Anthropic upstream gets an OpenAI answer, scanned."""
    tune_bundle(bundle_copy, upstreams={"claude": {"kind": "anthropic", "base_url": "http://anthropic.test"}},
                default_upstream="claude")  # fmt: skip
    answer = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
              "content": [{"type": "text", "text": "Mail jane.doe@gmail.com"}], "stop_reason": "end_turn",
              "usage": {"input_tokens": 3, "output_tokens": 4}}  # fmt: skip
    s = await serve(bundle=bundle_copy, transport=upstream(lambda r: httpx.Response(200, json=answer)),
                    upstream_url=None)  # fmt: skip
    r = await s.client.post("/v1/chat/completions", json=chat("hi"), headers=s.headers())
    assert "Mail [REDACTED:pii.email]" == r.json()["choices"][0]["message"]["content"]


async def test_upstream_key_is_never_logged(
    serve: Any, bundle_copy: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The upstream API key reaches the upstream's header and appears in no error, record or log."""
    secret = "sk-test-DO-NOT-LOG-1234567890"
    monkeypatch.setenv("TEST_UPSTREAM_KEY", secret)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(500, text="boom")

    caplog.set_level(logging.DEBUG)
    s = await serve(transport=upstream(handler), upstream_key_env="TEST_UPSTREAM_KEY")
    r = await s.client.post("/v1/chat/completions", json=chat("hi"), headers=s.headers())
    assert [f"Bearer {secret}"] == seen
    assert secret not in r.text + json.dumps(s.records()) + caplog.text + repr(
        s.gw.upstreams.for_model("gpt-4o-mini")
    )


async def test_client_disconnect_mid_stream_is_recorded(
    serve: Any, small_window_bundle: Path
) -> None:
    """A client that hangs up mid-stream still leaves its request record, saying so."""
    s = await serve(bundle=small_window_bundle)
    app = s.client._transport.app  # type: ignore[attr-defined]
    text = (
        "SAY "
        + "Thanks for waiting, your order is on its way and should arrive within a few days. " * 3
    )
    body = json.dumps(chat(text, stream=True)).encode()
    sent: list[dict[str, Any]] = []
    first_chunk = asyncio.Event()
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await first_chunk.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and b"Thanks" in message.get("body", b""):
            first_chunk.set()
            for _ in range(10):  # let the disconnect listener run before the stream ends
                await asyncio.sleep(0)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions", "query_string": b"",
             "root_path": "", "server": ("gateway.test", 80), "client": ("127.0.0.1", 1),
             "headers": [(b"authorization", f"Bearer {s.agent_key}".encode()), (b"content-type", b"application/json")]}  # fmt: skip
    await app(scope, receive, send)
    record = one_request(s)
    assert ("client_disconnected", False) == (record["outcome"], record["delivered"]["complete"])
    assert ["input", "output", "request"] == [r["stage"] for r in s.records()]


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"{not json", 400, "invalid_request"),
        (b"[]", 400, "invalid_request"),
        (b'{"model": "gpt-4o-mini", "messages": "hi"}', 400, "invalid_request"),
        (
            b'{"model": "gpt-4o-mini", "messages": [{"role": "wizard", "content": "x"}]}',
            400,
            "invalid_request",
        ),
        (
            b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": 5}]}',
            400,
            "invalid_request",
        ),
        (b'\xff\xfe{"model": 1}', 400, "invalid_request"),
        (
            b'{"model": "gpt-4o-mini", "messages": [{"role": "assistant", "tool_calls": true}]}',
            400,
            "invalid_request",
        ),
    ],
    ids=[
        "bad-json",
        "not-object",
        "messages-not-array",
        "bad-role",
        "bad-content",
        "bad-utf8",
        "tool-calls-not-array",
    ],
)
async def test_malformed_requests_are_400(
    serve: Any, content: bytes, status: int, code: str
) -> None:
    """Malformed requests get a 400 naming the problem, and a request record."""
    s = await serve()
    r = await s.client.post("/v1/chat/completions", content=content, headers=s.headers())
    assert (status, code) == (r.status_code, r.json()["error"]["code"])
    assert "invalid_request" == one_request(s)["outcome"]


@pytest.mark.parametrize(
    "message",
    [
        {"role": "user", "content": "hi", "vallum_source": 5},
        {"role": "user", "content": [{"type": "document", "source": [1]}]},
        {"role": "user", "content": [{"type": "document", "source": "text"}]},
    ],
    ids=["source-not-string", "document-source-list", "document-source-string"],
)
async def test_malformed_anthropic_requests_are_400(serve: Any, message: dict[str, Any]) -> None:
    """Found by the schema fuzzer's kind of input: a 400 naming the field, never a 500."""
    s = await serve()
    body = {"model": "gpt-4o-mini", "max_tokens": 10, "messages": [message]}
    r = await s.client.post("/v1/messages", json=body, headers=s.headers())
    assert 400 == r.status_code
    assert "invalid_request" == one_request(s)["outcome"]


async def test_oversized_request_is_413(serve: Any, bundle_copy: Path) -> None:
    """A body over the configured limit is refused with 413 before it is parsed."""
    s = await serve(bundle=tune_bundle(bundle_copy, limits={"max_request_bytes": 1000}))
    r = await s.client.post("/v1/chat/completions", json=chat("x" * 2000), headers=s.headers())
    assert (413, "request_too_large") == (r.status_code, r.json()["error"]["code"])
    assert "too_large" == one_request(s)["outcome"]


async def test_in_process_mock_and_standalone_mock_agree(serve: Any) -> None:
    """The gateway in front of the standalone mock app answers like --mock does."""
    s = await serve(transport=httpx.ASGITransport(app=create_mock_app()))
    r = await s.client.post(
        "/v1/chat/completions", json=chat("SAY hello", stream=True), headers=s.headers()
    )
    assert "hello" == streamed_text("openai", r.text)


async def test_drain_waits_for_in_flight_requests_and_flushes_them(serve: Any) -> None:
    """Shutdown drains: it returns only after in-flight requests finished and their evidence is written."""
    s = await serve()
    ctx = s.gw.lifecycle.begin("openai.chat")
    draining = asyncio.create_task(s.gw.lifecycle.drain(timeout=30))
    for _ in range(5):
        await asyncio.sleep(0)
    waited = not draining.done()
    await s.gw.lifecycle.finish(ctx)
    assert (True, True, 1) == (waited, await draining, len(s.requests()))
