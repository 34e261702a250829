"""The lean transport under httpx.AsyncClient, against real sockets: keep-alive, one write per
request, answers streamed as they arrive, headers checked, every failure one of httpx's own."""

from __future__ import annotations

import asyncio
import gzip
import json

import httpx
import pytest

from vallum.gateway.upstream.transport import LeanTransport

from .servers import (
    COMPLETION,
    SSE_HEAD,
    answer,
    chunk,
    fixed,
    ok_server,
    read_request,
    server,
    stalling,
)

pytestmark = pytest.mark.asyncio


def lean(*, read: float = 5.0, pool: float = 5.0, max_connections: int = 512) -> httpx.AsyncClient:
    transport = LeanTransport(max_connections=max_connections)
    return httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(10.0, read=read, pool=pool))


async def test_keeps_the_connection_alive_and_sends_one_request_per_call() -> None:
    """Three calls reuse one connection; each request carries host, length, headers and body."""
    connections: list[int] = []
    requests: list[bytes] = []
    async with server(ok_server(connections, requests)) as base, lean() as client:
        for _ in range(3):
            response = await client.post(
                f"{base}/v1/chat/completions",
                content=b'{"a":1}',
                headers={"authorization": "Bearer k"},
            )
            assert (200, COMPLETION) == (response.status_code, response.json())
    assert 1 == len(connections)
    assert 3 == len(requests)
    head, _, body = requests[0].partition(b"\r\n\r\n")
    start, *header_lines = head.split(b"\r\n")
    headers = dict(line.split(b": ", 1) for line in header_lines)
    assert b"POST /v1/chat/completions HTTP/1.1" == start
    assert base.split("//")[1].encode() == headers[b"Host"]
    assert (b"7", b"Bearer k") == (headers[b"Content-Length"], headers[b"authorization"])
    assert b'{"a":1}' == body


async def test_concurrent_calls_use_separate_connections() -> None:
    """Calls in flight together each get a connection; answers do not cross."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while (got := await read_request(reader)) is not None:
            await asyncio.sleep(0.01)
            writer.write(answer(200, got[1]))  # echo

    async with server(handle) as base, lean() as client:
        bodies = [b'{"n":%d}' % i for i in range(8)]
        answers = await asyncio.gather(*(client.post(f"{base}/x", content=b) for b in bodies))
    assert bodies == [a.content for a in answers]
    assert 8 == len(connections)


async def test_chunked_and_gzip_answers_are_decoded() -> None:
    """A chunked, gzip-encoded answer arrives as the plain body."""
    payload = gzip.compress(b'{"ok":true}')
    chunks = b"".join(chunk(p) for p in (payload[:5], payload[5:]))
    data = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-encoding: gzip\r\n\r\n" + chunks + b"0\r\n\r\n"  # fmt: skip
    async with server(fixed(data)) as base, lean() as client:
        response = await client.post(f"{base}/x", content=b"{}")
    assert b'{"ok":true}' == response.content


async def test_a_silent_upstream_is_a_read_timeout() -> None:
    """No byte within `read` seconds: httpx.ReadTimeout."""
    async with server(stalling()) as base, lean(read=0.1) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(f"{base}/x", content=b"{}")


async def test_refused_connection_is_a_connect_error() -> None:
    """Nothing listening: httpx.ConnectError."""
    async with server(ok_server([], [])) as base:
        pass  # closed again: the port is free
    async with lean() as client:
        with pytest.raises(httpx.ConnectError):
            await client.post(f"{base}/x", content=b"{}")


@pytest.mark.parametrize(
    "data",
    [
        b'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"half',  # hangs up mid-body
        b"SSH-2.0-OpenSSH\r\n\r\n",  # not HTTP
    ],
)
async def test_a_cut_or_garbled_answer_is_a_protocol_error(data: bytes) -> None:
    """A server that hangs up halfway through the body, or does not speak HTTP: never a partial
    body, httpx.RemoteProtocolError."""
    async with server(fixed(data)) as base, lean() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(f"{base}/x", content=b"{}")


async def test_an_idle_connection_the_server_dropped_is_replaced_once() -> None:
    """A keep-alive connection closed by the server between calls: the next call opens a new one."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await read_request(reader)
        writer.write(answer(200, b"{}"))
        await writer.drain()  # then close, though the answer said keep-alive

    async with server(handle) as base, lean() as client:
        await client.post(f"{base}/x", content=b"{}")
        await asyncio.sleep(0.05)
        assert b"{}" == (await client.post(f"{base}/x", content=b"{}")).content
    assert 2 == len(connections)


