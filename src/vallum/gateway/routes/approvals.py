"""The approvals HTTP API under `/v1/approvals`.

    GET  /v1/approvals[?status=pending]      list, newest first
    GET  /v1/approvals/{id}                  one approval
    POST /v1/approvals/{id}/approve          body {"reason": "..."} (optional)
    POST /v1/approvals/{id}/deny             body {"reason": "..."} (optional)

Callers authenticate as the gateway's callers do (a Vallum API key or a JWT); the principal
that authenticates is the approver, and its roles come from `approvals.approvers`. A caller with
no role sees only its own requests. Errors use the OpenAI error shape, through the gateway's one
error table: 401 unknown credentials, 403 not allowed to decide (own request, missing role), 404
unknown id, 409 already decided or used, 410 expired.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vallum.approvals.model import Status
from vallum.approvals.service import ApprovalService
from vallum.exceptions import ApprovalNotFound, InputError
from vallum.gateway.context import RequestContext
from vallum.gateway.gateway import gateway_of
from vallum.gateway.lifecycle import endpoint

MAX_REASON_CHARS = 2000
MAX_LIST = 500


def _service(request: Request) -> ApprovalService:
    service: ApprovalService = gateway_of(request).approvals
    return service


async def list_approvals(request: Request, ctx: RequestContext) -> Response:
    service, who = _service(request), str(ctx.principal)
    try:
        raw = request.query_params.get("status")
        status = Status(raw) if raw else None
        limit = min(int(request.query_params.get("limit", "100")), MAX_LIST)
    except ValueError:
        raise InputError("status or limit is not valid") from None
    found = await asyncio.to_thread(service.list, status=status, limit=limit)
    if not service.roles_of(who):  # not an approver: only the caller's own requests
        found = [a for a in found if a.principal == who]
    return JSONResponse({"approvals": [a.to_dict() for a in found]})


async def show(request: Request, ctx: RequestContext) -> Response:
    service, who = _service(request), str(ctx.principal)
    found = await asyncio.to_thread(service.get, request.path_params["approval_id"])
    if found is None or (found.principal != who and not service.roles_of(who)):
        raise ApprovalNotFound("no such approval")
    return JSONResponse(found.to_dict())


def decide(approve: bool) -> Callable[[Request, RequestContext], Awaitable[Response]]:
    async def decide_one(request: Request, ctx: RequestContext) -> Response:
        note = await _reason(request)
        decided = await asyncio.to_thread(
            _service(request).decide,
            request.path_params["approval_id"],
            approver=str(ctx.principal),
            approve=approve,
            note=note,
        )
        return JSONResponse(decided.to_dict())

    return decide_one


async def _reason(request: Request) -> str:
    body = await request.body()
    if not body.strip():
        return ""
    try:
        data: Any = json.loads(body)
    except ValueError:
        raise InputError('the body must be JSON: {"reason": "..."}') from None
    reason = data.get("reason", "") if isinstance(data, dict) else None
    if not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS:
        raise InputError(f"`reason` must be a string of at most {MAX_REASON_CHARS} characters")
    return reason


def _route(path: str, handler: Callable[[Request, RequestContext], Awaitable[Response]],
           method: str) -> Route:  # fmt: skip
    return Route(path, endpoint("approvals", "openai", handler, record=False), methods=[method])


ROUTES = [
    _route("/v1/approvals", list_approvals, "GET"),
    _route("/v1/approvals/{approval_id}", show, "GET"),
    _route("/v1/approvals/{approval_id}/approve", decide(True), "POST"),
    _route("/v1/approvals/{approval_id}/deny", decide(False), "POST"),
]
