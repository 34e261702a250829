"""Time bounds for the slow, opt-in detectors (a local ONNX classifier, an LLM judge).

The engine calls `detect` synchronously; a slow detector runs its work on its own worker
thread and waits at most its timeout. Past it, `detect` raises `DetectorError`: the engine turns
that into a decision (block, or allow when the control says `fail_open`) with a reason of kind
`detector_failed` in the evidence record, so a hung model never hangs a request and never
passes silently. `run_async` is the same bound for callers on an event loop; library code never
calls `asyncio.run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from vallum.exceptions import DetectorError

T = TypeVar("T")


class Bounded:
    """A detector's worker threads and its timeout."""

    def __init__(self, name: str, timeout_s: float, workers: int = 2):
        self.name = name
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"vallum-{name}")

    def run(self, work: Callable[[], T], on_timeout: Callable[[], None] | None = None) -> T:
        """`work()` on a worker thread, waited for at most the timeout."""
        future = self._pool.submit(work)
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeout:
            future.cancel()
            if on_timeout is not None:
                on_timeout()
            raise DetectorError(f"{self.name}: no answer within {self.timeout_s:g}s") from None

    async def run_async(self, work: Awaitable[T]) -> T:
        """Await `work`, at most the timeout."""
        try:
            return await asyncio.wait_for(work, self.timeout_s)
        except TimeoutError:
            raise DetectorError(f"{self.name}: no answer within {self.timeout_s:g}s") from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
