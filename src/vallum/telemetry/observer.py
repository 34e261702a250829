"""A finished request, reported once to every observer the process has (metrics, the access
log, OpenTelemetry). An observer that fails is logged and skipped: telemetry never changes an
answer and never stands between a request and its evidence."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from vallum.model import Action, Decision, Reason, ReasonKind

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


Effect = Literal["error", "acted", "would_act"]
_FAILED = (ReasonKind.DETECTOR_FAILED, ReasonKind.POLICY_ERROR)


def effect(reason: Reason) -> Effect | None:
    """What a reason says a control did: failed (`error`), changed the action (`acted`, an
    enforcing control), would have (`would_act`, a monitor), or nothing (it allowed)."""
    if reason.kind in _FAILED:
        return "error"
    if reason.action is Action.ALLOW:
        return None
    return "acted" if reason.enforced else "would_act"


def token_usage(record: Mapping[str, Any]) -> dict[str, int]:
    """Input and output tokens from a request record's `usage` (absent when not reported)."""
    usage = record.get("usage") or {}
    pairs = (("input", usage.get("prompt_tokens")), ("output", usage.get("completion_tokens")))
    return {kind: count for kind, count in pairs if isinstance(count, int)}


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
