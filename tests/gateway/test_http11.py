"""The lean upstream client against real sockets: keep-alive, single write, every failure typed."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from vallum.bundle.gateway import UpstreamConfig
from vallum.exceptions import UpstreamError, UpstreamRejected, UpstreamTimeout
from vallum.gateway.http11 import Http11Client, HttpFailure, HttpTimeout, usable_for
from vallum.gateway.upstream import HttpUpstream
from vallum.gateway.wire.chat import ChatMessage, ChatRequest

from .helpers import chat

pytestmark = pytest.mark.asyncio
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
COMPLETION = {
    "id": "c1",
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1},
}  # fmt: skip


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """One request's head and body, or None at EOF."""
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    if not head:
        return None
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return head, await reader.readexactly(length)


def answer(status: int, body: bytes, *extra: bytes) -> bytes:
    headers = b"".join(h + b"\r\n" for h in extra)
    return b"HTTP/1.1 %d X\r\ncontent-length: %d\r\n%s\r\n%s" % (status, len(body), headers, body)


@asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[str]:
    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(guarded, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.close()


def ok_server(connections: list[int], requests: list[bytes]) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while (got := await read_request(reader)) is not None:
            requests.append(got[0] + got[1])
            writer.write(answer(200, json.dumps(COMPLETION).encode()))
            await writer.drain()

    return handle


def client(base: str, *, read: float = 5.0, total: float = 10.0) -> Http11Client:
    return Http11Client(base, connect=2.0, read=read, total=total)


async def test_keeps_the_connection_alive_and_sends_one_request_per_call() -> None:
    """Three calls reuse one connection; each request carries host, length and the headers."""
    connections: list[int] = []
    requests: list[bytes] = []
    async with server(ok_server(connections, requests)) as base:
        c = client(base)
        for _ in range(3):
            response = await c.post(
                "/v1/chat/completions", b'{"a":1}', {"authorization": "Bearer k"}
            )
            assert (200, COMPLETION) == (response.status, json.loads(response.body))
        await c.aclose()
    assert 1 == len(connections)
    assert 3 == len(requests)
    assert requests[0].startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
    assert b"authorization: Bearer k\r\n" in requests[0]
    assert requests[0].endswith(b'content-length: 7\r\nauthorization: Bearer k\r\n\r\n{"a":1}')


async def test_concurrent_calls_use_separate_connections() -> None:
    """Calls in flight together each get a connection; answers do not cross."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while (got := await read_request(reader)) is not None:
            await asyncio.sleep(0.01)
            writer.write(answer(200, got[1]))  # echo

    async with server(handle) as base:
        c = client(base)
        bodies = [b'{"n":%d}' % i for i in range(8)]
        answers = await asyncio.gather(*(c.post("/x", b, {}) for b in bodies))
        await c.aclose()
    assert bodies == [a.body for a in answers]
    assert 8 == len(connections)


async def test_chunked_and_gzip_answers_are_decoded() -> None:
    """A chunked, gzip-encoded answer arrives as the plain body."""
    payload = gzip.compress(b'{"ok":true}')

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (payload[:5], payload[5:]))
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-encoding: gzip\r\n\r\n"
                     + chunks + b"0\r\n\r\n")  # fmt: skip

    async with server(handle) as base:
        response = await client(base).post("/x", b"{}", {})
    assert b'{"ok":true}' == response.body


async def test_a_silent_upstream_is_a_read_timeout() -> None:
    """No byte within `read` seconds: HttpTimeout, and the connection is dropped."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    async with server(handle) as base:
        with pytest.raises(HttpTimeout, match="ReadTimeout"):
            await client(base, read=0.1).post("/x", b"{}", {})


async def test_a_trickling_upstream_hits_the_total_timeout() -> None:
    """Bytes that keep coming, each within `read`, still end at `total`."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
        for _ in range(100):
            writer.write(b"x")
            await asyncio.sleep(0.05)

    async with server(handle) as base:
        with pytest.raises(HttpTimeout, match="TotalTimeout"):
            await client(base, read=0.5, total=0.3).post("/x", b"{}", {})


async def test_refused_connection_is_a_connect_error() -> None:
    """Nothing listening: HttpFailure naming ConnectError."""
    async with server(ok_server([], [])) as base:
        pass  # closed again: the port is free
    with pytest.raises(HttpFailure, match="ConnectError"):
        await client(base).post("/x", b"{}", {})


async def test_closed_mid_answer_is_a_protocol_error() -> None:
    """The server hangs up halfway through the body: HttpFailure, never a partial body."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"half')
        await writer.drain()

    async with server(handle) as base:
        with pytest.raises(HttpFailure, match="RemoteProtocolError"):
            await client(base).post("/x", b"{}", {})


async def test_garbage_instead_of_http_is_a_protocol_error() -> None:
    """An answer that is not HTTP: HttpFailure."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"SSH-2.0-OpenSSH\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(0.2)

    async with server(handle) as base:
        with pytest.raises(HttpFailure, match="RemoteProtocolError"):
            await client(base).post("/x", b"{}", {})


async def test_an_idle_connection_the_server_dropped_is_replaced_once() -> None:
    """A keep-alive connection closed by the server between calls: the next call opens a new one."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await read_request(reader)
        writer.write(answer(200, b"{}"))
        await writer.drain()  # then close, though the answer said keep-alive

    async with server(handle) as base:
        c = client(base)
        await c.post("/x", b"{}", {})
        await asyncio.sleep(0.05)
        assert b"{}" == (await c.post("/x", b"{}", {})).body
    assert 2 == len(connections)


async def test_connection_close_answers_are_not_reused() -> None:
    """`connection: close` in an answer: the next call uses a new connection."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await read_request(reader)
        writer.write(answer(200, b"{}", b"connection: close"))

    async with server(handle) as base:
        c = client(base)
        for _ in range(2):
            await c.post("/x", b"{}", {})
    assert 2 == len(connections)


async def test_only_plain_http_without_a_proxy_is_served(monkeypatch: pytest.MonkeyPatch) -> None:
    """TLS and proxied URLs stay on httpx."""
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    assert usable_for("http://127.0.0.1:8000/v1/chat/completions")
    assert not usable_for("https://api.openai.com/v1/chat/completions")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    assert not usable_for("http://10.0.0.5:8000/v1")
    assert usable_for("http://localhost:8000/v1")


# --- through the upstream adapter: the same typed errors as the httpx path -----------------


def upstream(base: str, **timeouts: float) -> HttpUpstream:
    config = UpstreamConfig(base_url=f"{base}/v1", **timeouts)
    return HttpUpstream("local", config, [], "sk-test", lean=True)


def request() -> ChatRequest:
    return ChatRequest("m", (ChatMessage("user", "hello", raw={"role": "user", "content": "hello"}),),
                       raw=chat("hello"))  # fmt: skip


def fixed(data: bytes) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(data)
        await writer.drain()
        await asyncio.sleep(0.1)

    return handle


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (answer(500, b'{"error": {"message": "boom"}}'), UpstreamError, r"failed \(500\): boom"),
        (answer(401, b'{"error": {"message": "bad key"}}'), UpstreamRejected, "bad key"),
        (answer(200, b"{not json"), UpstreamError, "not a completion"),
        (answer(200, b'{"choices": []}'), UpstreamError, "not a completion"),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{", UpstreamError, "RemoteProtocolError"),
    ],
)
async def test_upstream_failures_are_typed(data: bytes, error: type[Exception], match: str) -> None:
    """5xx, 4xx, malformed JSON, a body that is not a completion, a cut answer: typed errors."""
    async with server(fixed(data)) as base:
        with pytest.raises(error, match=match):
            await upstream(base).complete(request())


async def test_upstream_timeout_is_typed_and_keys_stay_out_of_messages() -> None:
    """A stalled upstream is UpstreamTimeout; the API key appears in no error."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(5)

    async with server(handle) as base:
        with pytest.raises(UpstreamTimeout) as caught:
            await upstream(base, read_timeout_s=0.1).complete(request())
    assert "sk-test" not in str(caught.value)


async def test_upstream_sends_the_key_and_parses_the_answer() -> None:
    """The lean path sends the bearer key and returns the parsed completion."""
    requests: list[bytes] = []
    async with server(ok_server([], requests)) as base:
        up = upstream(base)
        result = await up.complete(request())
        await up.aclose()
    assert "hi" == result.text
    assert b"authorization: Bearer sk-test\r\n" in requests[0]
    assert b'"messages":[{"role":"user","content":"hello"}]' in requests[0]


async def test_gateway_serves_through_the_lean_client(tmp_path: Path, bundle_copy: Path) -> None:
    """`--upstream http://...` without a test transport: the gateway answers via Http11Client."""
    import httpx

    from vallum.gateway import GatewayOptions, build_gateway, create_app
    from vallum.gateway.auth import create_api_key
    from vallum.model import Principal

    requests: list[bytes] = []
    async with server(ok_server([], requests)) as base:
        gw = build_gateway(GatewayOptions(bundle=bundle_copy, database_url=f"sqlite:///{tmp_path / 'g.db'}",
                                    upstream_url=f"{base}/v1"))  # fmt: skip
        key = create_api_key(gw.db, Principal.parse("agent:support-bot"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(gw)),
                                     base_url="http://gateway.test") as http:  # fmt: skip
            response = await http.post("/v1/chat/completions", json=chat("hello"),
                                       headers={"authorization": f"Bearer {key}"})  # fmt: skip
        await gw.aclose()
    body: dict[str, Any] = response.json()
    assert 200 == response.status_code
    assert "hi" == body["choices"][0]["message"]["content"]
    assert 1 == len(requests)
