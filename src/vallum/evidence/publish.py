"""Signed checkpoints published on a schedule, so copies of the tree head leave the machine.

A `CheckpointPublisher` signs a checkpoint every `every_s` seconds when the log grew, and once
more when it stops (gateway shutdown), and hands it to each destination: a directory (one file
per checkpoint, `<size>.checkpoint`, and `latest.checkpoint`), a webhook (POST, text/plain) and
stdout. A destination that fails is logged and tried again with the next checkpoint: the log
itself never waits for it. Signing and database reads run on a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.keys import SigningKey
from vallum.evidence.log import EvidenceLog
from vallum.evidence.proofs import checkpoint as make_checkpoint
from vallum.exceptions import VallumError

log = logging.getLogger("vallum.evidence")


class CheckpointPublisher:
    def __init__(
        self,
        evidence: EvidenceLog,
        key: SigningKey,
        *,
        every_s: float = 60.0,
        directory: str | Path | None = None,
        webhook: str | None = None,
        stdout: bool = False,
        post: Callable[[str, str], None] | None = None,
    ):
        self._log = evidence
        self._key = key
        self.every_s = every_s
        self._dir = Path(directory) if directory is not None else None
        self._webhook = webhook
        self._stdout = stdout
        self._post = post or _post
        self._task: asyncio.Task[None] | None = None
        self._stopping: asyncio.Event | None = None
        self._lock = threading.Lock()  # one publication at a time, in order
        self.last: Checkpoint | None = None
        self.published = 0

    def publish_now(self) -> Checkpoint | None:
        """Sign and publish a checkpoint if the log changed since the last one."""
        with self._lock:
            size, root = self._log.tree_head()
            if self.last is not None and (self.last.size, self.last.root) == (size, root):
                return None
            cp = make_checkpoint(self._log, self._key)
            self._deliver(cp)
            self.last = cp
            self.published += 1
            return cp

    def _deliver(self, cp: Checkpoint) -> None:
        if self._dir is not None:
            try:
                self._dir.mkdir(parents=True, exist_ok=True)
                (self._dir / f"{cp.size:012d}.checkpoint").write_text(cp.text, encoding="utf-8")
                tmp = self._dir / ".latest.tmp"
                tmp.write_text(cp.text, encoding="utf-8")
                os.replace(tmp, self._dir / "latest.checkpoint")
            except OSError as exc:
                log.warning("cannot write checkpoint %d to %s: %s", cp.size, self._dir, exc)
        if self._webhook is not None:
            try:
                self._post(self._webhook, cp.text)
            except Exception as exc:  # any transport failure: logged, retried next time
                log.warning("cannot post checkpoint %d to %s: %s", cp.size, self._webhook, exc)
        if self._stdout:
            sys.stdout.write(cp.text)
            sys.stdout.flush()

    async def start(self) -> None:
        if self._task is None:
            self._stopping = asyncio.Event()
            self._task = asyncio.create_task(self._run(self._stopping), name="vallum-checkpoints")

    async def _run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.every_s)
                return
            await self._publish_in_thread()

    async def _publish_in_thread(self) -> None:
        try:
            await asyncio.to_thread(self.publish_now)
        except VallumError as exc:
            log.warning("checkpoint not signed: %s", exc)

    async def stop(self) -> None:
        """Stop the schedule (a publication under way finishes first, so none lands after the
        last) and publish a last checkpoint of what was written."""
        task, self._task = self._task, None
        if task is not None and self._stopping is not None:
            self._stopping.set()
            await task
        await self._publish_in_thread()


def _post(url: str, text: str) -> None:
    import httpx

    response = httpx.post(
        url, content=text.encode(), headers={"content-type": "text/plain"}, timeout=10
    )
    response.raise_for_status()
