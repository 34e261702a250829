"""How often each control and Cedar policy acted in production, read from the evidence log.

A control "acted" when a decision of this bundle (by name, any version) lists a reason from it:
in enforce mode it changed or labelled something, in monitor mode it would have. A control
whose enforce count is zero over the window is "unproven in production": nothing shows that it
works where it matters, whatever the tests say.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from vallum.authz.authorizer import CONTROL as CEDAR
from vallum.exceptions import EvidenceError
from vallum.storage.database import Database, default_database_url
from vallum.storage.tables import evidence

DEFAULT_DAYS = 30
BATCH = 1000


@dataclass(frozen=True, slots=True)
class Activity:
    """Reason counts per control id and per policy `@id`, split by mode, over `days`."""

    days: int
    since: str
    decisions: int
    source: str
    enforced: Counter[str] = field(default_factory=Counter)
    monitored: Counter[str] = field(default_factory=Counter)

    @staticmethod
    def key(kind: str, name: str) -> str:
        """`control:ID` or `policy:ID`: the names of the two kinds never collide."""
        return f"{kind}:{name}"


def activity(
    db: Database, bundle_name: str, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> Activity:
    """Count the reasons of every decision `bundle_name` took in the last `days`."""
    now = now or datetime.now(UTC)
    since = (now - timedelta(days=days)).isoformat(timespec="microseconds")
    enforced: Counter[str] = Counter()
    monitored: Counter[str] = Counter()
    decisions = 0
    query = (
        select(evidence.c.record)
        .where(evidence.c.kind == "decision", evidence.c.created_at >= since)
        .execution_options(yield_per=BATCH)
    )
    with db.engine.connect() as conn:
        for (raw,) in conn.execute(query):
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue  # not ours to judge here: `vallum audit verify` reports it
            if (record.get("bundle") or {}).get("name") != bundle_name:
                continue
            decisions += 1
            for reason in record.get("reasons") or ():
                policy = reason.get("policy_id")
                control = str(reason.get("control", ""))
                name = (
                    Activity.key("policy", str(policy))
                    if control == CEDAR and policy
                    else Activity.key("control", control)
                )
                target = monitored if reason.get("mode") == "monitor" else enforced
                target[name] += 1
    return Activity(days, since, decisions, db.display_url, enforced, monitored)


def read_activity(url: str | None, bundle_name: str, days: int = DEFAULT_DAYS) -> Activity | None:
    """`activity` from the database at `url` (default: VALLUM_DATABASE_URL or the local
    SQLite file). None when the default SQLite file does not exist: nothing was recorded here,
    and reading must not create it. A database named explicitly must be readable."""
    raw = url or default_database_url()
    parsed = make_url(raw)
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(str(file)).is_file():
        if url is not None:
            raise EvidenceError(f"no evidence database at {file}")
        return None
    db = Database(raw, create=False)
    try:
        return activity(db, bundle_name, days)
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EvidenceError(f"cannot read the evidence log at {db.display_url}: {first}") from exc
    finally:
        db.dispose()
