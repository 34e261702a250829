"""Hot reload: the engine for the active bundle version, swapped in when the version changes.

A gateway holds one `ActiveBundle` and asks it for the engine at the start of each request:

    source = ActiveBundle(PolicyStore(db), cache_dir=Path(".vallum/bundles"),
                          engine_factory=lambda b: Engine(b, evidence=log, sessions=sessions))
    engine = source.current()          # polls the database at most once per interval
    decision = engine.evaluate(event)

Polling is one `SELECT max(seq)` on the activation table. When it moves, the new version is
loaded and a new engine built *before* the swap, which is one reference assignment: requests in
flight keep the engine they started with, new requests get the new one, none is dropped. A version
that fails to load leaves the old engine in place and is reported in `last_error`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.exceptions import PolicyVersionError, VallumError
from vallum.lifecycle.store import PolicyStore

DEFAULT_POLL_INTERVAL_S = 2.0
EngineFactory = Callable[[Bundle], Engine]


class BundleSource(Protocol):
    """What an enforcement point needs: the engine to use for the next request."""

    def current(self) -> Engine: ...


@dataclass(frozen=True, slots=True)
class _Loaded:
    seq: int
    engine: Engine


class StaticBundleSource:
    """One bundle for the life of the process (no policy store configured)."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def current(self) -> Engine:
        return self._engine


class ActiveBundle:
    """The active version from a `PolicyStore`, reloaded when an activation or rollback lands."""

    def __init__(
        self,
        store: PolicyStore,
        *,
        cache_dir: Path,
        engine_factory: EngineFactory = Engine,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.cache_dir = cache_dir
        self.poll_interval_s = poll_interval_s
        self.last_error: VallumError | None = None
        self._factory = engine_factory
        self._clock = clock
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self._next_poll = 0.0
        self.poll()
        if self._loaded is None:
            raise self.last_error or PolicyVersionError(
                "no bundle version is active: run `vallum policy activate DIR` first"
            )

    @property
    def engine(self) -> Engine:
        assert self._loaded is not None
        return self._loaded.engine

    @property
    def version(self) -> str:
        return self.engine.bundle.version

    def current(self) -> Engine:
        """The engine to use now; polls the store when the interval has passed."""
        if self._clock() >= self._next_poll:
            self.poll()
        return self.engine

    def poll(self) -> bool:
        """Check the store now; return True when a new version was swapped in."""
        if not self._lock.acquire(blocking=False):
            return False  # another thread is polling: keep serving the current engine
        try:
            self._next_poll = self._clock() + self.poll_interval_s
            try:
                seq = self.store.active_seq()
                if self._loaded is not None and seq == self._loaded.seq:
                    return False
                active = self.store.active()
                if active is None:
                    return False
                if self._loaded is not None and active.version == self.version:
                    self._loaded = _Loaded(active.seq, self._loaded.engine)
                    return False
                bundle = self.store.load(active.version, self.cache_dir)
                self._loaded = _Loaded(active.seq, self._factory(bundle))
                self.last_error = None
                return True
            except VallumError as exc:
                self.last_error = exc
                return False
        finally:
            self._lock.release()
