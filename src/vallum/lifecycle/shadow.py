"""Shadow mode: a candidate bundle evaluated beside the active one, changing nothing.

`ShadowEngine.evaluate` returns exactly what the active engine decides. The candidate sees the
same event and the same session labels (read through an overlay, so it never writes into the live
session), and its decision is recorded as evidence of kind `shadow_decision` pointing at the
active decision it shadows. Replay, metrics and audit tools that read `decision` records ignore it.
A candidate that fails is counted and logged in `errors`, never raised.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from vallum.bundle.loader import Bundle
from vallum.engine import DEFAULT_SINK, Engine, Sink, UseDefault
from vallum.evidence.log import EvidenceLog
from vallum.evidence.record import utc_now
from vallum.lifecycle.active import BundleSource
from vallum.model import Decision, Event
from vallum.sessions.store import MemorySessionStore, SessionStore, merge_taint

KIND_SHADOW = "shadow_decision"


class OverlaySessionStore:
    """Reads the live session store and the candidate's own additions; writes only the latter."""

    def __init__(self, base: SessionStore, overlay: SessionStore | None = None):
        self.base = base
        self.overlay: SessionStore = overlay if overlay is not None else MemorySessionStore()

    def labels(self, session: str) -> frozenset[str]:
        return self.base.labels(session) | self.overlay.labels(session)

    def add(
        self, session: str, labels: Iterable[str], taint: Mapping[int, str] | None = None
    ) -> None:
        self.overlay.add(session, labels, taint)

    def taint_of(self, session: str, values: Mapping[str, str]) -> dict[str, frozenset[str]]:
        out = dict(self.base.taint_of(session, values))
        for name, labels in self.overlay.taint_of(session, values).items():
            out[name] = merge_taint(out.get(name, frozenset()), labels)
        return out


class ShadowEngine:
    """Evaluate with `active`, and with `candidate` on the side; return only the active decision.

    >>> shadow = ShadowEngine(active_engine, candidate_bundle, evidence=log)
    >>> decision = shadow.evaluate(event)     # the active engine's decision, unchanged
    """

    def __init__(
        self,
        active: Engine | BundleSource,
        candidate: Engine | Bundle,
        *,
        evidence: EvidenceLog | None = None,
    ):
        self._active = active
        if isinstance(candidate, Engine):
            self.candidate = candidate
        else:  # a Bundle: its engine shares nothing writable with the live one
            live = active.sessions if isinstance(active, Engine) else active.current().sessions
            self.candidate = Engine(
                candidate, evidence=evidence, sessions=OverlaySessionStore(live)
            )
        self.compared = 0
        self.differed = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def active_engine(self) -> Engine:
        return self._active if isinstance(self._active, Engine) else self._active.current()

    def evaluate(
        self,
        event: Event,
        *,
        sink: Sink | UseDefault | None = DEFAULT_SINK,
        record_extra: dict[str, Any] | None = None,
    ) -> Decision:
        engine = self.active_engine()
        # The candidate goes first so it sees the session as it was before this event.
        shadow = self.decide(event)
        decision = engine.evaluate(event, sink=sink, record_extra=record_extra)
        if shadow is not None:
            self._append(self.record(event, decision, shadow))
        return decision

    def decide(self, event: Event) -> Decision | None:
        """The candidate's decision (recorded nowhere); None if the candidate failed. Call it
        before the active engine sees the event, so both see the same session."""
        try:
            return self.candidate.evaluate(event, sink=None)
        except Exception as exc:  # the shadow must never affect live traffic
            with self._lock:
                self.errors.append(f"{type(exc).__name__}: {exc}")
            return None

    def record(self, event: Event, active: Decision, shadow: Decision) -> dict[str, Any]:
        """The `shadow_decision` evidence record comparing the two (and count it)."""
        with self._lock:
            self.compared += 1
            self.differed += shadow.action is not active.action
        return {
            "schema": 1,
            "kind": KIND_SHADOW,
            "id": shadow.id,
            "created_at": utc_now(),
            "shadow_of": active.evidence_id or active.id,
            "principal": str(event.principal),
            "session": event.session,
            "stage": event.stage.value,
            "action": shadow.action.value,
            "active_action": active.action.value,
            "differs": shadow.action is not active.action,
            "bundle": {
                "name": self.candidate.bundle.name,
                "version": self.candidate.bundle.version,
            },
            "active_bundle": active.bundle_version,
            "reasons": [r.to_dict() for r in shadow.reasons],
            "findings": [f.to_dict() for f in shadow.findings],
            "labels": list(shadow.labels),
            "latency_ms": {k: round(v, 4) for k, v in shadow.latency_ms.items()},
        }

    def _append(self, record: dict[str, Any]) -> None:
        log = self.candidate.evidence
        if log is None:
            return
        try:
            log.append(record)
        except Exception as exc:
            with self._lock:
                self.errors.append(f"{type(exc).__name__}: {exc}")


def shadow_summary(records: Iterable[Any], *, since: datetime | None = None) -> dict[str, Any]:
    """Per candidate version, how many decisions were shadowed and how many differed; and the
    differing ones, newest last (from `shadow_decision` evidence records)."""
    candidates: dict[str, dict[str, int]] = {}
    differences: list[dict[str, Any]] = []
    cutoff = since.isoformat("T", "microseconds") if since is not None else None
    for stored in records:
        record = stored.record
        if record.get("kind") != KIND_SHADOW:
            continue
        if cutoff is not None and str(record.get("created_at", "")) < cutoff:
            continue
        version = str(record.get("bundle", {}).get("version", ""))
        counts = candidates.setdefault(version, {"compared": 0, "differed": 0})
        counts["compared"] += 1
        if record.get("action") != record.get("active_action"):
            counts["differed"] += 1
            differences.append(
                {
                    "id": record.get("id"),
                    "shadow_of": str(record.get("shadow_of", "")),
                    "created_at": record.get("created_at"),
                    "stage": record.get("stage"),
                    "action": record.get("action"),
                    "active_action": record.get("active_action"),
                    "candidate": version,
                    "controls": sorted({r.get("control", "") for r in record.get("reasons", [])}),
                    "policies": sorted(
                        {r["policy_id"] for r in record.get("reasons", []) if r.get("policy_id")}
                    ),
                }
            )
    return {"candidates": candidates, "differences": differences}
