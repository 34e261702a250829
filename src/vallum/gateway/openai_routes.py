"""`POST /v1/chat/completions` and `GET /v1/models`, OpenAI-compatible."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from vallum.gateway import openai_format
from vallum.gateway.errors import exception_body
from vallum.gateway.gateway import Gateway
from vallum.gateway.handler import authenticate, serve_chat


async def chat_completions(request: Request) -> Response:
    return await serve_chat(
        request,
        "openai",
        openai_format.parse_request,
        openai_format.render_response,
        openai_format.StreamRenderer,
    )


async def list_models(request: Request) -> Response:
    """The models of the inventory this caller may use."""
    gw: Gateway = request.app.state.gateway
    try:
        principal = await authenticate(gw, request)
    except Exception as exc:
        status, body, headers = exception_body("openai", exc, "-")
        return JSONResponse(body, status, headers)
    data = [
        {"id": name, "object": "model", "created": 0, "owned_by": entry.provider}
        for name, entry in sorted(gw.bundle.config.models.items())
        if entry.allows(str(principal))
    ]
    return JSONResponse({"object": "list", "data": data})
