"""One keep-alive HTTP/1.1 connection of the lean transport, and the answer arriving on it.

httptools (uvicorn's parser) reads the answer as its bytes come: the head completes `Answer.head`,
body pieces queue up for whoever iterates the body. A watchdog bounds silence: no byte for `read`
seconds, from the request's write to the answer's end, fails the answer with `httpx.ReadTimeout`.
Every failure is one of httpx's own exceptions.
"""

from __future__ import annotations

import asyncio
from collections import deque

import httptools
import httpx

Head = tuple[int, bytes, list[tuple[bytes, bytes]]]  # status, reason phrase, raw headers


class Answer:
    """The answer to one request, as it arrives: its head, then body pieces."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self.head: asyncio.Future[Head] = loop.create_future()
        self.pieces: deque[bytes] = deque()
        self.complete = False
        self.error: httpx.TransportError | None = None
        self._wake: asyncio.Future[None] | None = None

    def over(self) -> bool:
        """The body has ended, or failed."""
        return self.complete or self.error is not None

    def push(self, data: bytes) -> None:
        self.pieces.append(data)
        self._notify()

    def end(self) -> None:
        self.complete = True
        self._notify()

    def fail(self, exc: httpx.TransportError) -> None:
        if not self.head.done():
            self.head.set_exception(exc)
        if not self.complete:
            self.error = exc
        self._notify()

    def _notify(self) -> None:
        wake, self._wake = self._wake, None
        if wake is not None and not wake.done():
            wake.set_result(None)

    async def next(self) -> bytes | None:
        """The next piece of the body; None once it has ended."""
        while True:
            if self.pieces:
                return self.pieces.popleft()
            if self.error is not None:
                raise self.error
            if self.complete:
                return None
            self._wake = self._loop.create_future()
            await self._wake


class Connection(asyncio.Protocol):
    """One TCP connection; answers one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self.received = False  # any byte of the current answer
        self._parser = httptools.HttpResponseParser(self)
        self._answer: Answer | None = None
        self._request: httpx.Request | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._reason = b""
        self._framed = False  # the answer says where its body ends (length or chunked)
        self._read: float | None = None
        self._last_read = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # --- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.received = True
        self._last_read = self._loop.time()
        if self._answer is None:  # an answer nobody asked for
            self.abort()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self.fail(httpx.RemoteProtocolError(f"malformed answer: {exc}", request=self._request))

    def eof_received(self) -> bool:
        self._closed_by_peer()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed_by_peer()

    def _closed_by_peer(self) -> None:
        self.closed = True
        answer = self._answer
        if answer is None or answer.over():
            return
        if answer.head.done() and not self._framed:
            self._finish()  # a body without length or chunking ends where the connection does
            return
        self.fail(
            httpx.RemoteProtocolError(
                "server disconnected before the answer ended", request=self._request
            )
        )

    # --- httptools callbacks ----------------------------------------------------------------

    def on_status(self, status: bytes) -> None:
        self._reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self._framed = True

    def on_headers_complete(self) -> None:
        answer = self._answer
        if answer is not None and not answer.head.done():
            answer.head.set_result((self._parser.get_status_code(), self._reason, self._headers))

    def on_body(self, body: bytes) -> None:
        if self._answer is not None:
            self._answer.push(body)

    def on_message_complete(self) -> None:
        if not self._parser.should_keep_alive():
            self.abort()
        self._finish()

    # --- use ----------------------------------------------------------------------------------

    def send(self, data: bytes, request: httpx.Request, read: float | None) -> Answer:
        """Write one request (in one write) and return its answer, as it will arrive."""
        assert self.transport is not None
        self._answer = answer = Answer(self._loop)
        self._request, self._read = request, read
        self._headers, self._reason, self._framed, self.received = [], b"", False, False
        self._last_read = self._loop.time()
        self.transport.write(data)
        if read is not None:
            self._timer = self._loop.call_at(self._last_read + read, self._watch)
        return answer

    def _watch(self) -> None:
        """Fires `read` after the last byte (or later); re-arms while bytes keep arriving."""
        self._timer = None
        if self._answer is None or self._answer.over() or self._read is None:
            return
        quiet_until = self._last_read + self._read
        if self._loop.time() >= quiet_until:
            self.fail(httpx.ReadTimeout(f"no byte for {self._read:g} s", request=self._request))
            return
        self._timer = self._loop.call_at(quiet_until, self._watch)

    def _finish(self) -> None:
        self._stop_watch()
        answer, self._answer = self._answer, None
        if answer is not None:
            answer.end()

    def fail(self, exc: httpx.TransportError) -> None:
        """End the current answer with `exc` and close the connection."""
        self._stop_watch()
        answer, self._answer = self._answer, None
        if answer is not None:
            answer.fail(exc)
        self.abort()

    def _stop_watch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def abort(self) -> None:
        self._stop_watch()
        self.closed = True
        if self.transport is not None:
            self.transport.abort()
