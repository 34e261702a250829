"""The composition root: every collaborator of a gateway is built here, and only here.

    gw = build_gateway(GatewayOptions(bundle="policies/", mock=True))
    app = create_app(gw)

What is built depends on the options and the environment (`Settings`): SQLite or PostgreSQL for
evidence, approvals and keys; memory or Redis for session labels and rate limits; the bundle's
upstreams, one URL given on the command line, or the built-in mock model. Nothing else in the
gateway constructs a database, a Redis client or an upstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from vallum.approvals.service import ApprovalService
from vallum.bundle.gateway import CheckpointsConfig, UpstreamConfig
from vallum.bundle.loader import Bundle, load_bundle
from vallum.enforcement.approvals import ApprovalHolds
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.exceptions import ConfigError
from vallum.extras import require
from vallum.gateway.auth import Authenticator, load_jwks
from vallum.gateway.authz_cache import CachedAuthorizer
from vallum.gateway.evaluator import Evaluator
from vallum.gateway.gateway import Gateway
from vallum.gateway.lifecycle import RequestLifecycle
from vallum.gateway.pipeline import ModelPipeline
from vallum.gateway.ratelimit import RateLimiter
from vallum.gateway.routing import Upstreams
from vallum.gateway.upstream import HttpUpstream, Upstream, UpstreamClientKind, build_transports
from vallum.gateway.writer import EvidenceWriter
from vallum.sessions.store import CheckMarks, MemorySessionStore, SessionStore
from vallum.settings import Settings, secret_from_env
from vallum.storage.database import Database

if TYPE_CHECKING:
    from redis.asyncio import Redis as AsyncRedis

    from vallum.evidence.publish import CheckpointPublisher

MOCK_BASE_URL = "http://mock-model.vallum/v1"


@dataclass(frozen=True, slots=True)
class GatewayOptions:
    """How to build a gateway. `upstream_url` or `mock` replace the bundle's upstream routing;
    `transport` replaces the network (tests pass `httpx.MockTransport`); `upstream_client`
    chooses how plain-HTTP upstreams are called (`vallum.gateway.upstream.build_transports`)."""

    bundle: str | Path | Bundle
    database_url: str | None = None
    upstream_url: str | None = None
    upstream_key_env: str | None = None
    mock: bool = False
    redis_url: str | None = None
    transport: httpx.AsyncBaseTransport | None = None
    upstream_client: UpstreamClientKind = "lean"


def build_gateway(options: GatewayOptions, settings: Settings | None = None) -> Gateway:
    """A gateway with every collaborator built from `options` and the environment."""
    settings = settings or Settings.from_env()
    bundle = options.bundle if isinstance(options.bundle, Bundle) else load_bundle(options.bundle)
    config = bundle.config.gateway
    db = Database(options.database_url)
    log = EvidenceLog(db)
    writer = EvidenceWriter(log)
    redis_url = options.redis_url or settings.redis_url
    redis: AsyncRedis | None = None
    sessions: SessionStore
    limiter: RateLimiter
    if redis_url:
        require("redis", "redis", feature="a Redis URL (VALLUM_REDIS_URL)")
        from redis import Redis
        from redis.asyncio import Redis as AsyncRedisClient

        from vallum.sessions.redis import RedisSessionStore

        sessions = RedisSessionStore(Redis.from_url(redis_url))
        redis = AsyncRedisClient.from_url(redis_url)
        limiter = RateLimiter.redis(redis_url)
    else:
        sessions = MemorySessionStore()
        limiter = RateLimiter.in_memory()
    marks = sessions if isinstance(sessions, CheckMarks) else None
    engine = Engine(
        bundle, sessions=sessions, authorizer=CachedAuthorizer(bundle.policies, bundle.config)
    )
    # Engine work runs on the event loop when session state is in memory (pure CPU, evidence
    # buffered per request), and in a worker thread when sessions live in Redis or a database.
    evaluator = Evaluator(engine, offload=not isinstance(sessions, MemorySessionStore))
    jwks = load_jwks(config.auth.jwt, bundle.path) if config.auth.jwt else None
    approvals = ApprovalService.open(bundle, db)
    holds = ApprovalHolds(approvals)
    upstreams = _upstreams(bundle, options)
    pipeline = ModelPipeline(
        evaluator, holds, upstreams, config.streaming, marks, bundle.version,
        max_json_depth=config.limits.max_json_depth,
    )  # fmt: skip
    return Gateway(
        bundle=bundle,
        db=db,
        evidence=log,
        writer=writer,
        engine=engine,
        evaluator=evaluator,
        auth=Authenticator(db, config.auth.jwt, jwks),
        approvals=approvals,
        limiter=limiter,
        upstreams=upstreams,
        pipeline=pipeline,
        lifecycle=RequestLifecycle(writer, evaluator, marks, bundle, config.drain_timeout_s),
        redis=redis,
        checkpoints=_checkpoints(log, config.checkpoints),
    )


def _checkpoints(log: EvidenceLog, config: CheckpointsConfig | None) -> CheckpointPublisher | None:
    """The scheduled checkpoints `gateway.checkpoints` asks for (its key from the environment:
    a ConfigError at start when it is missing, never a gateway that silently signs nothing)."""
    if config is None:
        return None
    from vallum.evidence.keys import load_signing_key
    from vallum.evidence.publish import CheckpointPublisher

    return CheckpointPublisher(
        log, load_signing_key(None), every_s=config.every_s, directory=config.dir,
        webhook=config.webhook, stdout=config.stdout,
    )  # fmt: skip


def _upstreams(bundle: Bundle, options: GatewayOptions) -> Upstreams:
    if options.mock:
        from vallum.gateway.mock_model import create_mock_app

        mock = httpx.ASGITransport(app=create_mock_app())
        upstream = HttpUpstream("mock", UpstreamConfig(base_url=MOCK_BASE_URL), mock, None)
        return Upstreams(bundle, {}, upstream, [mock])
    transports = build_transports(options.transport, options.upstream_client)
    if options.upstream_url:
        key = secret_from_env(options.upstream_key_env) if options.upstream_key_env else None
        config = UpstreamConfig(base_url=options.upstream_url)
        upstream = HttpUpstream("cli", config, transports, key)
        return Upstreams(bundle, {}, upstream, transports)
    gateway = bundle.config.gateway
    used = {m.upstream or gateway.default_upstream for m in bundle.config.models.values()}
    used.add(gateway.default_upstream)
    named: dict[str, Upstream] = {}
    for name, config in gateway.upstreams.items():
        key = None
        if config.api_key_env and name in used:  # a key only an unused upstream needs may be absent
            key = secret_from_env(config.api_key_env)
            if key is None:
                raise ConfigError(
                    f"gateway.upstreams.{name}.api_key_env: environment variable {config.api_key_env} is not set"
                )
        named[name] = HttpUpstream(name, config, transports, key)
    return Upstreams(bundle, named, None, transports)
