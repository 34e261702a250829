"""The engine, as a request sees it: decisions recorded into the request's own buffer.

Every decision a request takes hands its evidence record to the request (`RequestContext.records`,
through the engine's `sink`), and the request's records are written together when it ends (see
`lifecycle`). A probe (a window of a stream, re-checked later as a whole) records nothing.

Where engine work runs, so that no request waits behind another's check:

- small content, sessions in memory: on the event loop (pure CPU, well under a millisecond);
- large content (`OFFLOAD_CHARS` and over): in a small bounded pool of worker threads, so a
  megabyte being checked never holds the loop (the loop keeps its turns: detectors are linear
  and release the interpreter between steps), and at most `workers` such checks run at once;
- sessions in Redis or a database: in a worker thread, so the loop never waits on a socket.

What the user wrote is fingerprinted for later tool calls off the request's path, while the
upstream call is awaited (`vallum.gateway.deferred`: the rules that keep it as strict).

Each request has a CPU budget for its checks (`cpu_budget_ms`, summed over its decisions):
once spent, the engine runs no further detector and the decision blocks with a reason of kind
`budget` (fail closed), so one request cannot buy unbounded CPU with many large messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Final, TypeVar

import anyio

from vallum.engine import Engine
from vallum.gateway import history
from vallum.gateway.context import RequestContext
from vallum.gateway.deferred import Deferred, Lane
from vallum.lifecycle.shadow import ShadowEngine
from vallum.model import Action, Decision, Event, Stage

T = TypeVar("T")

OFFLOAD_CHARS: Final = 32_000  # content this large is checked off the event loop
DEFAULT_WORKERS: Final = 2  # checks of large content running at once (the GIL shares one core)
DEFAULT_CPU_BUDGET_MS: Final = 5_000.0  # per request; a 1 MB check costs about 1 s of CPU


class Evaluator:
    def __init__(
        self,
        engine: Engine,
        *,
        offload: bool,
        workers: int = DEFAULT_WORKERS,
        cpu_budget_ms: float | None = DEFAULT_CPU_BUDGET_MS,
        shadow: ShadowEngine | None = None,
        deferred: Deferred | None = None,
    ):
        self.engine = engine
        self.shadow = shadow  # a candidate version decided beside the engine, never enforced
        self.offload = offload
        self.cpu_budget_ms = cpu_budget_ms
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vallum-check")
        self.taints = history.TaintCache()  # fingerprints of covered messages, for replay
        # fingerprints being computed off the requests' path (shared by bundle versions)
        self.deferred = deferred if deferred is not None else Deferred()

    async def taint(self, ctx: RequestContext, key: str, event: Event) -> history.Taint | None:
        """The fingerprints a decision allowing `event` left in its session (cached by content;
        computed within the request's CPU accounting, off the loop when the content is large)."""

        def compute() -> history.Taint | None:
            start = time.thread_time()
            try:
                return self.engine.taint(event)
            finally:
                ctx.cpu_ms += (time.thread_time() - start) * 1000

        key = history.taint_key(key, event)
        return await self.run(lambda: self.taints.get(key, compute), heavy=_heavy(event))

    async def run(self, fn: Callable[[], T], *, heavy: bool = False) -> T:
        """Run engine or session-store work inline, in the bounded pool when `heavy` (large
        content), or in a thread when it does I/O."""
        if heavy:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn)
        if self.offload:
            return await asyncio.to_thread(fn)
        return fn()

    def evaluate_now(
        self,
        ctx: RequestContext,
        event: Event,
        mark: str | None = None,
        *,
        fingerprint: bool = True,
    ) -> Decision:
        """Decide, keeping the decision and its record for the request's flush (and, for a
        message marked under `mark`, the fingerprints it left, for a later replay); with
        `fingerprint=False`, fingerprinting the event is left to the caller."""
        budget = None if self.cpu_budget_ms is None else self.cpu_budget_ms - ctx.cpu_ms
        # A shadow candidate decides first (on the session as it was), off the CPU budget.
        candidate = self.shadow.decide(event) if self.shadow is not None else None
        start = time.thread_time()
        keep = None if mark is None else partial(self.taints.put, history.taint_key(mark, event))
        try:
            decision = self.engine.evaluate(
                event,
                sink=ctx.records.append,
                record_extra={"request_id": ctx.id},
                cpu_budget_ms=budget,
                keep_taint=keep,
                fingerprint=fingerprint,
            )
        finally:
            ctx.cpu_ms += (time.thread_time() - start) * 1000
        ctx.decisions.append(decision)
        if candidate is not None and self.shadow is not None:
            ctx.records.append(
                self.shadow.record(event, decision, candidate) | {"request_id": ctx.id}
            )
        ctx.timeline.append((time.time_ns(), event.stage.value))  # for telemetry spans
        return decision

    async def evaluate(
        self, ctx: RequestContext, event: Event, mark: str | None = None
    ) -> Decision:
        if event.stage is Stage.TOOL_CALL:  # it reads the session's fingerprints: all of them
            await self.deferred.settle(event.session)
        heavy = _heavy(event)
        if self._defers(event):
            # Decided without fingerprinting (no input or output decision reads fingerprints);
            # the fingerprints follow on the pool while the upstream call is awaited.
            decision = await self.run(
                lambda: self.evaluate_now(ctx, event, fingerprint=False), heavy=heavy
            )
            if decision.action is not Action.BLOCK:  # as inline: a block leaves nothing
                self._fingerprint_later(ctx, event, mark)
            return decision
        if mark is None:  # called as it always was (tests wrap `evaluate_now` by that form)
            return await self.run(lambda: self.evaluate_now(ctx, event), heavy=heavy)
        return await self.run(lambda: self.evaluate_now(ctx, event, mark), heavy=heavy)

    def _defers(self, event: Event) -> bool:
        """Whether `event`'s decision leaves fingerprints that only later tool calls read:
        what the user wrote when a tool call may follow (a pure function of the text)."""
        config = self.engine.bundle.config
        return event.stage is Stage.INPUT and not history.shareable(event, config)

    def _fingerprint_later(self, ctx: RequestContext, event: Event, mark: str | None) -> None:
        """Fingerprint `event` on the pool into its session (and the replay cache under `mark`),
        tracked by session until done; its CPU is added to the request's."""
        loop = asyncio.get_running_loop()
        key = None if mark is None else history.taint_key(mark, event)

        def spent(ms: float) -> None:
            ctx.cpu_ms += ms

        def job() -> None:
            start = time.thread_time()
            try:
                taint = self.engine.taint(event)
                if key is not None:
                    self.taints.put(key, taint)
                if taint:
                    self.engine.sessions.add(event.session, (), taint)
            finally:
                ms = (time.thread_time() - start) * 1000
                with contextlib.suppress(RuntimeError):  # the loop is gone: nobody counts
                    loop.call_soon_threadsafe(spent, ms)

        if ctx.lane is None:
            ctx.lane = Lane(self._pool)
        self.deferred.add(event.session, ctx.lane.submit(job))

    async def settle(self, ctx: RequestContext) -> None:
        """Before a request's evidence is written: wait for its session's pending fingerprints
        when another process may serve the session's next request (state shared through Redis
        or a database), or when too many are pending (bounded work behind the answers)."""
        if self.offload or self.deferred.crowded():
            # shielded (a cancelled request still writes its evidence) and quiet (a failed
            # fingerprint was logged; the evidence is written all the same, and a tool call
            # waiting on it fails closed)
            with anyio.CancelScope(shield=True):
                await self.deferred.settle(ctx.session, quiet=True)

    def probe_now(self, event: Event) -> Decision:
        """Decide without recording (a stream window; the whole output is recorded later)."""
        return self.engine.evaluate(event, sink=None)

    def close(self) -> None:
        """Stop the worker pool (checks and fingerprints in progress finish first)."""
        self._pool.shutdown(wait=True)


def _heavy(event: Event) -> bool:
    if len(event.text) >= OFFLOAD_CHARS:
        return True
    call = event.tool_call
    return call is not None and sum(len(str(v)) for v in call.arguments.values()) >= OFFLOAD_CHARS
