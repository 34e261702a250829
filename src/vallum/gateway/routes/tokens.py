"""`POST /v1/messages/count_tokens`: Anthropic's token count, passed through.

The body is read as a Messages request (so a malformed one is refused in Anthropic's error
format before it leaves), the caller must be allowed the model, and the request is sent to an
Anthropic upstream as it came. An upstream speaking OpenAI's API has no such endpoint: the
answer is then the gateway's own estimate, marked `x-vallum-estimated: true`.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from vallum.exceptions import AccessDenied, UpstreamError, UpstreamRejected
from vallum.gateway.context import RequestContext
from vallum.gateway.gateway import Gateway, gateway_of
from vallum.gateway.lifecycle import endpoint
from vallum.gateway.wire import anthropic
from vallum.gateway.wire.json import FastJSONResponse, dumps, read_json

CHARS_PER_TOKEN = 4


async def _count_tokens(request: Request, ctx: RequestContext) -> Response:
    gw: Gateway = gateway_of(request)
    principal = ctx.principal
    assert principal is not None
    limits = gw.bundle.config.gateway.limits
    body = await read_json(request, limits.max_request_bytes, limits.max_json_depth)
    # count_tokens takes no max_tokens: read the rest as Messages would, send the body as it is
    req = anthropic.parse_request({"max_tokens": 1, **body} if isinstance(body, dict) else body)
    ctx.model = req.model
    denied = gw.engine.model_access(principal, req.model)
    if denied is not None:
        raise AccessDenied(denied.message)
    upstream = gw.upstreams.for_model(req.model)
    ctx.upstream = upstream.name
    headers = {"x-vallum-request-id": ctx.id}
    if upstream.kind != "anthropic":
        estimate = sum(len(m.text) for m in req.messages) // CHARS_PER_TOKEN + 1
        return FastJSONResponse(
            {"input_tokens": estimate}, headers={**headers, "x-vallum-estimated": "true"}
        )
    status, content = await upstream.post("/v1/messages/count_tokens", dumps(body))
    if status >= 400:
        raise UpstreamRejected(f"upstream {upstream.name!r} answered {status}", status)
    try:
        answer = json.loads(content)
    except ValueError:
        raise UpstreamError(f"upstream {upstream.name!r} answered something not JSON") from None
    return FastJSONResponse(answer, headers=headers)


count_tokens = endpoint("anthropic.count_tokens", "anthropic", _count_tokens)
