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

from vallum.alerts.service import Escalation
from vallum.approvals.service import ApprovalService
from vallum.bundle.gateway import CheckpointsConfig, UpstreamConfig
from vallum.bundle.loader import Bundle, load_bundle
from vallum.enforcement.approvals import ApprovalHolds
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.exceptions import ConfigError
from vallum.extras import require
from vallum.gateway.auth import Authenticator
from vallum.gateway.authz_cache import CachedAuthorizer
from vallum.gateway.evaluator import Evaluator
from vallum.gateway.gateway import Gateway, Infrastructure
from vallum.gateway.jwks import load_jwks
from vallum.gateway.lifecycle import RequestLifecycle
from vallum.gateway.pipeline import ModelPipeline
from vallum.gateway.ratelimit import RateLimiter
from vallum.gateway.routing import Upstreams
from vallum.gateway.upstream import HttpUpstream, Upstream, UpstreamClientKind, build_transports
from vallum.gateway.writer import EvidenceWriter
from vallum.lifecycle.shadow import ShadowEngine
from vallum.sessions.store import CheckMarks, MemorySessionStore, SessionStore
from vallum.settings import Settings, secret_from_env
from vallum.storage.database import Database
from vallum.telemetry import Telemetry
from vallum.telemetry.access import AccessLog
from vallum.telemetry.metrics import Metrics
from vallum.telemetry.tracing import Tracing

if TYPE_CHECKING:
    from redis.asyncio import Redis as AsyncRedis

    from vallum.evidence.publish import CheckpointPublisher

MOCK_BASE_URL = "http://mock-model.vallum/v1"


@dataclass(frozen=True, slots=True)
class GatewayOptions:
    """How to build a gateway. `upstream_url` or `mock` replace the bundle's upstream routing;
    `transport` replaces the network (tests pass `httpx.MockTransport`); `upstream_client`
    chooses how plain-HTTP upstreams are called (`vallum.gateway.upstream.build_transports`)."""

    bundle: str | Path | Bundle | None
    database_url: str | None = None
    upstream_url: str | None = None
    upstream_key_env: str | None = None
    mock: bool = False
    redis_url: str | None = None
    transport: httpx.AsyncBaseTransport | None = None
    upstream_client: UpstreamClientKind = "lean"
    # Serve the policy store's active version and follow activations (`vallum serve --active`)
    # instead of `bundle`; `cache_dir` holds the stored versions' files.
    active: bool = False
    poll_interval_s: float = 2.0
    cache_dir: Path = Path(".vallum/bundles")
    # OpenTelemetry providers to report to (tests); by default from the OTEL_* variables.
    tracing: Tracing | None = None
    # Where alert webhooks go (tests pass a transport to a local receiver); default: the network.
    alerts_transport: httpx.AsyncBaseTransport | None = None


def build_gateway(options: GatewayOptions, settings: Settings | None = None) -> Gateway:
    """A gateway with every collaborator built from `options` and the environment."""
    settings = settings or Settings.from_env()
    if options.bundle is None:
        raise ConfigError("give a bundle directory, or serve the active version (--active)")
    bundle = options.bundle if isinstance(options.bundle, Bundle) else load_bundle(options.bundle)
    checkpoints = bundle.config.gateway.checkpoints
    return build_version(bundle, build_infrastructure(options, settings, checkpoints), options)


def build_infrastructure(
    options: GatewayOptions, settings: Settings, checkpoints: CheckpointsConfig | None = None
) -> Infrastructure:
    """What every bundle version this process serves shares: database, evidence, sessions,
    rate limits, Redis, and the signed checkpoints `checkpoints` asks for."""
    db = Database(options.database_url)
    log = EvidenceLog(db)
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
    metrics = Metrics()
    tracing = options.tracing if options.tracing is not None else Tracing.from_env()
    telemetry = Telemetry(metrics, AccessLog(), *([tracing] if tracing else []))
    return Infrastructure(
        db, log, EvidenceWriter(log), sessions, marks, limiter, telemetry, metrics, tracing, redis,
        checkpoint_publisher(log, checkpoints),
    )  # fmt: skip


def build_version(
    bundle: Bundle, infra: Infrastructure, options: GatewayOptions, shadow: Bundle | None = None
) -> Gateway:
    """One bundle version served on `infra`: engine, pipeline, approvals, upstreams; with
    `shadow` (or the bundle's `gateway.shadow_bundle`), a candidate decided beside it."""
    config = bundle.config.gateway
    sessions = infra.sessions
    engine = Engine(
        bundle, sessions=sessions, authorizer=CachedAuthorizer(bundle.policies, bundle.config)
    )
    if shadow is None and config.shadow_bundle is not None:
        shadow = load_bundle(bundle.path / config.shadow_bundle)
    candidate = ShadowEngine(engine, shadow) if shadow is not None else None
    # Engine work runs on the event loop when session state is in memory (pure CPU, evidence
    # buffered per request), and in a worker thread when sessions live in Redis or a database.
    evaluator = Evaluator(
        engine,
        offload=not isinstance(sessions, MemorySessionStore),
        shadow=candidate,
        deferred=infra.deferred,
    )
    jwks = load_jwks(config.auth.jwt, bundle.path) if config.auth.jwt else None
    approvals = ApprovalService.open(bundle, infra.db)
    holds = ApprovalHolds(approvals)
    upstreams = _upstreams(bundle, options)
    pipeline = ModelPipeline(
        evaluator, holds, upstreams, config.streaming, infra.marks, bundle.version,
        max_json_depth=config.limits.max_json_depth,
    )  # fmt: skip
    escalation = Escalation(config.alerts, approvals, transport=options.alerts_transport)
    telemetry = Telemetry(*infra.telemetry.observers, escalation.rules)
    lifecycle = RequestLifecycle(
        infra.writer, evaluator, infra.marks, bundle, config.drain_timeout_s, telemetry,
        infra.limiter,
    )  # fmt: skip
    return Gateway(
        bundle=bundle,
        infra=infra,
        engine=engine,
        evaluator=evaluator,
        auth=Authenticator(infra.db, config.auth.jwt, jwks),
        approvals=approvals,
        upstreams=upstreams,
        pipeline=pipeline,
        lifecycle=lifecycle,
        escalation=escalation,
    )


def checkpoint_publisher(
    log: EvidenceLog, config: CheckpointsConfig | None
) -> CheckpointPublisher | None:
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
