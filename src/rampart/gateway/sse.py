"""Server-sent events: parsing an upstream's stream, encoding ours."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any


async def iter_sse(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str | None, str]]:
    """(event name, data) for each event in a stream of lines; comments are skipped."""
    event: str | None = None
    data: list[str] = []
    async for line in lines:
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
