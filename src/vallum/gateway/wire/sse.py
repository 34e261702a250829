"""Server-sent events: parsing an upstream's stream, encoding ours."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import AsyncIterator
from typing import Any

_LINE_END = re.compile(r"\r\n|\r|\n")


async def lines(pieces: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """The lines of a UTF-8 byte stream without their endings, however the bytes were cut into
    pieces. Lines end at CR LF, LF or CR (the SSE rule; other Unicode line breaks, which JSON
    may carry raw, are text)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    async for piece in pieces:
        pending += decoder.decode(piece)
        held = pending.endswith("\r")  # maybe the first half of a \r\n: see what follows
        parts = _LINE_END.split(pending[:-1] if held else pending)
        pending = parts.pop() + ("\r" if held else "")
        for part in parts:
            yield part
    parts = _LINE_END.split(pending + decoder.decode(b"", final=True))
    last = parts.pop()
    for part in parts:
        yield part
    if last:
        yield last


async def iter_sse(source: AsyncIterator[str]) -> AsyncIterator[tuple[str | None, str]]:
    """(event name, data) for each event in a stream of lines; comments are skipped."""
    event: str | None = None
    data: list[str] = []
    async for line in source:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield event, "\n".join(data)


def encode(data: dict[str, Any] | str, event: str | None = None) -> bytes:
    """One SSE event: `event:` (when named) and a single `data:` line of compact JSON."""
    payload = (
        data
        if isinstance(data, str)
        else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    )
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()
