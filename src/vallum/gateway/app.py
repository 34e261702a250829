"""The gateway as an ASGI app: routes, health, OpenAPI, and a lifespan that drains on shutdown.

app = create_app(GatewayOptions(bundle="policies/", mock=True))
uvicorn.run(app, port=8080)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from vallum.dashboard import create_dashboard
from vallum.gateway.build import GatewayOptions, build_gateway
from vallum.gateway.gateway import Gateway
from vallum.gateway.lifecycle import Endpoint
from vallum.gateway.routes import approvals
from vallum.gateway.routes.chat import chat_completions, list_models, messages
from vallum.gateway.routes.guard import guard
from vallum.gateway.routes.health import healthz, openapi, readyz


class GatewayApp(Starlette):
    """Starlette, with the model routes' POSTs dispatched straight to their endpoint.

    Those two routes carry nearly all traffic, and their endpoint (the request lifecycle) already turns
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
    gw = options if isinstance(options, Gateway) else build_gateway(options)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gw.lifecycle.draining = False
        if gw.checkpoints is not None:
            await gw.checkpoints.start()
        yield
        await gw.lifecycle.drain()
        if gw.checkpoints is not None:  # the last one covers every request drained
            await gw.checkpoints.stop()
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
            *approvals.ROUTES,
            Mount("/ui", app=create_dashboard(gw.bundle, gw.db, gw.approvals)),
        ],
        lifespan=lifespan,
    )
    app.state.gateway = gw
    return app
