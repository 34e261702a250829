"""`POST /v1/embeddings`: documents embedded for RAG are checked as they enter, as `retrieval`.

Embedding is where a document enters a RAG system, so it is the ingestion control point: each
input is a `retrieval` event from the source the caller names (`X-Vallum-Source`, or
`vallum_source` in the body; `embeddings` otherwise), taking that source's trust from the bundle.
A poisoned or secret-bearing document is blocked (HTTP 400 `content_filter`, naming the input's
index) or redacted before it is embedded, per the bundle's controls for that stage; what is
embedded is exactly the text that was checked. Token arrays cannot be checked and are refused.
The provider's answer is passed on as it is.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from vallum.enforcement import STOPPING
from vallum.exceptions import AccessDenied, InputError, UpstreamError, UpstreamRejected
from vallum.gateway.context import RequestContext
from vallum.gateway.errors import blocked
from vallum.gateway.gateway import Gateway, gateway_of
from vallum.gateway.lifecycle import SESSION_HEADER, endpoint, session_of
from vallum.gateway.wire.json import FastJSONResponse, dumps, read_json
from vallum.model import Action, Event, Stage

SOURCE_HEADER = "x-vallum-source"
SOURCE_KEY = "vallum_source"
DEFAULT_SOURCE = "embeddings"
CHARS_PER_TOKEN = 4


def read_inputs(body: Any) -> tuple[str, list[str], bool]:
    """(model, the input texts, whether `input` was one string); `InputError` otherwise."""
    if not isinstance(body, dict):
        raise InputError("request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InputError("`model` must be a non-empty string")
    raw = body.get("input")
    if isinstance(raw, str):
        return model, [raw], True
    if isinstance(raw, list) and raw and all(isinstance(x, str) for x in raw):
        return model, list(raw), False
    if isinstance(raw, list) and raw:
        raise InputError(
            "`input` must be text: token arrays cannot be checked (send the text they encode)"
        )
    raise InputError("`input` must be a string or a non-empty array of strings")


async def _embeddings(request: Request, ctx: RequestContext) -> Response:
    gw: Gateway = gateway_of(request)
    principal = ctx.principal
    assert principal is not None
    header = request.headers.get(SESSION_HEADER)
    ctx.session, ctx.linked = session_of(principal, header, ctx.id), header is not None
    limits = gw.bundle.config.gateway.limits
    body = await read_json(request, limits.max_request_bytes, limits.max_json_depth)
    model, texts, single = read_inputs(body)
    source = request.headers.get(SOURCE_HEADER) or body.get(SOURCE_KEY) or DEFAULT_SOURCE
    if not isinstance(source, str):
        raise InputError(f"`{SOURCE_KEY}` must be a string")
    ctx.model = model
    denied = gw.engine.model_access(principal, model)
    if denied is not None:
        raise AccessDenied(denied.message)
    limit = gw.bundle.config.gateway.rate_limits.for_principal(str(principal))
    tokens = sum(len(t) for t in texts) // CHARS_PER_TOKEN + 1
    quota = await gw.limiter.admit(str(principal), limit, tokens)
    disclose = gw.bundle.config.gateway.disclose
    checked: list[str] = []
    for index, text in enumerate(texts):
        event = Event(
            Stage.RETRIEVAL, principal, ctx.session, text=text, source=source,
            metadata={"request_id": ctx.id, "input_index": str(index)},
        )  # fmt: skip
        decision = await gw.evaluator.evaluate(ctx, event)
        if decision.action in STOPPING:
            ctx.outcome = "input_blocked"
            status, answer = blocked("openai", decision, ctx.id, disclose)
            answer["error"]["message"] = f"input[{index}]: {answer['error']['message']}"
            answer["error"]["param"] = f"input[{index}]"
            answer["vallum"]["input_index"] = index
            return FastJSONResponse(answer, status, quota.headers())
        redacted = decision.action is Action.REDACT and decision.redacted_text is not None
        checked.append(decision.redacted_text if redacted and decision.redacted_text else text)
    upstream = gw.upstreams.for_model(model)
    ctx.upstream = upstream.name
    if upstream.kind != "openai":
        raise InputError(f"model {model!r} is served by an upstream without an embeddings API")
    forward = {k: v for k, v in body.items() if k != SOURCE_KEY}
    forward["input"] = checked[0] if single else checked
    status, content = await upstream.post("/embeddings", dumps(forward))
    if status >= 400:
        raise UpstreamRejected(f"upstream {upstream.name!r} answered {status}", status)
    try:
        answer = json.loads(content)
    except ValueError:
        raise UpstreamError(f"upstream {upstream.name!r} answered something not JSON") from None
    headers = {"x-vallum-request-id": ctx.id, "x-vallum-session": ctx.session, **quota.headers()}
    if checked != texts:
        headers["x-vallum-redacted"] = ",".join(
            str(i) for i, (a, b) in enumerate(zip(checked, texts, strict=True)) if a != b
        )
    return FastJSONResponse(answer, headers=headers)


embeddings = endpoint("openai.embeddings", "openai", _embeddings)
