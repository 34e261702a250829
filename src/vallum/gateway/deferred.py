"""Work a request's answer does not wait for, finished before anything that reads it.

Fingerprinting what the user wrote (`Engine.taint` of an `input` event when a tool call may
follow) decides nothing about the message itself: the input decision reads no fingerprint, nor
does the output's. Only a later tool-call decision of the same session reads them (argument
provenance: did the user write this recipient?). So the evaluator takes the input decision
without them and fingerprints the message on its worker pool, while the upstream call is
awaited, and the answer does not wait for it. The rules that keep this exactly as strict as
fingerprinting inline:

- the fingerprints are a pure function of the event (what the user wrote), and a session's
  fingerprints merge by union (`sessions.store`), so adding them later gives the same session;
- a message whose decision blocks leaves none, as inline;
- every tool-call decision waits for its session's pending fingerprints first (`settle`),
  whichever request takes it: the tool call the same answer carries, or the next request's;
- with session state shared by replicas (Redis, a database), the next request may reach another
  process, so a request waits for its own before its evidence is written and its answer sent;
- pending work is bounded (`MAX_PENDING`): past it, a request waits for its own before it
  ends, so a burst can never queue unbounded work (or memory) behind the answers;
- a drain waits for all of it;
- a request's jobs run in order on one worker at a time (`Lane`): a conversation whose first
  turn brings a hundred new messages holds one worker of the pool, not all of them, so other
  sessions' fingerprints (and their tool calls) do not queue behind it.

A fingerprint that fails is logged and raised to every decision that waits on it (fail closed:
the tool call is not decided without the user's words it may need).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Final

log = logging.getLogger("vallum.gateway")

MAX_PENDING: Final = 64  # fingerprint jobs in flight before requests wait for their own


class Deferred:
    """Pending fingerprint jobs, by session: safe across threads and event loops."""

    def __init__(self, max_pending: int = MAX_PENDING):
        self.max_pending = max_pending
        self._pending: dict[str, set[Future[None]]] = {}
        self._lock = threading.Lock()
        self._count = 0

    def add(self, session: str, job: Future[None]) -> None:
        """Track `job` (already submitted) until it is done."""
        with self._lock:
            self._pending.setdefault(session, set()).add(job)
            self._count += 1
        job.add_done_callback(lambda done: self._done(session, done))

    def _done(self, session: str, job: Future[None]) -> None:
        with self._lock:
            jobs = self._pending.get(session)
            if jobs is not None and job in jobs:
                jobs.discard(job)
                self._count -= 1
                if not jobs:
                    del self._pending[session]
        exc = job.exception()
        if exc is not None:
            log.error("fingerprints for session %s failed", session, exc_info=exc)

    def __len__(self) -> int:
        return self._count

    def crowded(self) -> bool:
        return self._count > self.max_pending

    def of(self, session: str) -> list[Future[None]]:
        with self._lock:
            return list(self._pending.get(session, ()))

    async def settle(self, session: str, *, quiet: bool = False) -> None:
        """Return once `session`'s pending fingerprints are in its store; raise if one failed,
        unless `quiet` (the failure was logged: a caller that only orders work)."""
        jobs = self.of(session)
        if jobs:
            waits = (asyncio.wrap_future(job) for job in jobs)
            await asyncio.gather(*waits, return_exceptions=quiet)

    async def idle(self) -> None:
        """Return once every pending job is done (a drain); failures were logged already."""
        with self._lock:
            jobs = [job for jobs in self._pending.values() for job in jobs]
        if jobs:
            await asyncio.gather(*(asyncio.wrap_future(j) for j in jobs), return_exceptions=True)


class Lane:
    """One request's fingerprint jobs, run in the order given, one at a time, on a worker of
    `pool` (one pool task drains the lane while it has work)."""

    def __init__(self, pool: Executor):
        self._pool = pool
        self._items: deque[tuple[Callable[[], None], Future[None]]] = deque()
        self._lock = threading.Lock()
        self._running = False

    def submit(self, fn: Callable[[], None]) -> Future[None]:
        """Queue `fn`; the future settles when it has run (or failed)."""
        job: Future[None] = Future()
        with self._lock:
            self._items.append((fn, job))
            start, self._running = not self._running, True
        if start:
            try:
                self._pool.submit(self._drain)
            except RuntimeError as exc:  # the pool is shut down: nothing will run them
                self._fail_all(exc)
        return job

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._items:
                    self._running = False
                    return
                fn, job = self._items.popleft()
            if not job.set_running_or_notify_cancel():
                continue
            try:
                fn()
            except BaseException as exc:  # settled on the future: its waiters see it
                job.set_exception(exc)
            else:
                job.set_result(None)

    def _fail_all(self, exc: BaseException) -> None:
        with self._lock:
            items, self._items, self._running = list(self._items), deque(), False
        for _, job in items:
            if job.set_running_or_notify_cancel():
                job.set_exception(exc)
