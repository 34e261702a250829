"""A finished request, reported once to every observer the process has (metrics, the access
log, OpenTelemetry). An observer that fails is logged and skipped: telemetry never changes an
answer and never stands between a request and its evidence."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from vallum.model import Decision

log = logging.getLogger("vallum.telemetry")


@dataclass(frozen=True, slots=True)
class FinishedRequest:
    """What telemetry reads: the request's evidence record and its decisions. `timeline` has,
    per decision, when it was taken (wall-clock ns) and at which stage."""

    record: Mapping[str, Any]
    decisions: Sequence[Decision]
    timeline: Sequence[tuple[int, str]]
    started_ns: int
    ended_ns: int
    evidence_error: str | None = None  # the evidence could not be written (the client got 5xx)


class RequestObserver(Protocol):
    def observe(self, done: FinishedRequest) -> None: ...


class Telemetry:
    """The observers of one process (shared by every bundle version it serves)."""

    def __init__(self, *observers: RequestObserver):
        self.observers = observers

    def observe(self, done: FinishedRequest) -> None:
        for observer in self.observers:
            try:
                observer.observe(done)
            except Exception:
                log.exception("telemetry observer %s failed", type(observer).__name__)
