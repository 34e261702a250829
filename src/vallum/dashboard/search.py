"""Dashboard reads that scale with the log: control figures aggregated in SQL over the whole
window, a session's records in order, and exports streamed in pages.

Figures group in the database by minute (or by hour past two days) and by stage, and the reasons
by control, action and mode (SQLite's `json_each`, PostgreSQL's `jsonb_array_elements`), so a
window of millions of decisions moves a few thousand rows, not the decisions.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from vallum.bundle.loader import Bundle
from vallum.dashboard.queries import BUCKETS, MIN_SPAN, SERIES, ControlFigures, Filters, filtered
from vallum.evidence.payload import merged_json
from vallum.model import Stage
from vallum.storage.database import Database
from vallum.storage.tables import evidence

EXPORT_LIMIT = 100_000
PAGE = 1000
SESSION_LIMIT = 2000
CSV_COLUMNS = ("seq", "id", "created_at", "kind", "principal", "session", "stage", "action",
               "controls", "policies", "latency_ms", "request_id")  # fmt: skip

_SQLITE_REASONS = """
SELECT substr(e.created_at, 1, :width) AS t, json_extract(r.value, '$.control') AS control,
       json_extract(r.value, '$.action') AS action, json_extract(r.value, '$.mode') AS mode,
       count(*) AS n
FROM {table} AS e, json_each(e.record, '$.reasons') AS r
WHERE e.kind = 'decision' AND e.created_at >= :since
GROUP BY 1, 2, 3, 4
"""
_POSTGRES_REASONS = """
SELECT substr(e.created_at, 1, :width) AS t, r ->> 'control' AS control,
       r ->> 'action' AS action, r ->> 'mode' AS mode, count(*) AS n
FROM {table} AS e CROSS JOIN LATERAL jsonb_array_elements(CAST(e.record AS jsonb) -> 'reasons') AS r
WHERE e.kind = 'decision' AND e.created_at >= :since
GROUP BY 1, 2, 3, 4
"""
_STAGES = """
SELECT substr(created_at, 1, :width) AS t, stage, count(*) AS n FROM {table}
WHERE kind = 'decision' AND created_at >= :since GROUP BY 1, 2
"""


def control_figures(
    db: Database, bundle: Bundle, *, hours: int = 24, now: datetime | None = None
) -> tuple[list[ControlFigures], list[str]]:
    """Per control, per bucket: evaluated, blocked, redacted, held, monitor would-have-blocked,
    over every decision of the last `hours` (narrowed to the span that has decisions, at least
    ten minutes, split into 24 buckets)."""
    now = now or datetime.now(UTC)
    since = (now - timedelta(hours=hours)).isoformat(timespec="microseconds")
    width = 16 if hours <= 48 else 13  # "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH"
    params = {"since": since, "width": width}
    reasons_sql = (_SQLITE_REASONS if db.is_sqlite else _POSTGRES_REASONS).format(
        table=evidence.name
    )
    with db.engine.connect() as conn:
        stages_sql = text(_STAGES.format(table=evidence.name))
        stages = [(str(t), str(s), int(n)) for t, s, n in conn.execute(stages_sql, params)]
        reasons = [tuple(r) for r in conn.execute(text(reasons_sql), params)]
    times = [_parse(t) for t, _, _ in stages]
    start = min(times, default=now - MIN_SPAN)
    span = max(now - start, MIN_SPAN)
    start = now - span
    step = span / BUCKETS

    def bucket(t: str) -> int:
        return max(0, min(int((_parse(t) - start) / step), BUCKETS - 1))

    applies = {c.id: {s.value for s in Stage if c.applies_to(s)} for c in bundle.controls}
    names = [*applies, "cedar"]
    counts: dict[str, list[Counter[str]]] = {n: [Counter() for _ in range(BUCKETS)] for n in names}
    for t, stage, n in stages:
        index = bucket(t)
        for name in names:
            if name == "cedar" or stage in applies.get(name, set()):
                counts[name][index]["evaluated"] += n
    for t, control, action, mode, n in reasons:
        key = _series(str(action), str(mode))
        if key:
            series = counts.setdefault(str(control), [Counter() for _ in range(BUCKETS)])
            series[bucket(str(t))][key] += int(n)
    figures = [ControlFigures(k, [{s: c[s] for s in SERIES} for c in v]) for k, v in counts.items()]
    labels = [(start + step * i).strftime("%H:%M") for i in range(BUCKETS)]
    return figures, labels


def _parse(t: str) -> datetime:
    value = datetime.fromisoformat(t if len(t) > 13 else t + ":00")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _series(action: str, mode: str) -> str | None:
    if mode == "monitor":
        return "would_block" if action == "block" else None
    return {"block": "blocked", "redact": "redacted", "require_approval": "held"}.get(action)


def session_records(db: Database, session: str) -> list[dict[str, Any]]:
    """Every record of one session, oldest first: each request with its decisions."""
    query = (
        select(evidence.c.seq, evidence.c.record, evidence.c.payload)
        .where(evidence.c.session == session)
        .order_by(evidence.c.seq)
        .limit(SESSION_LIMIT)
    )
    with db.engine.connect() as conn:
        return [
            {"seq": int(seq), **merged_json(raw, kept)} for seq, raw, kept in conn.execute(query)
        ]


def group_by_request(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A session as turns: each gateway request with its decisions (and shadow decisions), in
    order; decisions recorded outside a request (the SDK, the CLI) are turns of their own."""
    turns: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for record in records:
        key = str(record.get("request_id") or record.get("id"))
        if record.get("kind") == "gateway_request":
            key = str(record["id"])
        turn = turns.get(key)
        if turn is None:
            turn = turns[key] = {"request": None, "decisions": []}
            out.append(turn)
        if record.get("kind") == "gateway_request":
            usage = record.get("usage") or {}
            turn["request"] = record
            turn["tokens"] = sum(v for v in usage.values() if isinstance(v, int))
            turn["latency_ms"] = (record.get("latency_ms") or {}).get("total")
        else:
            turn["decisions"].append(record)
    return out


