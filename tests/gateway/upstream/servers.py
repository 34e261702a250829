"""Small HTTP/1.1 servers on real sockets, scripted per test, for the upstream tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
COMPLETION = {
    "id": "c1",
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1},
}  # fmt: skip
SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
)


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


@asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[str]:
    """`http://127.0.0.1:PORT` served by `handler`, one call per connection."""

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
    """Answers every request on a connection with COMPLETION; counts connections."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while (got := await read_request(reader)) is not None:
            requests.append(got[0] + got[1])
            writer.write(answer(200, json.dumps(COMPLETION).encode()))
            await writer.drain()

    return handle


def fixed(data: bytes) -> Handler:
    """Answers the first request with `data`, then waits a moment and hangs up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(data)
        await writer.drain()
        await asyncio.sleep(0.1)

    return handle


def stalling(head: bytes = b"") -> Handler:
    """Reads a request, sends `head`, then says nothing for five seconds."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(head)
        await writer.drain()
        await asyncio.sleep(5)

    return handle


def streaming_server(
    pieces: list[bytes],
    *,
    end: bool = True,
    connections: list[int] | None = None,
    delay: float = 0.002,
) -> Handler:
    """Streams `pieces` as chunks, `delay` apart, for every request; ends the body if `end`,
    else hangs up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if connections is not None:
            connections.append(1)
        while await read_request(reader) is not None:
            writer.write(SSE_HEAD)
            for piece in pieces:
                writer.write(chunk(piece))
                await writer.drain()
                await asyncio.sleep(delay)
            if not end:  # hang up without ending the body
                return
            writer.write(b"0\r\n\r\n")

    return handle
