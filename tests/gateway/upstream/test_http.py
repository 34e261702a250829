"""HttpUpstream over real sockets, through either client kind: typed errors, timeouts, streams
that keep their connection, keys kept out of messages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from vallum.bundle.gateway import UpstreamConfig
from vallum.exceptions import ConfigError, UpstreamError, UpstreamRejected, UpstreamTimeout
from vallum.gateway.upstream import HttpUpstream, UpstreamClientKind, build_transports
from vallum.gateway.wire.chat import ChatMessage, ChatRequest, StreamEnd, TextDelta

from ..helpers import chat
from .servers import (
    SSE_HEAD,
    answer,
    chunk,
    fixed,
    ok_server,
    server,
    sse,
    stalling,
    streaming_server,
)

pytestmark = pytest.mark.asyncio
KINDS: list[UpstreamClientKind] = ["httpx", "lean"]


@asynccontextmanager
async def upstream(
    base: str, kind: UpstreamClientKind = "lean", **timeouts: float
) -> AsyncIterator[HttpUpstream]:
    transports = build_transports(None, kind)
    try:  # one shard: connection counts are per transport
        yield HttpUpstream(
            "local", UpstreamConfig(base_url=f"{base}/v1", **timeouts), transports[0], "sk-test"
        )
    finally:
        for transport in transports:
            await transport.aclose()


def request() -> ChatRequest:
    return ChatRequest("m", (ChatMessage("user", "hello", raw={"role": "user", "content": "hello"}),),
                       raw=chat("hello"))  # fmt: skip


async def events(up: HttpUpstream) -> list[Any]:
    return [e async for e in up.stream(request())]


@pytest.mark.parametrize("kind", KINDS)
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
async def test_upstream_failures_are_typed(
    kind: UpstreamClientKind, data: bytes, error: type[Exception], match: str
) -> None:
    """5xx, 4xx, malformed JSON, a body that is not a completion, a cut answer: typed errors."""
    async with server(fixed(data)) as base, upstream(base, kind) as up:
        with pytest.raises(error, match=match):
            await up.complete(request())


@pytest.mark.parametrize("kind", KINDS)
async def test_upstream_timeout_is_typed_and_keys_stay_out_of_messages(
    kind: UpstreamClientKind,
) -> None:
    """A stalled upstream is UpstreamTimeout; the API key appears in no error."""
    async with server(stalling()) as base, upstream(base, kind, read_timeout_s=0.1) as up:
        with pytest.raises(UpstreamTimeout) as caught:
            await up.complete(request())
    assert "sk-test" not in str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_trickling_upstream_hits_the_total_timeout(kind: UpstreamClientKind) -> None:
    """Bytes that keep coming, each within `read`, still end at `total` for a whole answer."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
        for _ in range(100):
            writer.write(b"x")
            await asyncio.sleep(0.05)

    async with (
        server(handle) as base,
        upstream(base, kind, read_timeout_s=0.5, total_timeout_s=0.3) as up,
    ):
        with pytest.raises(UpstreamTimeout, match="TotalTimeout"):
            await up.complete(request())


@pytest.mark.parametrize("kind", KINDS)
async def test_upstream_sends_the_key_and_parses_the_answer(kind: UpstreamClientKind) -> None:
    """The bearer key and the JSON body are sent; the parsed completion comes back."""
    requests: list[bytes] = []
    async with server(ok_server([], requests)) as base, upstream(base, kind) as up:
        result = await up.complete(request())
    assert "hi" == result.text
    assert b"authorization: Bearer sk-test\r\n" in requests[0]
    assert b'"messages":[{"role":"user","content":"hello"}]' in requests[0]


@pytest.mark.parametrize("key", ["sk-a\r\nx-injected: 1", "sk-a\nb", "sk-a\x00"])
async def test_a_key_that_would_split_the_headers_is_refused_at_start(key: str) -> None:
    """An API key with CR, LF or NUL: ConfigError when the upstream is built, naming neither."""
    with pytest.raises(ConfigError, match="control character") as caught:
        HttpUpstream("p", UpstreamConfig(base_url="http://127.0.0.1:1/v1"), [], key)
    assert "sk-a" not in str(caught.value)


