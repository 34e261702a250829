"""Health, readiness and the OpenAPI document: no credentials, no decisions, no records."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from vallum.gateway.gateway import Gateway
from vallum.gateway.wire.openapi import openapi_schema


async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready to take traffic: not draining, and the database (and Redis, if used) answer."""
    gw: Gateway = request.app.state.gateway
    if gw.lifecycle.draining:
        return JSONResponse({"status": "draining"}, 503)
    try:
        await asyncio.to_thread(_ping_db, gw)
        if gw.redis is not None:
            await gw.redis.ping()
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
    # No bundle name or version: anyone may ask, and which policies run is not theirs to know
    # (an operator finds the version in the dashboard, the evidence or `vallum policy status`).
    return JSONResponse({"status": "ready"})


def _ping_db(gw: Gateway) -> None:
    with gw.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_schema())
