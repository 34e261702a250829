"""A running gateway: the collaborators `build_gateway` made, held together for the app.

Two lifetimes. `Infrastructure` lives as long as the process: the database, the evidence writer,
session state, rate limits, Redis. A `Gateway` is one bundle version served on top of it: the
engine, the pipeline, approvals, upstreams, the request lifecycle. When the active policy version
changes (`vallum serve --active`), a new `Gateway` is built on the same infrastructure and swapped
in; the old one finishes its requests and closes only what is its own (`aclose_version`).

Routes take what they need from it (the pipeline, the lifecycle, authentication, limits); it
does no work of its own beyond closing what it opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import Request

from vallum.alerts.service import Escalation
from vallum.approvals.service import ApprovalService
from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.gateway.auth import Authenticator
from vallum.gateway.deferred import Deferred
from vallum.gateway.evaluator import Evaluator
from vallum.gateway.lifecycle import RequestLifecycle, pinned
from vallum.gateway.pipeline import ModelPipeline
from vallum.gateway.ratelimit import RateLimiter
from vallum.gateway.routing import Upstreams
from vallum.gateway.writer import EvidenceWriter
from vallum.sessions.store import CheckMarks, SessionStore
from vallum.storage.database import Database
from vallum.telemetry import Telemetry
from vallum.telemetry.metrics import Metrics
from vallum.telemetry.tracing import Tracing

if TYPE_CHECKING:
    from redis.asyncio import Redis as AsyncRedis

    from vallum.evidence.publish import CheckpointPublisher


@dataclass(frozen=True, slots=True, eq=False)
class Infrastructure:
    """What every bundle version served by this process shares."""

    db: Database
    evidence: EvidenceLog
    writer: EvidenceWriter
    sessions: SessionStore
    marks: CheckMarks | None
    limiter: RateLimiter
    telemetry: Telemetry
    metrics: Metrics
    tracing: Tracing | None = None
    redis: AsyncRedis | None = None
    checkpoints: CheckpointPublisher | None = None  # scheduled signed checkpoints of the log
    # fingerprints computed off the requests' path, by session (every version's tool calls wait)
    deferred: Deferred = field(default_factory=Deferred)

    async def aclose(self) -> None:
        if self.tracing is not None:
            self.tracing.shutdown()
        await self.limiter.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        self.writer.close()
        self.db.dispose()


@dataclass(frozen=True, slots=True, eq=False)
class Gateway:
    """One bundle version, served on `infra`."""

    bundle: Bundle
    infra: Infrastructure
    engine: Engine
    evaluator: Evaluator
    auth: Authenticator
    approvals: ApprovalService
    upstreams: Upstreams
    pipeline: ModelPipeline
    lifecycle: RequestLifecycle
    escalation: Escalation

    def start(self) -> None:
        """Start this version's background work (alerts); on the running event loop."""
        self.escalation.start()

    @property
    def db(self) -> Database:
        return self.infra.db

    @property
    def evidence(self) -> EvidenceLog:
        return self.infra.evidence

    @property
    def writer(self) -> EvidenceWriter:
        return self.infra.writer

    @property
    def limiter(self) -> RateLimiter:
        return self.infra.limiter

    @property
    def redis(self) -> AsyncRedis | None:
        return self.infra.redis

    async def aclose_version(self) -> None:
        """Close what this version opened (upstream connections, the worker pool, approvals),
        leaving the shared infrastructure to the versions that follow."""
        await self.escalation.aclose()
        await self.upstreams.aclose()
        self.evaluator.close()
        self.approvals.close()

    async def aclose(self) -> None:
        await self.aclose_version()
        await self.infra.aclose()


def gateway_of(request: Request) -> Gateway:
    """The gateway (bundle version) serving `request`, the same for all of its life."""
    gw: Gateway = pinned(request)
    return gw