# --- streams ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_streams_keep_their_connection(kind: UpstreamClientKind) -> None:
    """Events up to [DONE]; the body's end, a moment later, is waited for, so the connection is
    reused by the next stream (a TLS handshake spared per stream with a hosted provider)."""
    connections: list[int] = []
    async with (
        server(streaming_server(sse(["Hel", "lo"]), connections=connections)) as base,
        upstream(base, kind) as up,
    ):
        for _ in range(3):
            got = await events(up)
            assert ["Hel", "lo"] == [e.text for e in got if isinstance(e, TextDelta)]
            assert isinstance(got[-1], StreamEnd)
            assert "stop" == got[-1].finish_reason
    assert 1 == len(connections)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_body_that_never_ends_after_done_costs_a_new_connection(
    kind: UpstreamClientKind,
) -> None:
    """The events are over but the server never ends the body: after DRAIN_S the connection is
    closed, not pooled, and the next stream opens a new one."""
    connections: list[int] = []
    pieces = sse(["a"])

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while await reader.read(65536):
            writer.write(SSE_HEAD + b"".join(chunk(p) for p in pieces))
            await writer.drain()

    async with server(handle) as base, upstream(base, kind, read_timeout_s=30) as up:
        for _ in range(2):
            assert isinstance((await events(up))[-1], StreamEnd)
    assert 2 == len(connections)


@pytest.mark.parametrize("kind", KINDS)
async def test_upstream_stream_that_ends_without_a_finish_is_an_error(
    kind: UpstreamClientKind,
) -> None:
    """The connection closes before a finish chunk: UpstreamError, not a silently short answer."""
    pieces = sse(["Hel"], done=False)[:-1]  # no finish chunk, no [DONE]
    async with server(streaming_server(pieces, end=False)) as base, upstream(base, kind) as up:
        with pytest.raises(UpstreamError):
            await events(up)


@pytest.mark.parametrize("kind", KINDS)
async def test_upstream_stream_errors_are_typed(kind: UpstreamClientKind) -> None:
    """Silence mid-stream is UpstreamTimeout; a 401 is UpstreamRejected without the key."""
    async with (
        server(stalling(SSE_HEAD + chunk(sse(["a"])[0]))) as base,
        upstream(base, kind, read_timeout_s=0.2) as up,
    ):
        with pytest.raises(UpstreamTimeout, match="mid-stream"):
            await events(up)
    async with (
        server(fixed(answer(401, b'{"error": {"message": "bad key"}}'))) as base,
        upstream(base, kind) as up,
    ):
        with pytest.raises(UpstreamRejected, match="bad key") as caught:
            await events(up)
    assert "sk-test" not in str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_long_stream_is_not_cut_by_the_total_timeout(kind: UpstreamClientKind) -> None:
    """`total` bounds the wait for the answer to begin; a stream that keeps talking may outlast
    it (only silence longer than `read` ends it)."""
    words = [str(i) for i in range(8)]
    handler = streaming_server(sse(words), delay=0.06)
    async with (
        server(handler) as base,
        upstream(base, kind, read_timeout_s=0.5, total_timeout_s=0.2) as up,
    ):
        got = await events(up)
    assert words == [e.text for e in got if isinstance(e, TextDelta)]


@pytest.mark.parametrize("kind", KINDS)
async def test_the_total_timeout_bounds_the_wait_for_a_stream_to_begin(
    kind: UpstreamClientKind,
) -> None:
    """A head that trickles in and never ends: UpstreamTimeout at `total`, though bytes come."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"HTTP/1.1 200 OK\r\nx-slow: ")
        for _ in range(20):
            writer.write(b"z")
            await writer.drain()
            await asyncio.sleep(0.05)

    async with (
        server(handle) as base,
        upstream(base, kind, read_timeout_s=0.5, total_timeout_s=0.2) as up,
    ):
        with pytest.raises(UpstreamTimeout, match="TotalTimeout"):
            await events(up)


# --- the gateway ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_gateway_serves_through_either_client(
    kind: UpstreamClientKind, tmp_path: Path, bundle_copy: Path
) -> None:
    """`--upstream http://...` without a test transport: the gateway answers through the chosen
    client kind."""
    from vallum.gateway import GatewayOptions, build_gateway, create_app
    from vallum.gateway.auth import create_api_key
    from vallum.model import Principal

    requests: list[bytes] = []
    async with server(ok_server([], requests)) as base:
        gw = build_gateway(GatewayOptions(bundle=bundle_copy, database_url=f"sqlite:///{tmp_path / 'g.db'}",
                                          upstream_url=f"{base}/v1", upstream_client=kind))  # fmt: skip
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
