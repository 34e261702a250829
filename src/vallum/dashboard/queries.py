"""Read-only views of the evidence log for the dashboard: the stream, figures, bundle versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, or_, select

from vallum.evidence.payload import merged_json
from vallum.storage.database import Database
from vallum.storage.tables import evidence

STREAM_LIMIT = 100
SCAN_LIMIT = 5000
BUCKETS = 24
MIN_SPAN = timedelta(minutes=10)
SERIES = ("evaluated", "blocked", "redacted", "held", "would_block")


@dataclass(frozen=True, slots=True)
class Filters:
    """What the decision stream, its pages and its exports are narrowed to. `q` searches the
    record's text (content, ids, reasons); `since`/`until` are ISO times or `30m`, `24h`, `7d`
    ago; `before` is a page cursor (a sequence number)."""

    principal: str = ""
    session: str = ""
    action: str = ""
    control: str = ""
    q: str = ""
    since: str = ""
    until: str = ""
    before: int | None = None

    def query(self, **extra: object) -> str:
        """The filters as a query string, for links, polling and exports."""
        names = ("principal", "session", "action", "control", "q", "since", "until")
        values = {k: getattr(self, k) for k in names if getattr(self, k)}
        return urlencode({**values, **{k: v for k, v in extra.items() if v is not None}})


def filtered(query: Select[Any], filters: Filters, *, before: int | None = None) -> Select[Any]:
    """`query` over decision records narrowed to `filters` (but `control`), newest first."""
    query = query.where(evidence.c.kind == "decision")
    if filters.principal:
        query = query.where(evidence.c.principal.contains(filters.principal, autoescape=True))
    if filters.session:
        query = query.where(evidence.c.session.contains(filters.session, autoescape=True))
    if filters.action:
        query = query.where(evidence.c.action == filters.action)
    if filters.q:
        query = query.where(  # the kept content lives beside the record (evidence.payload)
            or_(
                evidence.c.record.contains(filters.q, autoescape=True),
                evidence.c.payload.contains(filters.q, autoescape=True),
            )
        )
    since, until = _when(filters.since), _when(filters.until)
    if since:
        query = query.where(evidence.c.created_at >= since)
    if until:
        query = query.where(evidence.c.created_at < until)
    if before is not None:
        query = query.where(evidence.c.seq < before)
    return query.order_by(evidence.c.seq.desc())


def _when(raw: str) -> str | None:
    """An ISO time, or a duration ago (`30m`, `24h`, `7d`), as the stored text compares."""
    if not raw:
        return None
    from vallum.bundle.schema import parse_duration

    try:
        moment = datetime.now(UTC) - parse_duration(raw)
    except ValueError:
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            return None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


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
    latency_ms: str = ""


def decision_stream(
    db: Database, filters: Filters, limit: int = STREAM_LIMIT
) -> tuple[list[Row], int | None]:
    """The newest decisions matching `filters` (older than `filters.before`), and the cursor of
    the next page (None at the end). A control filter reads pages until it has `limit` rows."""
    out: list[Row] = []
    before = filters.before
    scanned = 0
    query = select(evidence.c.seq, evidence.c.record, evidence.c.payload)
    with db.engine.connect() as conn:
        while len(out) < limit and scanned < SCAN_LIMIT * 4:
            page = list(conn.execute(filtered(query, filters, before=before).limit(limit)))
            for seq, raw, kept in page:
                before = int(seq)
                row = _row(int(seq), merged_json(raw, kept))
                if filters.control and filters.control not in row.controls:
                    continue
                out.append(row)
                if len(out) >= limit:
                    break
            scanned += len(page)
            if len(out) >= limit:
                break
            if len(page) < limit:
                return out, None  # the whole log was read
    return out, before


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
        latency_ms=str((record.get("latency_ms") or {}).get("total", "")),
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
