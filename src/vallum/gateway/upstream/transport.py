"""The lean transport: plain HTTP/1.1 to model servers, as an httpx transport.

Why not httpx's own transport for plain HTTP: httpcore writes a request's head and body in two
socket writes and spends most of its time in pool and stream bookkeeping; on a loopback model
server that is most of the gateway's added latency (docs/gateway.md, Performance: measured with
`bench/bench_gateway.py --compare`). This transport writes each request in one write, parses the
answer with httptools (uvicorn's parser) and keeps idle connections in a LIFO list per origin.
Answers stream: the response is returned at its head, body pieces come as they arrive, and the
connection goes back to the pool once the body has ended (closing a response earlier closes its
connection). Requests that are not plain HTTP go to `fallback` (httpx's transport: TLS).

Failures are httpx's own exceptions (`ConnectError`, `ConnectTimeout`, `ReadTimeout`,
`PoolTimeout`, `RemoteProtocolError`, `LocalProtocolError`), so callers handle one family
whatever the transport. Timeouts are httpx's, per request: `connect` bounds opening a connection,
`read` the silence between two pieces of the answer (from the request's write to the body's end),
`pool` the wait for a free connection. A connection the server closed while idle in the pool
(the keep-alive race) is retried once on a fresh connection, only when not a byte of the answer
arrived; any other failure is final.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx

from vallum.gateway.upstream.connection import Answer, Connection

KEEPALIVE_EXPIRY_S = 4.0  # below the 5 s idle timeout of uvicorn, node and most model servers
MAX_CONNECTIONS = 512  # per origin
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # a header name (RFC 9110 token)
_FORBIDDEN = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # CR, LF, NUL and other controls


def encode_request(request: httpx.Request, body: bytes) -> bytes:
    """The request as it goes on the wire. Header names must be tokens and values free of CR,
    LF, NUL and other control characters (tab aside): a header that could split the request is refused before anything is written
    (the error names the header, never its value, which may be a key)."""
    head = [request.method.encode("ascii"), b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    chunked = False
    for name, value in request.headers.raw:
        if not _TOKEN.fullmatch(name) or _FORBIDDEN.search(value):
            raise httpx.LocalProtocolError(
                f"header {name.decode('latin-1')!r} refused: a header name must be a token and "
                "a value must not contain CR, LF, NUL or other control characters",
                request=request,
            )
        chunked = chunked or (name.lower() == b"transfer-encoding" and b"chunked" in value)
        head += (name, b": ", value, b"\r\n")
    if chunked:  # an upload of unknown length, known by now: one chunk and the last one
        body = (b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)) if body else b"0\r\n\r\n"
    head += (b"\r\n", body)
    return b"".join(head)


class _Pool:
    """Keep-alive connections to one `host:port`, at most `limit` in use."""

    def __init__(self, host: str, port: int, limit: int):
        self.host, self.port = host, port
        self.idle: list[Connection] = []
        self.slots = asyncio.Semaphore(limit)

    async def acquire(self, timeout: float | None, request: httpx.Request) -> None:
        if not self.slots.locked():
            await self.slots.acquire()
            return
        try:  # every connection busy: wait for one, within the pool timeout
            async with asyncio.timeout(timeout):
                await self.slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no free connection", request=request) from None

    async def connection(
        self, loop: asyncio.AbstractEventLoop, timeout: float | None, request: httpx.Request
    ) -> tuple[Connection, bool]:
        """An idle connection (True) or a new one (False)."""
        now = loop.time()
        while self.idle:
            conn = self.idle.pop()
            if not conn.closed and now - conn.idle_since < KEEPALIVE_EXPIRY_S:
                return conn, True
            conn.abort()
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    lambda: Connection(loop), self.host, self.port
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("connect timed out", request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc.strerror or exc), request=request) from None
        return conn, False

    def release(self, loop: asyncio.AbstractEventLoop, conn: Connection, reusable: bool) -> None:
        """Give a connection back (or close it) and free its slot."""
        if reusable and not conn.closed:
            conn.idle_since = loop.time()
            self.idle.append(conn)
        else:
            conn.abort()
        self.slots.release()

    def close(self) -> None:
        idle, self.idle = self.idle, []
        for conn in idle:
            conn.abort()


class _Body(httpx.AsyncByteStream):
    """A response body as it arrives; closing it returns the connection (if the body ended)."""

    def __init__(self, pool: _Pool, conn: Connection, answer: Answer):
        self._pool, self._conn, self._answer = pool, conn, answer
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (piece := await self._answer.next()) is not None:
            yield piece

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            loop = asyncio.get_running_loop()
            self._pool.release(loop, self._conn, self._answer.complete)


class LeanTransport(httpx.AsyncBaseTransport):
    """Plain-HTTP requests over keep-alive connections; the rest through `fallback`.

    >>> client = httpx.AsyncClient(transport=LeanTransport(httpx.AsyncHTTPTransport()))
    """

    def __init__(
        self,
        fallback: httpx.AsyncBaseTransport | None = None,
        *,
        max_connections: int = MAX_CONNECTIONS,
    ):
        self._fallback = fallback
        self._limit = max_connections
        self._pools: dict[tuple[str, int], _Pool] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            if self._fallback is None:
                raise httpx.UnsupportedProtocol(
                    f"the lean transport speaks plain HTTP, not {url.scheme!r}", request=request
                )
            return await self._fallback.handle_async_request(request)
        data = encode_request(request, await request.aread())
        timeouts = request.extensions.get("timeout", {})
        origin = (url.host, url.port or 80)
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = _Pool(url.host, url.port or 80, self._limit)
        await pool.acquire(timeouts.get("pool"), request)
        try:
            conn, answer, (status, reason, headers) = await self._exchange(
                pool, data, request, timeouts
            )
        except BaseException:
            pool.slots.release()
            raise
        return httpx.Response(
            status,
            headers=headers,
            stream=_Body(pool, conn, answer),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    async def _exchange(
        self, pool: _Pool, data: bytes, request: httpx.Request, timeouts: dict[str, float | None]
    ) -> tuple[Connection, Answer, tuple[int, bytes, list[tuple[bytes, bytes]]]]:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            conn, reused = await pool.connection(loop, timeouts.get("connect"), request)
            answer = conn.send(data, request, timeouts.get("read"))
            try:
                return conn, answer, await answer.head
            except httpx.RemoteProtocolError:
                conn.abort()
                if reused and attempt == 1 and not conn.received:
                    continue  # the server dropped the idle connection as we used it
                raise
            except httpx.TransportError:
                conn.abort()
                raise
            except BaseException:  # cancelled: the connection is mid-answer, never reuse it
                conn.abort()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            pool.close()
        if self._fallback is not None:
            await self._fallback.aclose()
