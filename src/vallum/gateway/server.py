"""uvicorn's HTTP/1.1 protocol, answering with one socket write per response.

uvicorn writes a response's status line and headers as soon as the app sends them, then the body
in a second write. On a keep-alive connection each write is a send() system call and wakes the
client, which reads the head, waits, and wakes again for the body. `CorkedTransport` holds one
write back: the next write goes out together with it, at once, and a write nothing follows goes
out at the end of the event loop's turn. So a non-streaming answer (head, then body) leaves in
one send, and a stream's first chunk leaves with its head, never later than before; a stream
chunk waits at most for the rest of the loop turn it was written in.

Ordering and closing are kept: `close()` sends what is pending first; a write after close is
dropped, as the real transport does.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CorkedTransport(asyncio.Transport):
    """Writes gathered for one loop turn, then sent together; the rest is the real transport."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if self._pending:  # the held write and this one leave together, now
            self._pending.append(bytes(data))
            self.flush()
            return
        self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Send what is pending now."""
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.flush()
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)


class CorkedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over a `CorkedTransport` (pass as `uvicorn.run(http=...)`)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # uvloop's transports implement asyncio.Transport's methods without subclassing it.
        super().connection_made(CorkedTransport(transport, self.loop))