async def test_connection_close_answers_are_not_reused() -> None:
    """`connection: close` in an answer: the next call uses a new connection."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await read_request(reader)
        writer.write(answer(200, b"{}", b"connection: close"))

    async with server(handle) as base, lean() as client:
        for _ in range(2):
            await client.post(f"{base}/x", content=b"{}")
    assert 2 == len(connections)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-evil", "a\r\nx-injected: 1"),
        ("x-evil", "a\nx-injected: 1"),
        ("x-evil", "a\rb"),
        ("x-evil", "a\x00b"),
        ("x evil", "a"),
    ],
)
async def test_a_header_that_could_split_the_request_is_refused_before_any_write(
    name: str, value: str
) -> None:
    """CR, LF or NUL in a value, or a name that is not a token: httpx.LocalProtocolError naming
    the header (never its value), and not a byte sent."""
    connections: list[int] = []
    async with server(ok_server(connections, [])) as base, lean() as client:
        with pytest.raises(httpx.LocalProtocolError, match=r"header .x.evil. refused") as caught:
            await client.post(f"{base}/x", content=b"{}", headers={name: value})
    assert "x-injected" not in str(caught.value)
    assert [] == connections


async def test_only_plain_http_is_served_the_rest_goes_to_the_fallback() -> None:
    """An https request goes to the fallback transport; without one it is UnsupportedProtocol."""
    fallback = httpx.MockTransport(lambda request: httpx.Response(200, json={"via": "fallback"}))
    async with httpx.AsyncClient(transport=LeanTransport(fallback)) as client:
        assert {"via": "fallback"} == (await client.get("https://api.example/v1")).json()
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        with pytest.raises(httpx.UnsupportedProtocol):
            await client.get("https://api.example/v1")


async def test_a_call_waits_for_a_free_connection_within_the_pool_timeout() -> None:
    """Every connection busy for longer than the pool timeout: httpx.PoolTimeout."""
    async with server(stalling()) as base, lean(read=1.0, pool=0.1, max_connections=1) as client:
        first = asyncio.ensure_future(client.post(f"{base}/x", content=b"{}"))
        await asyncio.sleep(0.02)
        with pytest.raises(httpx.PoolTimeout):
            await client.post(f"{base}/x", content=b"{}")
        with pytest.raises(httpx.ReadTimeout):
            await first


# --- streamed answers ---------------------------------------------------------------------------


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

    async with server(handle) as base, lean() as client:
        for _ in range(3):
            async with client.stream("POST", f"{base}/x", content=b"{}") as response:
                got = [p async for p in response.aiter_raw()]
            assert 200 == response.status_code
            assert sent == got  # each piece as it was sent, not all at the end
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

    async with (
        server(handle) as base,
        lean() as client,
        client.stream("POST", f"{base}/x", content=b"{}") as response,
    ):
        assert b"data: a\n\ndata: b\n\n" == await response.aread()


async def test_closed_mid_stream_is_a_protocol_error() -> None:
    """A stream the server hangs up on before its last chunk: httpx.RemoteProtocolError."""
    async with (
        server(fixed(SSE_HEAD + chunk(b"data: one\n\n"))) as base,
        lean() as client,
        client.stream("POST", f"{base}/x", content=b"{}") as response,
    ):
        with pytest.raises(httpx.RemoteProtocolError):
            await response.aread()


async def test_silence_mid_stream_is_a_read_timeout() -> None:
    """A stream that stops talking for `read` seconds: httpx.ReadTimeout."""
    async with (
        server(stalling(SSE_HEAD + chunk(b"data: one\n\n"))) as base,
        lean(read=0.2) as client,
        client.stream("POST", f"{base}/x", content=b"{}") as response,
    ):
        with pytest.raises(httpx.ReadTimeout):
            await response.aread()


async def test_leaving_before_the_body_ends_closes_the_connection() -> None:
    """A response closed before its body ended is not pooled: the next call opens a new one."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while await read_request(reader) is not None:
            writer.write(SSE_HEAD + chunk(b"data: [DONE]\n\n"))
            await writer.drain()

    async with server(handle) as base, lean() as client:
        for _ in range(2):
            async with client.stream("POST", f"{base}/x", content=b"{}") as response:
                async for _piece in response.aiter_raw():
                    break
    assert 2 == len(connections)


async def test_an_error_answer_is_read_whole() -> None:
    """A 429 answer to a streamed request: its status and whole body."""
    data = answer(429, b'{"error": {"message": "slow down"}}')
    async with (
        server(fixed(data)) as base,
        lean() as client,
        client.stream("POST", f"{base}/x", content=b"{}") as response,
    ):
        body = await response.aread()
    assert (429, b'{"error": {"message": "slow down"}}') == (response.status_code, body)


async def test_a_compressed_stream_is_decoded_as_it_arrives() -> None:
    """A server that compresses a stream: httpx decodes it (the lean client used to refuse it)."""
    compressor = gzip.compress(b"data: one\n\ndata: two\n\n")
    data = (b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n"
            + chunk(compressor[:10]) + chunk(compressor[10:]) + b"0\r\n\r\n")  # fmt: skip
    async with (
        server(fixed(data)) as base,
        lean() as client,
        client.stream("POST", f"{base}/x", content=b"{}") as response,
    ):
        assert b"data: one\n\ndata: two\n\n" == await response.aread()


async def test_an_idle_connection_the_server_dropped_is_replaced_for_a_stream() -> None:
    """A pooled connection the server closed after a stream: the next stream opens a new one."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await read_request(reader)
        writer.write(SSE_HEAD + chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
        await writer.drain()
        # then close: the pooled connection is dead when it is next used

    async with server(handle) as base, lean() as client:
        for _ in range(2):
            async with client.stream("POST", f"{base}/x", content=b"{}") as response:
                assert b"data: [DONE]\n\n" == await response.aread()
            await asyncio.sleep(0.05)
    assert 2 == len(connections)


async def test_the_request_leaves_in_one_write() -> None:
    """Head and body reach the server together, in the first bytes it reads (one send)."""
    first_reads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first_reads.append(await reader.read(65536))
        writer.write(answer(200, json.dumps(COMPLETION).encode()))
        await writer.drain()

    async with server(handle) as base, lean() as client:
        await client.post(f"{base}/x", content=b'{"whole":true}')
    assert first_reads[0].endswith(b'\r\n\r\n{"whole":true}')
