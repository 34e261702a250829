"""`POST /v1/guard/{stage}`: the engine over HTTP, for apps in other languages and sidecars.

    curl -s localhost:8080/v1/guard/input -H "Authorization: Bearer $KEY" \
         -H "X-Vallum-Session: conv-42" -d '{"text": "Ignore previous instructions"}'

The body is read strictly (`vallum.strict_json`: a key twice, NaN, nesting past
`gateway.limits.max_json_depth` are HTTP 400), so the engine decides on the one value any reader
of the body would see. The answer is the decision JSON (`action`, `reasons`, `findings`, `evidence_id`, ...) with HTTP
200 whatever the action: a block is a result. Like every request, it leaves one request record.

It is a decision API for apps, and apps may pass its answer on to the people they serve, so it
tells what `gateway.disclose` allows (`vallum.enforcement.disclosure.decision_body`): always the
action, the redacted text to deliver and the evidence id; the reasons' ids from `reasons`; their
messages, the findings with scores and spans, and the labels only at `full`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from vallum.enforcement import disclosure
from vallum.exceptions import InputError
from vallum.gateway.context import RequestContext
from vallum.gateway.gateway import Gateway, gateway_of
from vallum.gateway.lifecycle import SESSION_HEADER, endpoint, session_of
from vallum.gateway.wire.json import FastJSONResponse, read_json
from vallum.model import Event, Stage, ToolCall


def _str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(f"`{key}` must be a string")
    return value


async def _decide(request: Request, ctx: RequestContext) -> Response:
    gw: Gateway = gateway_of(request)
    principal = ctx.principal
    assert principal is not None
    name = request.path_params["stage"]
    try:
        stage = Stage(name)
    except ValueError:
        raise InputError(
            f"unknown stage {name!r} (known: {', '.join(s.value for s in Stage)})"
        ) from None
    limits = gw.bundle.config.gateway.limits
    body = await read_json(request, limits.max_request_bytes, limits.max_json_depth)
    if not isinstance(body, dict):
        raise InputError("request body must be a JSON object")
    ctx.session = session_of(
        principal, request.headers.get(SESSION_HEADER) or _str(body, "session"), ctx.id
    )
    tool = body.get("tool")
    call = None
    if tool is not None:
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise InputError("`tool` must be an object with a string `name`")
        arguments = tool.get("arguments", {})
        if not isinstance(arguments, dict):
            raise InputError("`tool.arguments` must be an object")
        call = ToolCall(tool["name"], arguments)
    if stage is Stage.TOOL_CALL and call is None:
        raise InputError("stage tool_call needs `tool`: {name, arguments}")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise InputError("`metadata` must be an object of strings")
    ctx.model = _str(body, "model")
    event = Event(
        stage=stage, principal=principal, session=ctx.session, text=_str(body, "text") or "", tool_call=call,
        source=_str(body, "source"), model=ctx.model, prompt=_str(body, "prompt"),
        metadata={**metadata, "request_id": ctx.id},
    )  # fmt: skip
    decision = await gw.evaluator.evaluate(ctx, event)
    body = disclosure.decision_body(decision, gw.bundle.config.gateway.disclose)
    return FastJSONResponse({**body, "request_id": ctx.id})


guard = endpoint("guard", "openai", _decide)
