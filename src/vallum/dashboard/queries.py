"""Read-only views of the evidence log for the dashboard: the stream, figures, bundle versions."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select

from vallum.bundle.loader import Bundle
from vallum.evidence.payload import merge
from vallum.model import Stage
from vallum.storage.database import Database
from vallum.storage.tables import evidence

STREAM_LIMIT = 100
SCAN_LIMIT = 5000
BUCKETS = 24
MIN_SPAN = timedelta(minutes=10)
SERIES = ("evaluated", "blocked", "redacted", "held", "would_block")


@dataclass(frozen=True, slots=True)
class Filters:
    principal: str = ""
    session: str = ""
    action: str = ""
    control: str = ""

    def query(self) -> str:
        """The filters as a query string, for links and polling."""
        names = ("principal", "session", "action", "control")
        return urlencode({k: getattr(self, k) for k in names if getattr(self, k)})


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    seq: int
    created_at: str
    principal: str
    session: str
    stage: str
    action: str
    controls: tuple[str, ...]
    summary: str


def decision_stream(db: Database, filters: Filters, limit: int = STREAM_LIMIT) -> list[Row]:
    """The newest decisions matching `filters`, newest first."""
    query = select(evidence.c.seq, evidence.c.record, evidence.c.payload).where(
        evidence.c.kind == "decision"
    )
    if filters.principal:
        query = query.where(evidence.c.principal.contains(filters.principal, autoescape=True))
    if filters.session:
        query = query.where(evidence.c.session.contains(filters.session, autoescape=True))
    if filters.action:
        query = query.where(evidence.c.action == filters.action)
    query = query.order_by(evidence.c.seq.desc()).limit(SCAN_LIMIT if filters.control else limit)
    out: list[Row] = []
    with db.engine.connect() as conn:
        for seq, raw, kept in conn.execute(query):
            row = _row(int(seq), merge(json.loads(raw), None if kept is None else json.loads(kept)))
            if filters.control and filters.control not in row.controls:
                continue
            out.append(row)
            if len(out) >= limit:
                break
    return out


def _row(seq: int, record: dict[str, Any]) -> Row:
    reasons = record.get("reasons", [])
    controls = tuple(sorted({r["control"] for r in reasons}))
    content = (record.get("content") or {}).get("text")
    tool = record.get("tool")
    summary = content if content is not None else (tool or {}).get("name", "")
    first = next((r for r in reasons if r.get("mode") == "enforce"), None)
    if first is not None:
        summary = f"{first['policy_id'] or first['control']}: {first['message']} | {summary}"
    return Row(
        id=str(record["id"]),
        seq=seq,
        created_at=str(record.get("created_at", ""))[:19].replace("T", " "),
        principal=str(record.get("principal", "")),
        session=str(record.get("session", "")),
        stage=str(record.get("stage", "")),
        action=str(record.get("action", "")),
        controls=controls,
        summary=str(summary)[:200],
    )


@dataclass
class ControlFigures:
    """Counts per time bucket for one control, and totals."""

    control: str
    buckets: list[dict[str, int]] = field(default_factory=list)

    def total(self, series: str) -> int:
        return sum(b[series] for b in self.buckets)

    @property
    def peak(self) -> int:
        return max((b["evaluated"] for b in self.buckets), default=0)


def control_figures(
    db: Database, bundle: Bundle, *, hours: int = 24, now: datetime | None = None
) -> tuple[list[ControlFigures], list[str]]:
    """Per control: evaluated, blocked, redacted, held and monitor would-have-blocked, per bucket.

    The window is the last `hours`, narrowed to the span that has decisions (at least ten
    minutes), split into 24 buckets. Returns the figures and the bucket start labels.
    """
    now = now or datetime.now(UTC)
    since = (now - timedelta(hours=hours)).isoformat(timespec="microseconds")
    query = (
        select(evidence.c.created_at, evidence.c.stage, evidence.c.record)
        .where(evidence.c.kind == "decision", evidence.c.created_at >= since)
        .order_by(evidence.c.seq.desc())
        .limit(SCAN_LIMIT * 4)
    )
    with db.engine.connect() as conn:
        rows = [(datetime.fromisoformat(c), s, json.loads(r)) for c, s, r in conn.execute(query)]
    start = min((r[0] for r in rows), default=now - MIN_SPAN)
    span = max(now - start, MIN_SPAN)
    start = now - span
    width = span / BUCKETS
    applies = {c.id: {s.value for s in Stage if c.applies_to(s)} for c in bundle.controls}
    names = [*applies, "cedar"]
    counts: dict[str, list[Counter[str]]] = {n: [Counter() for _ in range(BUCKETS)] for n in names}
    for created, stage, record in rows:
        index = min(int((created - start) / width), BUCKETS - 1)
        for name in names:
            if name == "cedar" or stage in applies.get(name, set()):
                counts[name][index]["evaluated"] += 1
        for reason in record.get("reasons", []):
            bucket = counts.setdefault(reason["control"], [Counter() for _ in range(BUCKETS)])
            key = _series(reason["action"], reason["mode"])
            if key:
                bucket[index][key] += 1
    figures = [
        ControlFigures(name, [{s: c[s] for s in SERIES} for c in counts[name]]) for name in counts
    ]
    labels = [(start + width * i).strftime("%H:%M") for i in range(BUCKETS)]
    return figures, labels


def _series(action: str, mode: str) -> str | None:
    if mode == "monitor":
        return "would_block" if action == "block" else None
    return {"block": "blocked", "redact": "redacted", "require_approval": "held"}.get(action)


@dataclass(frozen=True, slots=True)
class SeenVersion:
    version: str
    decisions: int
    first: str
    last: str


def versions_in_evidence(db: Database) -> list[SeenVersion]:
    """Bundle versions that decided something, with how many decisions and when."""
    query = (
        select(
            evidence.c.bundle_version,
            func.count(),
            func.min(evidence.c.created_at),
            func.max(evidence.c.created_at),
        )
        .where(evidence.c.kind == "decision")
        .group_by(evidence.c.bundle_version)
        .order_by(func.max(evidence.c.created_at).desc())
    )
    with db.engine.connect() as conn:
        return [
            SeenVersion(
                str(v), int(n), str(a)[:19].replace("T", " "), str(b)[:19].replace("T", " ")
            )
            for v, n, a, b in conn.execute(query)
        ]
