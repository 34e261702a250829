"""Group commit for evidence: concurrent requests share one transaction.

Each request hands over its records and waits; a single writer appends everything waiting in one
`append_many` (one transaction, in a worker thread), so 64 concurrent requests cost a handful of
commits rather than 64, and the chain stays linear. A failed batch fails every request in it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio

from rampart.evidence.log import EvidenceLog

MAX_BATCH_RECORDS = 2000


class EvidenceWriter:
    def __init__(self, log: EvidenceLog):
        self._log = log
        self._pending: list[tuple[list[dict[str, Any]], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def write(self, records: list[dict[str, Any]]) -> None:
        """Append `records` (in order, together); return once they are committed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((records, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        with anyio.CancelScope(shield=True):  # a cancelled request still waits for its record
            await future

    async def _run(self) -> None:
        while self._pending:
            batch: list[tuple[list[dict[str, Any]], asyncio.Future[None]]] = []
            size = 0
            while self._pending and (
                not batch or size + len(self._pending[0][0]) <= MAX_BATCH_RECORDS
            ):
                item = self._pending.pop(0)
                batch.append(item)
                size += len(item[0])
            flat = [r for records, _ in batch for r in records]
            try:
                await anyio.to_thread.run_sync(self._log.append_many, flat)
            except Exception as exc:  # every waiter learns that its records were not written
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def idle(self) -> None:
        """Wait until everything handed over so far is written."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})
