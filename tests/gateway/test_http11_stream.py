"""The lean client's streamed answers against real sockets: pieces as they come, the connection
kept only when the answer ended, every failure typed; and SSE lines however the bytes are cut."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from vallum.bundle.gateway import UpstreamConfig
from vallum.exceptions import UpstreamError, UpstreamRejected, UpstreamTimeout
from vallum.gateway.http11 import DRAIN_S, HttpFailure, HttpTimeout
from vallum.gateway.sse import lines
from vallum.gateway.upstream import HttpUpstream
from vallum.gateway.wire.chat import StreamEnd, TextDelta

from .test_http11 import Handler, answer, client, read_request, request, server, upstream

pytestmark = pytest.mark.asyncio
SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
)


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def sse(words: list[str], *, done: bool = True) -> list[bytes]:
    """OpenAI-style chunks for `words`, a finish chunk, and `[DONE]`."""
    events = [
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]}
        for w in words
    ]  # fmt: skip
    events.append(
        {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    )
    out = [f"data: {json.dumps(e)}\n\n".encode() for e in events]
    return [*out, b"data: [DONE]\n\n"] if done else out


async def collect(pieces: AsyncIterator[bytes]) -> bytes:
    return b"".join([p async for p in pieces])


async def test_pieces_arrive_as_sent_and_the_connection_is_kept() -> None:
    """A chunked stream arrives piece by piece; the next call reuses the connection."""
    connections: list[int] = []
    sent = [b"data: one\n\n", b"data: two\n\n", b"data: [DONE]\n\n"]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while await read_request(reader) is not None:
            writer.write(SSE_HEAD)
            for piece in sent:
                writer.write(chunk(piece))
                await writer.drain()
                await asyncio.sleep(0.01)
            writer.write(b"0\r\n\r\n")

    async with server(handle) as base:
        c = client(base)
        for _ in range(3):
            async with c.stream("/x", b"{}", {"authorization": "Bearer k"}) as response:
                got = [p async for p in response.iter_bytes()]
            assert 200 == response.status
            assert sent == got  # each piece as it was sent, not all at the end
        await c.aclose()
    assert 1 == len(connections)


async def test_a_body_that_ends_with_the_connection_is_read_to_the_end() -> None:
    """No length and no chunking (HTTP/1.0 style): the body is whatever comes before EOF."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.0 200 OK\r\ncontent-type: text/event-stream\r\n\r\n")
        for piece in (b"data: a\n\n", b"data: b\n\n"):
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.01)

    async with server(handle) as base, client(base).stream("/x", b"{}", {}) as response:
        assert b"data: a\n\ndata: b\n\n" == await collect(response.iter_bytes())


async def test_closed_mid_stream_is_a_protocol_error() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(SSE_HEAD + chunk(b"data: one\n\n"))
        await writer.drain()

    async with server(handle) as base, client(base).stream("/x", b"{}", {}) as response:
        with pytest.raises(HttpFailure, match="RemoteProtocolError"):
            await collect(response.iter_bytes())


async def test_silence_mid_stream_is_a_read_timeout() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(SSE_HEAD + chunk(b"data: one\n\n"))
        await writer.drain()
        await asyncio.sleep(5)

    async with server(handle) as base, client(base, read=0.2).stream("/x", b"{}", {}) as response:
        with pytest.raises(HttpTimeout, match="ReadTimeout"):
            await collect(response.iter_bytes())


async def test_leaving_before_the_body_ends_closes_the_connection_soon() -> None:
    """The events are over but the server never ends the body: after DRAIN_S at most the
    connection is closed, not pooled, and the next call opens a new one."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while await read_request(reader) is not None:
            writer.write(SSE_HEAD + chunk(b"data: [DONE]\n\n"))
            await writer.drain()

    async with server(handle) as base:
        c = client(base)
        for _ in range(2):
            start = time.perf_counter()
            async with c.stream("/x", b"{}", {}) as response:
                async for _piece in response.iter_bytes():
                    break
            assert time.perf_counter() - start < 1.0  # bounded by DRAIN_S, not the read timeout
        await c.aclose()
    assert 2 == len(connections)
    assert DRAIN_S < 1.0


async def test_an_error_answer_is_read_whole() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(429, b'{"error": {"message": "slow down"}}'))

    async with server(handle) as base, client(base).stream("/x", b"{}", {}) as response:
        assert (429, b'{"error": {"message": "slow down"}}') == (
            response.status,
            await response.read(1000),
        )


async def test_a_compressed_stream_is_refused() -> None:
    """The client never asks for compression; a server that compresses anyway is an error."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n"
        )
        await writer.drain()
        await asyncio.sleep(0.2)

    async with server(handle) as base:
        with pytest.raises(HttpFailure, match="DecodingError"):
            async with client(base).stream("/x", b"{}", {}):
                pass


