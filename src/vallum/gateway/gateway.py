"""A running gateway: the collaborators `build_gateway` made, held together for the app.

Routes take what they need from it (the pipeline, the lifecycle, authentication, limits); it
does no work of its own beyond closing what it opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vallum.approvals.service import ApprovalService
from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.gateway.auth import Authenticator
from vallum.gateway.evaluator import Evaluator
from vallum.gateway.lifecycle import RequestLifecycle
from vallum.gateway.pipeline import ModelPipeline
from vallum.gateway.ratelimit import RateLimiter
from vallum.gateway.routing import Upstreams
from vallum.gateway.writer import EvidenceWriter
from vallum.storage.database import Database

if TYPE_CHECKING:
    from redis.asyncio import Redis as AsyncRedis

    from vallum.evidence.publish import CheckpointPublisher


@dataclass(frozen=True, slots=True, eq=False)
class Gateway:
    bundle: Bundle
    db: Database
    evidence: EvidenceLog
    writer: EvidenceWriter
    engine: Engine
    evaluator: Evaluator
    auth: Authenticator
    approvals: ApprovalService
    limiter: RateLimiter
    upstreams: Upstreams
    pipeline: ModelPipeline
    lifecycle: RequestLifecycle
    redis: AsyncRedis | None = None
    checkpoints: CheckpointPublisher | None = None

    async def aclose(self) -> None:
        await self.upstreams.aclose()
        await self.limiter.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        self.writer.close()
        self.evaluator.close()
        self.approvals.close()
        self.db.dispose()
