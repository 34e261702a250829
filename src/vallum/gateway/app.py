"""The gateway as an ASGI app: routes, health, OpenAPI, and a lifespan that drains on shutdown.

app = create_app(GatewayOptions(bundle="policies/", mock=True))
uvicorn.run(app, port=8080)
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from vallum.dashboard import create_dashboard
from vallum.dashboard.app import Dashboard
from vallum.gateway.build import (
    GatewayOptions,
    build_gateway,
    build_infrastructure,
    build_version,
    checkpoint_publisher,
)
from vallum.gateway.gateway import Gateway
from vallum.gateway.lifecycle import Endpoint
from vallum.gateway.live import PolicyFollower, PostgresWakeup, retire
from vallum.gateway.routes import approvals
from vallum.gateway.routes.chat import chat_completions, list_models, messages
from vallum.gateway.routes.embeddings import embeddings
from vallum.gateway.routes.fallback import EXCEPTION_HANDLERS
from vallum.gateway.routes.guard import guard
from vallum.gateway.routes.health import healthz, metrics, openapi, readyz
from vallum.gateway.routes.responses import create_response
from vallum.gateway.routes.tokens import count_tokens
from vallum.lifecycle.store import PolicyStore
from vallum.settings import Settings


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


def freeze_heap() -> None:
    """Put everything built so far (the bundle, detector models and vocabularies, the routes)
    out of the cyclic garbage collector's reach. A process serving a gateway keeps them for its
    life, yet every full collection walked them all: about 190 ms on the example bundle, a
    stall of every request in flight each time one ran (every few seconds under load), and about
    5% of the gateway's CPU. `vallum serve` calls it once, after the app is built; what requests
    create later is collected as before."""
    gc.collect()
    gc.freeze()


def create_app(options: GatewayOptions | Gateway) -> GatewayApp:
    """An app serving one gateway; on shutdown it drains in-flight streams and flushes evidence.

    Given options, the app owns the gateway and closes it on shutdown; given a `Gateway`, the
    caller owns it (and closes it). With `options.active`, the app serves the policy store's
    active version and swaps in each new one as it is activated (`vallum.gateway.live`).
    """
    owned = not isinstance(options, Gateway)
    follower: PolicyFollower | None = None
    if isinstance(options, Gateway):
        gw = options
    elif options.active:
        follower, gw = _follow(options)
    else:
        gw = build_gateway(options)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gw.lifecycle.draining = False
        gw.start()
        checkpoints = gw.infra.checkpoints
        if checkpoints is None and follower is not None:  # --active: the first version's setting
            checkpoints = checkpoint_publisher(gw.evidence, gw.bundle.config.gateway.checkpoints)
        if checkpoints is not None:
            await checkpoints.start()
        async with _following(app, follower):
            yield
        current: Gateway = app.state.gateway
        await current.lifecycle.drain()
        if checkpoints is not None:  # the last one covers every request drained
            await checkpoints.stop()
        if owned:
            await current.aclose()

    dashboard = create_dashboard(gw.bundle, gw.db, gw.approvals)
    model_routes: dict[str, Endpoint] = {
        "/v1/chat/completions": chat_completions,
        "/v1/messages": messages,
        "/v1/responses": create_response,
    }
    app = GatewayApp(
        hot=model_routes,
        routes=[
            *(Route(path, endpoint, methods=["POST"]) for path, endpoint in model_routes.items()),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
            Route("/v1/messages/count_tokens", count_tokens, methods=["POST"]),
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/guard/{stage}", guard, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            *approvals.ROUTES,
            Mount("/ui", app=dashboard),
        ],
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.gateway = gw
    app.state.follower = follower
    app.state.dashboard = dashboard.state.dashboard
    return app


def _follow(options: GatewayOptions) -> tuple[PolicyFollower, Gateway]:
    infra = build_infrastructure(options, Settings.from_env())
    follower = PolicyFollower(
        PolicyStore(infra.db),
        lambda bundle, shadow: build_version(bundle, infra, options, shadow),
        cache_dir=options.cache_dir,
        poll_interval_s=options.poll_interval_s,
    )
    try:
        return follower, follower.initial()
    except BaseException:
        infra.db.dispose()
        infra.writer.close()
        raise


@contextlib.asynccontextmanager
async def _following(app: Starlette, follower: PolicyFollower | None) -> AsyncIterator[None]:
    """While the app runs, swap in each newly activated version; retire the replaced ones."""
    if follower is None:
        yield
        return
    retiring: set[asyncio.Task[None]] = set()
    dashboard: Dashboard = app.state.dashboard

    def swap(new: Gateway) -> None:
        old: Gateway = app.state.gateway
        app.state.gateway = new
        new.start()
        dashboard.bundle, dashboard.approvals = new.bundle, new.approvals
        task = asyncio.create_task(retire(old))
        retiring.add(task)
        task.add_done_callback(retiring.discard)

    watch = asyncio.create_task(follower.run(swap))
    wakeup = None
    current: Gateway = app.state.gateway
    if not current.db.is_sqlite:
        wakeup = PostgresWakeup(current.db, follower, asyncio.get_running_loop())
        wakeup.start()
    try:
        yield
    finally:
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
        if wakeup is not None:
            await asyncio.to_thread(wakeup.stop)
        await asyncio.gather(*retiring, return_exceptions=True)
