"""JSON in and out of the gateway: request bodies read strictly, answers rendered with orjson.

Reading: `vallum.strict_json` (a key twice, keys equal under NFKC, NaN, numbers beyond a
double, nesting deeper than `gateway.limits.max_json_depth` are refused with HTTP 400 and the
reason), then lone surrogates (no evidence record could hold one). The gateway forwards what it
parsed, re-serialised, never the body's text: so no reader downstream can see other values.

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

from vallum import strict_json
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


async def read_json(
    request: Request, limit: int, max_depth: int = strict_json.DEFAULT_MAX_DEPTH
) -> Any:
    """The body as JSON, refused with `RequestTooLarge` as soon as it passes `limit` bytes, and
    with `InputError` (`NestingTooDeep` past `max_depth`) when it is not strictly one value."""
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
        body = strict_json.loads(raw, max_depth=max_depth)
    except InputError as exc:
        raise type(exc)(f"request body refused: {exc}") from None
    if not may_hold_surrogates(raw):
        return body
    try:  # lone surrogates cannot be stored in any evidence record
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise InputError(
            f"request body holds invalid Unicode (a lone surrogate at {exc.start})"
        ) from None
    return body


def may_hold_surrogates(raw: bytes) -> bool:
    """Whether `json.loads(raw)` can produce a lone surrogate: only from a `\\u` escape, from
    UTF-8 bytes that begin with 0xED (which `json.loads` decodes with `surrogatepass`), or from
    text in UTF-16 or UTF-32. Other bodies skip the check (it costs a second encoding)."""
    return b"\\u" in raw or b"\xed" in raw or json.detect_encoding(raw) != "utf-8"