def export_records(
    db: Database, filters: Filters, limit: int = EXPORT_LIMIT
) -> Iterator[dict[str, Any]]:
    """Decision records matching `filters`, newest first, read a page at a time."""
    before: int | None = filters.before
    sent = 0
    while sent < limit:
        columns = select(evidence.c.seq, evidence.c.record, evidence.c.payload)
        query = filtered(columns, filters, before=before)
        with db.engine.connect() as conn:
            page = list(conn.execute(query.limit(PAGE)))
        for seq, raw, kept in page:
            record = merged_json(raw, kept)
            if filters.control and filters.control not in _controls(record):
                continue
            yield {"seq": int(seq), **record}
            sent += 1
            if sent >= limit:
                return
        if len(page) < PAGE:
            return
        before = int(page[-1][0])


def to_jsonl(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"


def to_csv(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    """One row per record; cells a spreadsheet would run as a formula are quoted with `'`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield _drain(buffer)
    for r in records:
        reasons = r.get("reasons", [])
        writer.writerow(
            _cell(v)
            for v in (
                r.get("seq"), r.get("id"), r.get("created_at"), r.get("kind"), r.get("principal"),
                r.get("session"), r.get("stage"), r.get("action"), " ".join(sorted(_controls(r))),
                " ".join(sorted({x["policy_id"] for x in reasons if x.get("policy_id")})),
                (r.get("latency_ms") or {}).get("total"), r.get("request_id"),
            )
        )  # fmt: skip
        yield _drain(buffer)


def _controls(record: dict[str, Any]) -> set[str]:
    return {str(r.get("control")) for r in record.get("reasons", [])}


def _cell(value: Any) -> str:
    out = "" if value is None else str(value)
    return "'" + out if out[:1] in ("=", "+", "-", "@", "\t", "\r") else out


def _drain(buffer: io.StringIO) -> str:
    out = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return out
