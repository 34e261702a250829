"""A lean keep-alive HTTP/1.1 client for the gateway's common upstream call: a non-streaming
JSON POST to a plain-HTTP model server (vLLM, Ollama, llama.cpp, the mock model).

Why not httpx here: httpcore writes a request's head and body in two socket writes and spends
most of its time in pool and stream bookkeeping. On a loopback model server that was half of
the gateway's added latency. This client writes each request in one write, parses the answer
with httptools (uvicorn's parser) and keeps idle connections in a LIFO list. Streamed answers
(`stream`) come piece by piece as they arrive; the connection goes back to the pool once the
answer has ended (a server-sent-events stream is over at `[DONE]`, its HTTP body a moment
later: `DRAIN_S` is how long to wait for that). Everything else (TLS, proxies, test transports)
stays on httpx.

Failures are `HttpFailure` (named like httpx's: `ConnectError`, `RemoteProtocolError`, ...) or
`HttpTimeout`; the upstream adapter turns them into `UpstreamError` / `UpstreamTimeout`.

Timeouts: `connect` bounds opening a connection, `read` the silence between two pieces of the
answer, `total` the whole call (for a stream: until its answer begins; a model may stream for
longer, as long as it is never silent for `read`). A connection the server closed while idle in
the pool (the keep-alive race) is retried once on a fresh connection, only when not a byte of
the answer arrived; any other failure is final.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import httptools

KEEPALIVE_EXPIRY_S = 4.0  # below the 5 s idle timeout of uvicorn, node and most model servers
MAX_CONNECTIONS = 512  # per upstream, as the httpx pools allowed
DRAIN_S = 0.05  # after a stream's last event, how long to wait for its body to end (then: close)


class HttpFailure(Exception):
    """The call failed; `str(exc)` is the httpx-style name of what happened plus detail."""


class HttpTimeout(HttpFailure):
    pass


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes


def usable_for(url: str) -> bool:
    """Whether this client can serve `url`: plain HTTP, and no proxy configured for it."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    proxies = getproxies()
    proxied = "http" in proxies or "all" in proxies
    return not proxied or bool(proxy_bypass(parts.hostname))


