"""The approvals HTTP API, as Starlette routes the gateway mounts under `/v1/approvals`.

    GET  /v1/approvals[?status=pending]      list, newest first
    GET  /v1/approvals/{id}                  one approval
    POST /v1/approvals/{id}/approve          body {"reason": "..."} (optional)
    POST /v1/approvals/{id}/deny             body {"reason": "..."} (optional)

Callers authenticate as the gateway's callers do (a Vallum API key or a JWT); the principal
that authenticates is the approver, and its roles come from `approvals.approvers`. A caller with
no role sees only its own requests. Errors use
the OpenAI error shape: 401 unknown credentials, 403 not allowed to decide (own request,
missing role), 404 unknown id, 409 already decided or used, 410 expired.
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
from vallum.exceptions import (
    ApprovalError,
    ApprovalExpired,
    ApprovalForbidden,
    ApprovalNotFound,
    AuthenticationError,
    InputError,
)
from vallum.model import Principal

Authenticate = Callable[[Request], Awaitable[Principal]]
MAX_REASON_CHARS = 2000
MAX_LIST = 500


def approval_routes(service: ApprovalService, authenticate: Authenticate) -> list[Route]:
    """The four routes, bound to `service`; `authenticate` maps a request to its principal."""

    async def list_approvals(request: Request) -> Response:
        try:
            who = str(await authenticate(request))
            raw = request.query_params.get("status")
            status = Status(raw) if raw else None
            limit = min(int(request.query_params.get("limit", "100")), MAX_LIST)
        except ValueError:
            return _error(400, "invalid_request_error", "status or limit is not valid")
        except AuthenticationError as exc:
            return _error(401, "authentication_error", str(exc))
        found = await asyncio.to_thread(service.list, status=status, limit=limit)
        if not service.roles_of(who):  # not an approver: only the caller's own requests
            found = [a for a in found if a.principal == who]
        return JSONResponse({"approvals": [a.to_dict() for a in found]})

    async def show(request: Request) -> Response:
        try:
            who = str(await authenticate(request))
        except AuthenticationError as exc:
            return _error(401, "authentication_error", str(exc))
        found = await asyncio.to_thread(service.get, request.path_params["approval_id"])
        if found is None or (found.principal != who and not service.roles_of(who)):
            return _error(404, "not_found_error", "no such approval")
        return JSONResponse(found.to_dict())

    def decide(approve: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                who = await authenticate(request)
                note = await _reason(request)
                decided = await asyncio.to_thread(
                    service.decide,
                    request.path_params["approval_id"],
                    approver=str(who),
                    approve=approve,
                    note=note,
                )
            except AuthenticationError as exc:
                return _error(401, "authentication_error", str(exc))
            except InputError as exc:
                return _error(400, "invalid_request_error", str(exc))
            except ApprovalError as exc:
                return _approval_error(exc)
            return JSONResponse(decided.to_dict())

        return endpoint

    return [
        Route("/v1/approvals", list_approvals, methods=["GET"]),
        Route("/v1/approvals/{approval_id}", show, methods=["GET"]),
        Route("/v1/approvals/{approval_id}/approve", decide(True), methods=["POST"]),
        Route("/v1/approvals/{approval_id}/deny", decide(False), methods=["POST"]),
    ]


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


def _approval_error(exc: ApprovalError) -> Response:
    if isinstance(exc, ApprovalForbidden):
        return _error(403, "permission_error", str(exc))
    if isinstance(exc, ApprovalExpired):
        return _error(410, "invalid_request_error", str(exc))
    if isinstance(exc, ApprovalNotFound):
        return _error(404, "not_found_error", str(exc))
    return _error(409, "invalid_request_error", str(exc))


def _error(status: int, kind: str, message: str) -> Response:
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return JSONResponse(body, status)
