"""Health, readiness and the OpenAPI document: no credentials, no decisions, no records."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from vallum.exceptions import VallumError
from vallum.gateway.gateway import Gateway, gateway_of
from vallum.gateway.lifecycle import authenticate
from vallum.gateway.live import PolicyFollower
from vallum.gateway.wire.openapi import openapi_schema


async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready to take traffic: not draining, and the database (and Redis, if used) answer.

    Anyone may ask whether the gateway is ready; which policies run is not theirs to know. A
    caller with valid credentials also gets the bundle version this replica serves and, under
    `vallum serve --active`, what it last saw in the policy store."""
    gw: Gateway = gateway_of(request)
    if gw.lifecycle.draining:
        return JSONResponse({"status": "draining"}, 503)
    try:
        await asyncio.to_thread(_ping_db, gw)
        if gw.redis is not None:
            await gw.redis.ping()
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
    body: dict[str, object] = {"status": "ready"}
    if await _authenticated(request):
        body["bundle"] = {"name": gw.bundle.name, "version": gw.bundle.version}
        follower: PolicyFollower | None = request.app.state.follower
        if follower is not None:
            state = follower.state()
            body["policy"] = {
                "source": "policy store (--active)",
                "active_seq": state.seq,
                "shadow": state.shadow,
                "last_checked_at": state.last_checked_at,
                "last_error": state.last_error,
            }
    return JSONResponse(body)


async def _authenticated(request: Request) -> bool:
    if "authorization" not in request.headers and "x-api-key" not in request.headers:
        return False
    try:
        await authenticate(request)
    except VallumError:
        return False
    return True


def _ping_db(gw: Gateway) -> None:
    with gw.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_schema())


async def metrics(request: Request) -> Response:
    """Prometheus text format; asks for credentials unless `gateway.metrics.public`."""
    gw: Gateway = gateway_of(request)
    if not gw.bundle.config.gateway.metrics.public and not await _authenticated(request):
        return JSONResponse(
            {"error": {"message": "metrics need a Vallum API key or JWT", "type": "auth"}},
            401,
            headers={"www-authenticate": "Bearer"},
        )
    body = await asyncio.to_thread(gw.infra.metrics.render)
    return Response(body, media_type=gw.infra.metrics.content_type)
