"""The load generator of `bench_gateway.py`: a lean keep-alive HTTP/1.1 client, the load loop,
percentiles and a process's CPU time from /proc."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of process `pid` so far (Linux), or None where unknown."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_load(
    concurrency: int, total: int, one: Callable[[int], Awaitable[float]]
) -> tuple[list[float], float]:
    """`total` calls of `one` with `concurrency` in flight; latencies (ms) and wall seconds."""
    latencies: list[float] = []
    remaining = total

    async def worker(index: int) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            latencies.append(await one(index))

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return latencies, time.perf_counter() - start


class Conn:
    """A minimal keep-alive HTTP/1.1 client: the load generator must cost far less than what
    it measures (httpx's pool dominates at concurrency 64 on two cores)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.base = ""
        self.status = 0  # the status code of the last answer

    @classmethod
    async def open(cls, base: str) -> Conn:
        conn = cls(*await cls._connect(base))
        conn.base = base
        return conn

    @staticmethod
    async def _connect(base: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        hostport = base.split("//", 1)[1].split("/", 1)[0]
        host, port = hostport.split(":")
        return await asyncio.open_connection(host, int(port))

    async def post(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        first_token: bool = False,
        strict: bool = True,
    ) -> float:
        """Send; return ms to the whole response (or to the first content chunk). A status other
        than 200 raises when `strict`; otherwise it is kept in `status` for the caller."""
        path = "/" + url.split("//", 1)[1].split("/", 1)[1]
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head = f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
        start = time.perf_counter()
        self.writer.write(head.encode() + body)
        status = await self.reader.readline()
        if not status:  # the server closed an idle keep-alive connection: reconnect once
            self.reader, self.writer = await self._connect(self.base)
            start = time.perf_counter()
            self.writer.write(head.encode() + body)
            status = await self.reader.readline()
        self.status = int(status.split()[1]) if len(status.split()) > 1 else 0
        if strict and self.status != 200:
            raise RuntimeError(f"{url}: {status!r}")
        length, chunked = None, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value:
                chunked = True
        first = None
        if not chunked:
            await self.reader.readexactly(length or 0)
        else:
            while size := int((await self.reader.readline()).strip(), 16):
                data = await self.reader.readexactly(size + 2)
                if first is None and b'"content":"' in data and b'"content":""' not in data:
                    first = (time.perf_counter() - start) * 1000
            await self.reader.readline()
        total = (time.perf_counter() - start) * 1000
        return first if first_token and first is not None else total


def caller(
    conns: list[Conn],
    url: str,
    headers: dict[str, str],
    bodies: list[dict[str, object]],
    first_token: bool = False,
) -> Callable[[int], Awaitable[float]]:
    """Each call sends the next of `bodies`, round robin."""
    payloads = [json.dumps(body).encode() for body in bodies]
    sent = 0

    async def one(worker: int) -> float:
        nonlocal sent
        payload = payloads[sent % len(payloads)]
        sent += 1
        return await conns[worker].post(url, payload, headers, first_token=first_token)

    return one
