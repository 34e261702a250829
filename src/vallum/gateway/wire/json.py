"""JSON in and out of the gateway: request bodies read strictly, answers rendered with orjson.

Rendering: the gateway renders an answer and an upstream request on every
call, and the json module's encoder costs several times more. The bytes are the same compact
JSON with UTF-8 kept as is; where orjson refuses a value (an integer beyond 64 bits, a non-string
key) the json module renders it instead. NaN becomes null."""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

from vallum.exceptions import InputError, RequestTooLarge


def dumps(value: Any) -> bytes:
    """Compact JSON bytes of `value`."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON, refused with `RequestTooLarge` as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(f"request body of {declared} bytes exceeds the limit of {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLarge(f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        body = json.loads(raw, parse_constant=_not_json)
    except ValueError as exc:
        raise InputError(f"request body is not valid JSON: {exc}") from None
    if not may_hold_surrogates(raw):
        return body
    try:  # lone surrogates cannot be stored in any evidence record
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise InputError(
            f"request body holds invalid Unicode (a lone surrogate at {exc.start})"
        ) from None
    return body


def _not_json(token: str) -> Any:
    """`NaN`, `Infinity` and `-Infinity` are Python's extensions, not JSON."""
    raise ValueError(f"{token} is not a JSON number")


def may_hold_surrogates(raw: bytes) -> bool:
    """Whether `json.loads(raw)` can produce a lone surrogate: only from a `\\u` escape, from
    UTF-8 bytes that begin with 0xED (which `json.loads` decodes with `surrogatepass`), or from
    text in UTF-16 or UTF-32. Other bodies skip the check (it costs a second encoding)."""
    return b"\\u" in raw or b"\xed" in raw or json.detect_encoding(raw) != "utf-8"