async def test_an_idle_connection_the_server_dropped_is_replaced_for_a_stream() -> None:
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await read_request(reader)
        writer.write(SSE_HEAD + chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
        await writer.drain()
        # then close: the pooled connection is dead when it is next used

    async with server(handle) as base:
        c = client(base)
        for _ in range(2):
            async with c.stream("/x", b"{}", {}) as response:
                assert b"data: [DONE]\n\n" == await collect(response.iter_bytes())
            await asyncio.sleep(0.05)
        await c.aclose()
    assert 2 == len(connections)


# --- the upstream adapter over lean streams -----------------------------------------------------


def streaming_server(
    pieces: list[bytes], *, end: bool = True, connections: list[int] | None = None
) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if connections is not None:
            connections.append(1)
        while await read_request(reader) is not None:
            writer.write(SSE_HEAD)
            for piece in pieces:
                writer.write(chunk(piece))
                await writer.drain()
                await asyncio.sleep(0.002)
            if not end:
                return
            writer.write(b"0\r\n\r\n")

    return handle


async def test_upstream_streams_events_over_the_lean_client() -> None:
    """Events up to [DONE]; the body's end, a moment later, is waited for, so the connection is
    reused by the next stream."""
    connections: list[int] = []
    async with server(streaming_server(sse(["Hel", "lo"]), connections=connections)) as base:
        up = upstream(base)
        for _ in range(3):
            events = [e async for e in up.stream(request())]
            assert ["Hel", "lo"] == [e.text for e in events if isinstance(e, TextDelta)]
            assert isinstance(events[-1], StreamEnd)
            assert "stop" == events[-1].finish_reason
        await up.aclose()
    assert 1 == len(connections)


async def test_upstream_stream_that_ends_without_a_finish_is_an_error() -> None:
    pieces = sse(["Hel"], done=False)[:-1]  # no finish chunk, no [DONE]
    async with server(streaming_server(pieces, end=False)) as base:
        with pytest.raises(UpstreamError):
            _ = [e async for e in upstream(base).stream(request())]


async def test_upstream_stream_errors_are_typed() -> None:
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(SSE_HEAD + chunk(sse(["a"])[0]))
        await writer.drain()
        await asyncio.sleep(5)

    async with server(stall) as base:
        with pytest.raises(UpstreamTimeout, match="mid-stream"):
            _ = [e async for e in upstream(base, read_timeout_s=0.2).stream(request())]

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(401, b'{"error": {"message": "bad key"}}'))

    async with server(refuse) as base:
        with pytest.raises(UpstreamRejected, match="bad key") as caught:
            _ = [e async for e in upstream(base).stream(request())]
    assert "sk-test" not in str(caught.value)


# --- SSE lines ------------------------------------------------------------------------------


async def _lines_of(pieces: list[bytes]) -> list[str]:
    async def source() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    return [line async for line in lines(source())]


@pytest.mark.parametrize(
    "pieces",
    [
        [b"a\r\nb\n\nc"],
        [b"a\r", b"\nb\n", b"\nc"],  # \r\n split across pieces is one line end
        [b"a", b"\r\n", b"b", b"\n\n", b"c"],
        [b"a\rb\n\rc"],  # a lone \r ends a line too
    ],
)
async def test_lines_however_the_bytes_are_cut(pieces: list[bytes]) -> None:
    got = await _lines_of(pieces)
    assert ["a", "b", "", "c"] == got


async def test_lines_keep_multibyte_characters_and_unicode_separators() -> None:
    text = 'data: {"t": "é\u2028😀"}\n\n'.encode()
    pieces = [text[i : i + 1] for i in range(len(text))]  # one byte at a time
    assert ['data: {"t": "é\u2028😀"}', ""] == await _lines_of(pieces)
    assert ["x"] == await _lines_of([b"x\r"])  # a final lone \r ends the last line


async def test_httpx_streams_keep_their_connection_too() -> None:
    """The httpx path (TLS, proxies) reads the body's end after [DONE] as well, so a provider's
    connection is reused rather than a new TLS handshake paid for every stream."""
    connections: list[int] = []
    handler = streaming_server(sse(["Hel", "lo"]), connections=connections)
    async with server(handler) as base, httpx.AsyncClient() as http:
        up = HttpUpstream("p", UpstreamConfig(base_url=f"{base}/v1"), http, "sk-test")
        for _ in range(3):
            events = [e async for e in up.stream(request())]
            assert ["Hel", "lo"] == [e.text for e in events if isinstance(e, TextDelta)]
    assert 1 == len(connections)


async def test_a_long_stream_is_not_cut_by_the_total_timeout() -> None:
    """`total` bounds the wait for the answer to begin; a stream that keeps talking may outlast
    it (only silence longer than `read` ends it)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(SSE_HEAD)
        for i in range(8):
            writer.write(chunk(b"data: %d\n\n" % i))
            await writer.drain()
            await asyncio.sleep(0.06)
        writer.write(b"0\r\n\r\n")

    async with (
        server(handle) as base,
        client(base, read=0.5, total=0.2).stream("/x", b"{}", {}) as response,
    ):
        body = await collect(response.iter_bytes())
    assert b"".join(b"data: %d\n\n" % i for i in range(8)) == body


async def test_the_total_timeout_bounds_the_wait_for_a_stream_to_begin() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nx-slow: ")
        for _ in range(20):  # trickles a header that never ends: the answer never begins
            writer.write(b"z")
            await writer.drain()
            await asyncio.sleep(0.05)

    async with server(handle) as base:
        with pytest.raises(HttpTimeout, match="TotalTimeout"):
            async with client(base, read=0.5, total=0.2).stream("/x", b"{}", {}):
                pass
