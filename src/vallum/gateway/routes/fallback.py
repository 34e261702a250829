"""Unknown routes and methods, answered in the provider's JSON error format.

A client of an OpenAI or Anthropic SDK reads errors as JSON in its provider's shape; a bare
`Not Found` in text/plain surfaces as a parse failure rather than the 404 it is. Paths under
`/v1/messages` answer in Anthropic's shape, every other path in OpenAI's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from vallum.gateway.errors import ErrorInfo, Style, error_body
from vallum.gateway.wire.json import FastJSONResponse

_INFO = {
    404: ErrorInfo(404, "invalid_request_error", "unknown_url", "not_found_error", "not_found"),
    405: ErrorInfo(
        405, "invalid_request_error", "method_not_allowed", "invalid_request_error", "not_allowed"
    ),
}


def style_of(path: str) -> Style:
    return "anthropic" if path.startswith("/v1/messages") else "openai"


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    info = _INFO.get(exc.status_code) or ErrorInfo(
        exc.status_code, "invalid_request_error", "http_error", "invalid_request_error", "error"
    )
    if exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    elif exc.status_code == 404:
        message = f"unknown route {request.method} {request.url.path}"
    else:
        message = str(exc.detail)
    body = error_body(style_of(request.url.path), info, message, {})
    return FastJSONResponse(body, exc.status_code, headers=dict(exc.headers or {}))


EXCEPTION_HANDLERS: Mapping[Any, Any] = {HTTPException: http_error}