class _Streamed:
    """The answer to one streamed request, as it arrives: its status, then body pieces."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self.head: asyncio.Future[int] = loop.create_future()
        self.pieces: deque[bytes] = deque()
        self.complete = False
        self.error: HttpFailure | None = None
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

    def fail(self, exc: HttpFailure) -> None:
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


class HttpStream:
    """A streamed answer: `status`, then `iter_bytes()` (or `read()` for an error body)."""

    def __init__(self, status: int, streamed: _Streamed):
        self.status = status
        self._streamed = streamed

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        while (piece := await self._streamed.next()) is not None:
            yield piece

    async def read(self, limit: int) -> bytes:
        """Up to `limit` bytes of the body (an error answer's, say)."""
        out = bytearray()
        async for piece in self.iter_bytes():
            out += piece
            if len(out) >= limit:
                break
        return bytes(out[:limit])


class _Connection(asyncio.Protocol):
    """One TCP connection; answers one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[HttpResponse] | None = None
        self._streamed: _Streamed | None = None  # the answer being streamed, if any
        self._body: list[bytes] = []
        self._encoding = b""
        self._framed = False  # the answer says where its body ends (length or chunked)
        self.received = False  # any byte of the current answer
        self.last_read = 0.0
        self.timer: asyncio.TimerHandle | None = None

    # --- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.received = True
        self.last_read = self._loop.time()
        if self._waiter is None and self._streamed is None:  # an answer nobody asked for
            self.abort()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpFailure(f"RemoteProtocolError: {exc}"))
            self.abort()

    def eof_received(self) -> bool:
        self._closed_by_peer()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed_by_peer()

    def _closed_by_peer(self) -> None:
        self.closed = True
        streamed = self._streamed
        if streamed is not None and streamed.head.done() and not self._framed:
            streamed.end()  # a body without length or chunking ends where the connection does
            return
        self._fail(HttpFailure("RemoteProtocolError: server disconnected before the answer ended"))

    # --- httptools callbacks ----------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        lower = name.lower()
        if lower == b"content-encoding":
            self._encoding = value.strip().lower()
        elif lower in (b"content-length", b"transfer-encoding"):
            self._framed = True

    def on_headers_complete(self) -> None:
        streamed = self._streamed
        if streamed is None or streamed.head.done():
            return
        if self._encoding not in (b"", b"identity"):  # never asked for: cannot be read piecewise
            self.fail(
                HttpFailure(f"DecodingError: a {self._encoding.decode(errors='replace')} stream")
            )
            return
        streamed.head.set_result(self._parser.get_status_code())

    def on_body(self, body: bytes) -> None:
        if self._streamed is not None:
            self._streamed.push(body)
        else:
            self._body.append(body)

    def on_message_complete(self) -> None:
        streamed, self._streamed = self._streamed, None
        if streamed is not None:
            if not self._parser.should_keep_alive():
                self.abort()
            streamed.end()
            return
        waiter, self._waiter = self._waiter, None
        body = b"".join(self._body)
        self._body = []
        if not self._parser.should_keep_alive():
            self.abort()
        if waiter is None or waiter.done():
            return
        try:
            body = _decode(self._encoding, body)
        except HttpFailure as exc:
            waiter.set_exception(exc)
            return
        waiter.set_result(HttpResponse(self._parser.get_status_code(), body))

    # --- use ----------------------------------------------------------------------------------

    def send(self, data: bytes) -> asyncio.Future[HttpResponse]:
        self._start(data)
        self._waiter = self._loop.create_future()
        return self._waiter

    def send_streamed(self, data: bytes) -> _Streamed:
        self._start(data)
        self._streamed = _Streamed(self._loop)
        return self._streamed

    def _start(self, data: bytes) -> None:
        assert self.transport is not None
        self._waiter, self._streamed = None, None
        self._body, self._encoding, self._framed, self.received = [], b"", False, False
        self.last_read = self._loop.time()
        self.transport.write(data)

    def _fail(self, exc: HttpFailure) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        if self._streamed is not None:
            self._streamed.fail(exc)

    def fail(self, exc: HttpFailure) -> None:
        self._fail(exc)
        self.abort()

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


def _decode(encoding: bytes, body: bytes) -> bytes:
    if encoding in (b"", b"identity"):
        return body
    try:
        if encoding in (b"gzip", b"x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if encoding == b"deflate":
            return zlib.decompress(body)
    except zlib.error as exc:
        raise HttpFailure(f"DecodingError: {exc}") from None
    raise HttpFailure(
        f"DecodingError: unsupported content-encoding {encoding.decode(errors='replace')!r}"
    )


class Http11Client:
    """Keep-alive connections to one `http://host:port`.

    >>> client = Http11Client("http://127.0.0.1:8000", connect=5, read=60, total=300)
    >>> answer = await client.post("/v1/chat/completions", b"{...}", {"authorization": "..."})
    """

    def __init__(self, base_url: str, *, connect: float, read: float, total: float):
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"Http11Client needs an http:// URL, not {base_url!r}")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._authority = parts.netloc.rsplit("@", 1)[-1].encode("ascii")
        self._connect, self._read, self._total = connect, read, total
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> HttpResponse:
        """POST `body` (JSON) to `path`; the status and body of the answer, whatever the status."""
        data = self._request(path, body, headers, b"application/json")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._total
        await self._slot(deadline)
        try:
            return await self._call(loop, data, deadline)
        finally:
            self._slots.release()

    @contextlib.asynccontextmanager
    async def stream(
        self, path: str, body: bytes, headers: dict[str, str]
    ) -> AsyncIterator[HttpStream]:
        """POST `body` (JSON) to `path` and read the answer as it arrives. Leaving the block
        before the answer has ended closes the connection (after `DRAIN_S` at most)."""
        data = self._request(path, body, headers, b"text/event-stream")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._total
        await self._slot(deadline)
        try:
            conn, streamed, status = await self._open_stream(loop, data, deadline)
            try:
                yield HttpStream(status, streamed)
                if not streamed.over():  # the events are over; the body normally ends with them
                    with contextlib.suppress(HttpFailure, TimeoutError):
                        async with asyncio.timeout(DRAIN_S):
                            while await streamed.next() is not None:
                                pass
            except BaseException:
                conn.abort()
                raise
            finally:
                self._stop_timer(conn)
            if streamed.complete:
                self._release(loop, conn)
            else:
                conn.abort()
        finally:
            self._slots.release()

    def _request(self, path: str, body: bytes, headers: dict[str, str], accept: bytes) -> bytes:
        head = [
            b"POST ", path.encode("ascii"), b" HTTP/1.1\r\nhost: ", self._authority,
            b"\r\ncontent-type: application/json\r\naccept: ", accept, b"\r\ncontent-length: ",
            str(len(body)).encode("ascii"), b"\r\n",
        ]  # fmt: skip
        for name, value in headers.items():
            head += (name.encode("ascii"), b": ", value.encode("latin-1"), b"\r\n")
        head += (b"\r\n", body)
        return b"".join(head)

    async def _slot(self, deadline: float) -> None:
        if self._slots.locked():  # every connection busy: wait for one, within the deadline
            try:
                async with asyncio.timeout_at(deadline):
                    await self._slots.acquire()
            except TimeoutError:
                raise HttpTimeout("PoolTimeout") from None
        else:
            await self._slots.acquire()

    async def _open_stream(
        self, loop: asyncio.AbstractEventLoop, data: bytes, deadline: float
    ) -> tuple[_Connection, _Streamed, int]:
        for attempt in (1, 2):
            conn, reused = await self._acquire(loop, deadline)
            streamed = conn.send_streamed(data)
            self._arm(loop, conn, streamed.over, deadline)
            try:
                status = await streamed.head
            except HttpFailure:
                self._stop_timer(conn)
                conn.abort()
                if reused and attempt == 1 and not conn.received and conn.closed:
                    continue  # the server dropped the idle connection as we used it
                raise
            except BaseException:
                self._stop_timer(conn)
                conn.abort()
                raise
            # Answering has begun: from here only silence (`read`) ends a stream, not its length.
            self._stop_timer(conn)
            self._arm(loop, conn, streamed.over, math.inf)
            return conn, streamed, status
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call(
        self, loop: asyncio.AbstractEventLoop, data: bytes, deadline: float
    ) -> HttpResponse:
        for attempt in (1, 2):
            conn, reused = await self._acquire(loop, deadline)
            try:
                response = await self._exchange(loop, conn, data, deadline)
            except HttpFailure:
                conn.abort()
                if reused and attempt == 1 and not conn.received and conn.closed:
                    continue  # the server dropped the idle connection as we used it
                raise
            except BaseException:  # cancelled: the connection is mid-answer, never reuse it
                conn.abort()
                raise
            self._release(loop, conn)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def _acquire(
        self, loop: asyncio.AbstractEventLoop, deadline: float
    ) -> tuple[_Connection, bool]:
        now = loop.time()
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed and now - conn.idle_since < KEEPALIVE_EXPIRY_S:
                return conn, True
            conn.abort()
        try:
            async with asyncio.timeout_at(min(deadline, now + self._connect)):
                _, conn = await loop.create_connection(
                    lambda: _Connection(loop), self._host, self._port
                )
        except TimeoutError:
            raise HttpTimeout("ConnectTimeout") from None
        except OSError as exc:
            raise HttpFailure(f"ConnectError: {exc.strerror or exc}") from None
        return conn, False

    async def _exchange(
        self, loop: asyncio.AbstractEventLoop, conn: _Connection, data: bytes, deadline: float
    ) -> HttpResponse:
        waiter = conn.send(data)
        self._arm(loop, conn, waiter.done, deadline)
        try:
            return await waiter
        finally:
            self._stop_timer(conn)

    def _arm(
        self,
        loop: asyncio.AbstractEventLoop,
        conn: _Connection,
        done: Callable[[], bool],
        deadline: float,
    ) -> None:
        when = min(deadline, conn.last_read + self._read)
        conn.timer = loop.call_at(when, self._check, loop, conn, done, deadline)

    @staticmethod
    def _stop_timer(conn: _Connection) -> None:
        if conn.timer is not None:
            conn.timer.cancel()
            conn.timer = None

    def _check(
        self,
        loop: asyncio.AbstractEventLoop,
        conn: _Connection,
        done: Callable[[], bool],
        deadline: float,
    ) -> None:
        """Fires at the earlier of the deadline and `read` after the last byte; re-arms while
        bytes keep arriving."""
        if done():
            return
        now = loop.time()
        if now >= deadline:
            conn.fail(HttpTimeout(f"TotalTimeout: no complete answer within {self._total:g} s"))
            return
        if now - conn.last_read >= self._read:
            conn.fail(HttpTimeout("ReadTimeout"))
            return
        self._arm(loop, conn, done, deadline)

    def _release(self, loop: asyncio.AbstractEventLoop, conn: _Connection) -> None:
        if conn.closed:
            conn.abort()
            return
        conn.idle_since = loop.time()
        self._idle.append(conn)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.abort()
