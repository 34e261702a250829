"""The gateway as an ASGI app: routes, health, OpenAPI, and a lifespan that drains on shutdown.

app = create_app(GatewayOptions(bundle="policies/", mock=True))
uvicorn.run(app, port=8080)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from vallum.dashboard import create_dashboard
from vallum.gateway.anthropic_routes import messages
from vallum.gateway.approvals import approval_api
from vallum.gateway.gateway import Gateway, GatewayOptions
from vallum.gateway.guard_routes import guard
from vallum.gateway.openai_routes import chat_completions, list_models
from vallum.gateway.openapi import openapi_schema


async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready to take traffic: not draining, and the database (and Redis, if used) answer."""
    gw: Gateway = request.app.state.gateway
    if gw.draining:
        return JSONResponse({"status": "draining"}, 503)
    try:
        await asyncio.to_thread(_ping_db, gw)
        if gw.redis is not None:
            await gw.redis.ping()
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
    return JSONResponse(
        {"status": "ready", "bundle": {"name": gw.bundle.name, "version": gw.bundle.version}}
    )


def _ping_db(gw: Gateway) -> None:
    with gw.db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_schema())


Endpoint = Callable[[Request], Awaitable[Response]]


class GatewayApp(Starlette):
    """Starlette, with the model routes' POSTs dispatched straight to their endpoint.

    Those two routes carry nearly all traffic, and their endpoint (`serve_chat`) already turns
    every exception into an answer in the provider's format, so Starlette's error middleware and
    route matching add nothing there but time. Every other path, method and the lifespan go
    through Starlette as usual.
    """

    def __init__(self, *, hot: dict[str, Endpoint], **kwargs: Any):
        super().__init__(**kwargs)
        self._hot = hot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            endpoint = self._hot.get(scope["path"])
            if endpoint is not None:
                scope["app"] = self
                response = await endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def create_app(options: GatewayOptions | Gateway) -> GatewayApp:
    """An app serving one gateway; on shutdown it drains in-flight streams and flushes evidence.

    Given options, the app owns the gateway and closes it on shutdown; given a `Gateway`, the
    caller owns it (and closes it).
    """
    owned = not isinstance(options, Gateway)
    gw = options if isinstance(options, Gateway) else Gateway(options)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gw.draining = False
        yield
        await gw.drain()
        if owned:
            await gw.aclose()

    model_routes: dict[str, Endpoint] = {
        "/v1/chat/completions": chat_completions,
        "/v1/messages": messages,
    }
    app = GatewayApp(
        hot=model_routes,
        routes=[
            *(Route(path, endpoint, methods=["POST"]) for path, endpoint in model_routes.items()),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/guard/{stage}", guard, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            *approval_api(gw),
            Mount("/ui", app=create_dashboard(gw.bundle, gw.db, gw.approvals)),
        ],
        lifespan=lifespan,
    )
    app.state.gateway = gw
    return app
