"""Follow the policy store: a running gateway serves the active bundle version.

    vallum serve --active                   # every replica, on one database
    vallum policy activate policies/        # anywhere: each replica serves it within seconds
    vallum policy rollback

A `PolicyFollower` runs beside the app. It asks the store for the newest activation (one
`SELECT max(seq)`) every `poll_interval_s`, and at once when PostgreSQL announces an activation
(`LISTEN vallum_policy`; `PolicyStore` sends the `NOTIFY` in the activation's transaction). When
the active version changes it loads the stored snapshot and builds a whole new `Gateway` for it
off the event loop, on the same infrastructure, *before* the swap, which is one reference
assignment: requests in flight finish on the version they started with, new requests get the new
one, none is dropped. The retired version then drains and closes what is its own.

A version that fails to load (or to compile) leaves the serving version in place; the failure is
logged, kept in `last_error` and shown by an authenticated `/readyz`. Polling never stops: a lost
notification costs at most one interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vallum.bundle.loader import Bundle
from vallum.exceptions import PolicyVersionError, VallumError
from vallum.gateway.gateway import Gateway
from vallum.lifecycle.store import NOTIFY_CHANNEL, PolicyStore
from vallum.storage.database import Database

log = logging.getLogger("vallum.gateway.policy")
DEFAULT_POLL_INTERVAL_S = 2.0
RETIRE_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class FollowState:
    """What `/readyz` tells an authenticated caller about the policy this replica serves."""

    serving: str
    shadow: str | None
    seq: int
    last_checked_at: float
    last_error: str | None


class PolicyFollower:
    """The active version of `store`, built into gateways by `build` and handed to `swap`."""

    def __init__(
        self,
        store: PolicyStore,
        build: Callable[[Bundle, Bundle | None], Gateway],
        *,
        cache_dir: Path,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
    ):
        self.store = store
        self.cache_dir = cache_dir
        self.poll_interval_s = poll_interval_s
        self.last_error: VallumError | None = None
        self._build = build
        self._seq = 0
        self._version: str | None = None
        self._shadow: str | None = None
        self._checked_at = 0.0
        self._wake = asyncio.Event()

    def initial(self) -> Gateway:
        """The gateway for the version active now (`PolicyVersionError` if none is)."""
        active = self.store.active()
        if active is None:
            raise PolicyVersionError(
                "no bundle version is active: run `vallum policy activate DIR` first"
            )
        shadow = self.store.shadowing()
        shadow_version = shadow.version if shadow else None
        gateway = self._load(active.version, shadow_version)
        self._seq, self._checked_at = self.store.active_seq(), time.time()
        self._version, self._shadow = active.version, shadow_version
        return gateway

    def state(self) -> FollowState:
        error = str(self.last_error) if self.last_error else None
        return FollowState(self._version or "", self._shadow, self._seq, self._checked_at, error)

    def wake(self) -> None:
        """Check now (a notification arrived); safe from the event loop's thread only."""
        self._wake.set()

    async def run(self, swap: Callable[[Gateway], None]) -> None:
        """Check the store forever, swapping in each new version; cancel to stop."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
            self._wake.clear()
            gateway = await self.check()
            if gateway is not None:
                swap(gateway)

    async def check(self) -> Gateway | None:
        """One look at the store; the new version's gateway when it changed, else None."""
        try:
            seq = await asyncio.to_thread(self.store.active_seq)
            self._checked_at = time.time()
            if seq == self._seq:
                return None
            active = await asyncio.to_thread(self.store.active)
            shadow = await asyncio.to_thread(self.store.shadowing)
            if active is None:
                return None
            shadow_version = shadow.version if shadow else None
            if (active.version, shadow_version) == (self._version, self._shadow):
                self._seq = seq  # nothing this replica serves changed
                return None
            gateway = await asyncio.to_thread(self._load, active.version, shadow_version)
        except VallumError as exc:
            if str(exc) != str(self.last_error):
                log.error("policy version not loaded, still serving %s: %s", self._version, exc)
            self.last_error = exc
            return None
        log.info(
            "policy %s -> %s, shadow %s -> %s (history %d)",
            self._version, active.version, self._shadow, shadow_version, seq,
        )  # fmt: skip
        self._seq, self.last_error = seq, None
        self._version, self._shadow = active.version, shadow_version
        return gateway

    def _load(self, version: str, shadow: str | None) -> Gateway:
        candidate = self.store.load(shadow, self.cache_dir) if shadow else None
        return self._build(self.store.load(version, self.cache_dir), candidate)


async def retire(gateway: Gateway, timeout: float = RETIRE_TIMEOUT_S) -> None:
    """Let a replaced version finish its requests, then close what is its own."""
    await gateway.lifecycle.drain(timeout)
    await gateway.aclose_version()


class PostgresWakeup:
    """`LISTEN vallum_policy` on a connection of its own, in a thread; each notification wakes
    the follower. Ends when `stop()` is called. SQLite has no notifications: polling alone."""

    def __init__(self, db: Database, follower: PolicyFollower, loop: asyncio.AbstractEventLoop):
        self._db, self._follower, self._loop = db, follower, loop
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vallum-policy-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:  # a dropped connection: polling covers the gap; retry
                log.warning("policy notifications unavailable (%s); polling meanwhile", exc)
                self._stop.wait(5)

    def _listen(self) -> None:
        fairy = self._db.dedicated_connection()
        try:
            conn: Any = fairy.dbapi_connection  # psycopg.Connection
            conn.rollback()
            conn.autocommit = True
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            while not self._stop.is_set():
                for _ in conn.notifies(timeout=1.0, stop_after=1):
                    self._loop.call_soon_threadsafe(self._follower.wake)
        finally:
            fairy.close()
