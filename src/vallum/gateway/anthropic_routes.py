"""`POST /v1/messages`, Anthropic Messages-compatible."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from vallum.gateway import anthropic_format
from vallum.gateway.handler import serve_chat


async def messages(request: Request) -> Response:
    return await serve_chat(
        request, "anthropic", anthropic_format.parse_request, anthropic_format.render_response,
        anthropic_format.StreamRenderer,
    )  # fmt: skip
