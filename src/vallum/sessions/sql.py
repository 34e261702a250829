"""Session labels and taint in the database, shared by every process that uses it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from vallum.exceptions import SessionStoreError
from vallum.sessions.fingerprint import all_value_fingerprints
from vallum.sessions.store import match_taint
from vallum.storage.database import Database
from vallum.storage.tables import (
    session_counters,
    session_destinations,
    session_labels,
    session_taint,
)

_CHUNK = 5000


class SqlSessionStore:
    """Labels and taint fingerprints in `vallum_session_labels` / `vallum_session_taint`."""

    def __init__(self, database: Database):
        self.db = database
        # INSERT ... ON CONFLICT is per dialect; PostgreSQL's is imported only when in use
        self._insert: Callable[[Table], Any] = sqlite_insert
        if not database.is_sqlite:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            self._insert = pg_insert

    def labels(self, session: str) -> frozenset[str]:
        try:
            with self.db.engine.connect() as conn:
                rows = conn.execute(
                    select(session_labels.c.label).where(session_labels.c.session == session)
                )
                return frozenset(str(r[0]) for r in rows)
        except SQLAlchemyError as exc:
            raise SessionStoreError(f"cannot read labels of session {session!r}: {exc}") from exc

    def add(
        self, session: str, labels: Iterable[str], taint: Mapping[int, str] | None = None
    ) -> None:
        label_rows = [{"session": session, "label": label} for label in sorted(set(labels))]
        taint_rows = [
            {"session": session, "fingerprint": h, "labels": j} for h, j in (taint or {}).items()
        ]
        try:
            with self.db.engine.begin() as conn:
                if label_rows:
                    conn.execute(self._insert(session_labels).on_conflict_do_nothing(), label_rows)
                for start in range(0, len(taint_rows), _CHUNK):
                    chunk = taint_rows[start : start + _CHUNK]
                    conn.execute(self._insert(session_taint).on_conflict_do_nothing(), chunk)
        except SQLAlchemyError as exc:
            raise SessionStoreError(f"cannot write labels of session {session!r}: {exc}") from exc

    def taint_of(self, session: str, values: Mapping[str, str]) -> dict[str, frozenset[str]]:
        wanted = {h for v in values.values() for h in all_value_fingerprints(v)}
        if not wanted:
            return {}
        try:
            with self.db.engine.connect() as conn:
                query = select(session_taint.c.fingerprint, session_taint.c.labels).where(
                    session_taint.c.session == session,
                    session_taint.c.fingerprint.in_(sorted(wanted)),
                )
                lookup = {int(r[0]): str(r[1]) for r in conn.execute(query)}
        except SQLAlchemyError as exc:
            raise SessionStoreError(f"cannot read taint of session {session!r}: {exc}") from exc
        return match_taint(values, lookup)

    def counters(self, session: str) -> dict[str, float]:
        try:
            with self.db.engine.connect() as conn:
                rows = conn.execute(
                    select(session_counters.c.key, session_counters.c.value).where(
                        session_counters.c.session == session
                    )
                )
                return {str(r[0]): float(r[1]) for r in rows}
        except SQLAlchemyError as exc:
            raise SessionStoreError(f"cannot read history of session {session!r}: {exc}") from exc

    def seen_destinations(self, session: str, fingerprints: Sequence[int]) -> set[int]:
        if not fingerprints:
            return set()
        try:
            with self.db.engine.connect() as conn:
                query = select(session_destinations.c.fingerprint).where(
                    session_destinations.c.session == session,
                    session_destinations.c.fingerprint.in_(sorted(set(fingerprints))),
                )
                return {int(r[0]) for r in conn.execute(query)}
        except SQLAlchemyError as exc:
            raise SessionStoreError(f"cannot read history of session {session!r}: {exc}") from exc

    def record_history(
        self, session: str, increments: Mapping[str, float], destinations: Iterable[int]
    ) -> None:
        rows = [{"session": session, "key": k, "value": v} for k, v in sorted(increments.items())]
        seen = [{"session": session, "fingerprint": h} for h in sorted(set(destinations))]
        try:
            with self.db.engine.begin() as conn:
                if rows:
                    stmt = self._insert(session_counters)
                    # atomic per key: every replica's increment lands, none overwrites another
                    stmt = stmt.on_conflict_do_update(
                        index_elements=[session_counters.c.session, session_counters.c.key],
                        set_={"value": session_counters.c.value + stmt.excluded.value},
                    )
                    conn.execute(stmt, rows)
                if seen:
                    conn.execute(self._insert(session_destinations).on_conflict_do_nothing(), seen)
        except SQLAlchemyError as exc:
            raise SessionStoreError(f"cannot write history of session {session!r}: {exc}") from exc
