"""The corked HTTP protocol: one send per non-streaming answer, nothing lost, reordered or late."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from vallum.gateway.server import CorkedHttpToolsProtocol, CorkedTransport


class Recording(asyncio.Transport):
    """A transport that records what reaches the socket."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        assert not self.closed, "write after close"
        self.sent.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0


async def _turn() -> None:
    """Let the loop finish its current turn (callbacks scheduled with call_soon run)."""
    await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_head_and_body_leave_in_one_send() -> None:
    real = Recording()
    corked = CorkedTransport(real, asyncio.get_running_loop())
    corked.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    assert [] == real.sent  # held back
    corked.write(b"{}")
    assert [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"] == real.sent  # at once, together
    await _turn()
    assert 1 == len(real.sent)


@pytest.mark.asyncio
async def test_a_lone_write_leaves_at_the_end_of_the_loop_turn() -> None:
    real = Recording()
    corked = CorkedTransport(real, asyncio.get_running_loop())
    corked.write(b"chunk")
    assert [] == real.sent
    await _turn()
    assert [b"chunk"] == real.sent


@pytest.mark.asyncio
async def test_stream_chunks_keep_their_order_and_none_is_lost() -> None:
    real = Recording()
    corked = CorkedTransport(real, asyncio.get_running_loop())
    pieces = [f"piece{i};".encode() for i in range(7)]
    for i, piece in enumerate(pieces):
        corked.write(piece)
        if i % 3 == 2:
            await _turn()
    await _turn()
    assert b"".join(pieces) == b"".join(real.sent)
    assert corked.get_write_buffer_size() == 0


@pytest.mark.asyncio
async def test_close_sends_what_is_held_first_and_later_writes_are_dropped() -> None:
    real = Recording()
    corked = CorkedTransport(real, asyncio.get_running_loop())
    corked.write(b"last words")
    corked.close()
    assert [b"last words"] == real.sent
    assert real.closed
    corked.write(b"too late")
    await _turn()
    assert [b"last words"] == real.sent


@pytest.mark.asyncio
async def test_abort_drops_what_is_held() -> None:
    real = Recording()
    aborted: list[bool] = []
    real.abort = lambda: aborted.append(True)  # type: ignore[method-assign]
    corked = CorkedTransport(real, asyncio.get_running_loop())
    corked.write(b"never sent")
    corked.abort()
    await _turn()
    assert [] == real.sent
    assert [True] == aborted


# --- a real uvicorn server with the protocol ----------------------------------------------


async def _json(request: Request) -> Response:
    body = await request.json()
    return JSONResponse({"echo": body, "n": len(body["text"])})


async def _stream(request: Request) -> Response:
    async def words() -> AsyncIterator[bytes]:
        for i in range(20):
            yield f"data: word{i}\n\n".encode()
            if i % 5 == 0:
                await asyncio.sleep(0.001)

    return StreamingResponse(words(), media_type="text/event-stream")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    app = Starlette(routes=[Route("/json", _json, methods=["POST"]), Route("/stream", _stream)])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", http=CorkedHttpToolsProtocol
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    for _ in range(200):
        if instance.started:
            break
        threading.Event().wait(0.05)
    assert instance.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def test_keep_alive_answers_are_whole_and_in_order(server: str) -> None:
    """Many requests on one connection, small and large bodies: each answer is its own."""
    with httpx.Client(base_url=server) as client:
        for size in (0, 1, 100, 70_000, 3, 300_000, 5):
            text = "x" * size
            response = client.post("/json", json={"text": text})
            assert 200 == response.status_code
            assert {"echo": {"text": text}, "n": size} == response.json()


def test_streams_arrive_whole(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        for _ in range(3):
            with client.stream("GET", "/stream") as response:
                body = b"".join(response.iter_bytes())
            assert b"".join(f"data: word{i}\n\n".encode() for i in range(20)) == body


def test_a_malformed_request_still_gets_its_error(server: str) -> None:
    """uvicorn's own error answers go through the corked transport too (then it closes)."""
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"NOT-HTTP garbage\r\n\r\n")
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")
