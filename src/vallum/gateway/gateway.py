"""The gateway's state: bundle, engines, evidence, identity, limits, upstreams, in-flight work.

One `Gateway` serves every request of an app. Engine evaluations run on the event loop when
session state is in memory (they are pure CPU, and evidence is buffered), and in a worker thread
when sessions live in Redis or a database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from vallum.approvals.service import ApprovalService
from vallum.bundle.gateway import UpstreamConfig
from vallum.bundle.loader import Bundle, load_bundle
from vallum.engine import Engine
from vallum.exceptions import AccessDenied, ConfigError, UpstreamError, VallumError
from vallum.gateway.approvals import ApprovalHolds
from vallum.gateway.auth import Authenticator, load_jwks
from vallum.gateway.authz_cache import CachedAuthorizer
from vallum.gateway.context import BufferedEvidence, RequestContext, collecting, stop_collecting
from vallum.gateway.holds import HoldQueue
from vallum.gateway.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from vallum.gateway.upstream import HttpUpstream, Upstream
from vallum.gateway.writer import EvidenceWriter
from vallum.model import Decision, Event, Principal
from vallum.sessions.redis import RedisSessionStore
from vallum.sessions.store import CheckMarks, MemorySessionStore, SessionStore
from vallum.settings import Settings, secret_from_env
from vallum.storage.database import Database

log = logging.getLogger("vallum.gateway")
T = TypeVar("T")
MOCK_BASE_URL = "http://mock-model.vallum/v1"
MAX_CONNECTIONS = 512
CLIENT_SHARDS = 16


@dataclass(frozen=True, slots=True)
class GatewayOptions:
    """How to build a gateway. `upstream_url` or `mock` replace the bundle's upstream routing;
    `transport` replaces the network (tests pass `httpx.MockTransport`)."""

    bundle: str | Path | Bundle
    database_url: str | None = None
    upstream_url: str | None = None
    upstream_key_env: str | None = None
    mock: bool = False
    redis_url: str | None = None
    transport: httpx.AsyncBaseTransport | None = None
    holds: HoldQueue | None = None


class Gateway:
    def __init__(self, options: GatewayOptions, settings: Settings | None = None):
        settings = settings or Settings.from_env()
        bundle = (
            options.bundle if isinstance(options.bundle, Bundle) else load_bundle(options.bundle)
        )
        self.bundle = bundle
        self.config = bundle.config.gateway
        self.db = Database(options.database_url)
        self.evidence = BufferedEvidence(self.db)
        self.writer = EvidenceWriter(self.evidence)
        redis_url = options.redis_url or settings.redis_url
        self.redis: AsyncRedis | None = None
        sessions: SessionStore
        if redis_url:
            sessions = RedisSessionStore(Redis.from_url(redis_url))
            self.redis = AsyncRedis.from_url(redis_url)
            self.limiter: RateLimiter = RedisRateLimiter(self.redis)
        else:
            sessions = MemorySessionStore()
            self.limiter = MemoryRateLimiter()
        self.sessions = sessions
        self.marks: CheckMarks | None = sessions if isinstance(sessions, CheckMarks) else None
        self._offload = not isinstance(sessions, MemorySessionStore)
        authorizer = CachedAuthorizer(bundle.policies, bundle.config)
        self.engine = Engine(
            bundle, evidence=self.evidence, sessions=sessions, authorizer=authorizer
        )
        self.probe_engine = Engine(  # stream windows
            bundle, evidence=None, sessions=sessions, authorizer=authorizer
        )
        jwt_config = self.config.auth.jwt
        jwks = load_jwks(jwt_config, bundle.path) if jwt_config else None
        self.auth = Authenticator(self.db, jwt_config, jwks)
        self.approvals = ApprovalService.open(bundle, self.db)
        self.holds: HoldQueue = options.holds or ApprovalHolds(self.approvals)
        shards = 1 if options.transport is not None else CLIENT_SHARDS
        per_shard = MAX_CONNECTIONS // shards
        self.clients = [
            httpx.AsyncClient(
                transport=options.transport,
                limits=httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard),
            )
            for _ in range(shards)
        ]
        self._override: Upstream | None = None
        self._upstreams: dict[str, Upstream] = {}
        self._setup_upstreams(options)
        self.inflight = 0
        self.draining = False
        self._idle = asyncio.Event()
        self._idle.set()

    def _setup_upstreams(self, options: GatewayOptions) -> None:
        if options.mock:
            from vallum.gateway.mock_model import create_mock_app

            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_mock_app()))
            self._mock_client: httpx.AsyncClient | None = client
            self._override = HttpUpstream(
                "mock", UpstreamConfig(base_url=MOCK_BASE_URL), client, None
            )
            return
        self._mock_client = None
        if options.upstream_url:
            key = secret_from_env(options.upstream_key_env) if options.upstream_key_env else None
            config = UpstreamConfig(base_url=options.upstream_url)
            lean = options.transport is None
            self._override = HttpUpstream("cli", config, self.clients, key, lean=lean)
            return
        models = self.bundle.config.models.values()
        used = {m.upstream or self.config.default_upstream for m in models} | {
            self.config.default_upstream
        }
        for name, config in self.config.upstreams.items():
            key = None
            if (
                config.api_key_env and name in used
            ):  # a key only an unused upstream needs may be absent
                key = secret_from_env(config.api_key_env)
                if key is None:
                    raise ConfigError(
                        f"gateway.upstreams.{name}.api_key_env: environment variable {config.api_key_env} is not set"
                    )
            self._upstreams[name] = HttpUpstream(
                name, config, self.clients, key, lean=options.transport is None
            )

    def upstream_for(self, model: str) -> Upstream:
        if self._override is not None:
            return self._override
        entry = self.bundle.config.models.get(model)
        name = (entry.upstream if entry else None) or self.config.default_upstream
        if name is None or name not in self._upstreams:
            raise UpstreamError(
                f"no upstream for model {model!r}: set gateway.default_upstream, or serve with --upstream/--mock"
            )
        return self._upstreams[name]

    def check_model(self, principal: Principal, model: str) -> None:
        entry = self.bundle.config.models.get(model)
        if entry is None:
            raise AccessDenied(f"model {model!r} is not in the bundle's inventory")
        if not entry.allows(str(principal)):
            raise AccessDenied(f"{principal} may not use model {model!r}")

    # --- engine calls -----------------------------------------------------------------------

    async def run(self, fn: Callable[[], T]) -> T:
        """Run engine work inline, or in a thread when session state does I/O."""
        if self._offload:
            return await asyncio.to_thread(fn)
        return fn()

    def evaluate_now(self, ctx: RequestContext, event: Event) -> Decision:
        """Evaluate and keep the decision record for this request's flush."""
        token = collecting(ctx.records)
        try:
            decision = self.engine.evaluate(event, record_extra={"request_id": ctx.id})
        finally:
            stop_collecting(token)
        ctx.decisions.append(decision)
        return decision

    async def evaluate(self, ctx: RequestContext, event: Event) -> Decision:
        return await self.run(lambda: self.evaluate_now(ctx, event))

    def probe_now(self, event: Event) -> Decision:
        """Evaluate without recording (stream windows; the final verdict is recorded)."""
        return self.probe_engine.evaluate(event)

    # --- request lifecycle ------------------------------------------------------------------

    def begin(self, route: str) -> RequestContext:
        self.inflight += 1
        self._idle.clear()
        return RequestContext(route=route)

    async def finish(self, ctx: RequestContext) -> None:
        """Write the request's records (once). Raises `EvidenceError` if they cannot be."""
        if ctx.finished:
            return
        ctx.finished = True
        try:
            await self.writer.write([*ctx.records, ctx.request_record(self.bundle)])
            if ctx.marks and self.marks is not None:
                await self._remember(ctx)
        finally:
            self.inflight -= 1
            if self.inflight == 0:
                self._idle.set()

    async def _remember(self, ctx: RequestContext) -> None:
        """Mark the messages this request checked (its evidence is committed): see `history`."""
        marks, store = ctx.marks, self.marks
        assert store is not None
        try:
            await self.run(lambda: store.mark_checked(ctx.session, marks))
        except VallumError as exc:  # an optimisation: without marks, history is checked again
            log.warning("could not remember checked messages of request %s: %s", ctx.id, exc)

    async def drain(self, timeout: float | None = None) -> bool:
        """Stop taking requests, wait for in-flight ones (streams included), flush evidence."""
        self.draining = True
        limit = self.config.drain_timeout_s if timeout is None else timeout
        try:
            await asyncio.wait_for(self._idle.wait(), limit)
            drained = True
        except TimeoutError:
            log.warning("drain timed out with %d request(s) in flight", self.inflight)
            drained = False
        await self.writer.idle()
        return drained

    async def aclose(self) -> None:
        for upstream in [*self._upstreams.values(), self._override]:
            if isinstance(upstream, HttpUpstream):
                await upstream.aclose()
        for client in self.clients:
            await client.aclose()
        if self._mock_client is not None:
            await self._mock_client.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        self.writer.close()
        self.approvals.close()
        self.db.dispose()
