"""The engine, as a request sees it: decisions recorded into the request's own buffer.

Every decision a request takes hands its evidence record to the request (`RequestContext.records`,
through the engine's `sink`), and the request's records are written together when it ends (see
`lifecycle`). A probe (a window of a stream, re-checked later as a whole) records nothing.

Engine work runs on the event loop when session state is in memory (pure CPU), and in a worker
thread when session state does I/O (Redis, a database), so the loop never waits on a socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from vallum.engine import Engine
from vallum.gateway.context import RequestContext
from vallum.model import Decision, Event

T = TypeVar("T")


class Evaluator:
    def __init__(self, engine: Engine, *, offload: bool):
        self.engine = engine
        self.offload = offload

    async def run(self, fn: Callable[[], T]) -> T:
        """Run engine or session-store work inline, or in a thread when it does I/O."""
        if self.offload:
            return await asyncio.to_thread(fn)
        return fn()

    def evaluate_now(self, ctx: RequestContext, event: Event) -> Decision:
        """Decide, keeping the decision and its record for the request's flush."""
        decision = self.engine.evaluate(
            event, sink=ctx.records.append, record_extra={"request_id": ctx.id}
        )
        ctx.decisions.append(decision)
        return decision

    async def evaluate(self, ctx: RequestContext, event: Event) -> Decision:
        return await self.run(lambda: self.evaluate_now(ctx, event))

    def probe_now(self, event: Event) -> Decision:
        """Decide without recording (a stream window; the whole output is recorded later)."""
        return self.engine.evaluate(event, sink=None)
