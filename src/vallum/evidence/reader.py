"""Reading the evidence tables by the driver: what verification, proofs and upgrades need.

`LogReader` is the narrow view of a log that `verify`, `chunks`, `upgrade` and the tree proofs
take; `RawReader` implements it on a `Database`, and `EvidenceLog` (which appends) builds on it.
So those modules sit below the log and import nothing from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from vallum.evidence import merkle
from vallum.evidence.rows import COLUMNS, Row, brief
from vallum.evidence.tree_store import parse_frontier
from vallum.exceptions import EvidenceError
from vallum.storage.database import Database
from vallum.storage.tables import evidence, evidence_head

NO_HEAD = "the chain head row is missing: the log was emptied"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    records: int
    head_hash: str
    root: bytes = merkle.EMPTY_ROOT
    checkpoints: int = 0  # signed checkpoints the log was verified against


class LogReader(Protocol):
    """What reading code needs of a log: its database, its SQL placeholders and raw rows."""

    @property
    def db(self) -> Database: ...

    @property
    def mark(self) -> str: ...

    @property
    def lock(self) -> str: ...

    def raw_batches(
        self, size: int, *, after: int = 0, columns: dict[str, str] | None = None,
        plain: bool = False, until: int | None = None,
    ) -> Iterator[list[Any]]: ...  # fmt: skip

    def tree_head(self) -> tuple[int, bytes]: ...


def fetch_all(db: Database, sql: str, params: tuple[Any, ...]) -> list[Any]:
    """The rows of one query, read by the driver into plain tuples on a connection of its own;
    any failure (connecting, the driver's own errors) is an `EvidenceError` naming it."""
    try:
        raw = db.engine.raw_connection()
    except SQLAlchemyError as exc:
        raise EvidenceError(f"cannot read evidence: {brief(exc)}") from exc
    try:
        cursor = raw.cursor()
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    except Exception as exc:  # the driver's own errors (sqlite3, psycopg)
        raise EvidenceError(f"cannot read evidence: {brief(exc)}") from exc
    finally:
        raw.close()


class RawReader:
    """A `LogReader` over a database: rows read by the driver into plain tuples."""

    def __init__(self, database: Database):
        self.db = database
        self.mark = "?" if database.is_sqlite else "%s"
        self.lock = "" if database.is_sqlite else " FOR UPDATE"

    def tree_head(self) -> tuple[int, bytes]:
        """(size, root) of the tree now, from the head row: O(log n)."""
        try:
            with self.db.engine.connect() as conn:
                row = conn.execute(select(evidence_head.c.seq, evidence_head.c.frontier)).first()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read evidence head: {brief(exc)}") from exc
        if row is None:
            raise EvidenceError(NO_HEAD)
        size = int(row.seq)
        return size, merkle.fold(parse_frontier(row.frontier or "", size))

    def raw_batches(
        self, size: int, *, after: int = 0, columns: dict[str, str] | None = None,
        plain: bool = False, until: int | None = None,
    ) -> Iterator[list[Any]]:  # fmt: skip
        """Every row after seq `after` in chain order, `size` at a time, read by the driver into
        plain tuples on one connection: no SQLAlchemy row objects, at the speed of the disk and
        the hashing. `columns` replaces a column by an SQL expression (constant, never user
        input); `plain` leaves the rows as plain tuples; `until`: up to this seq."""
        select_list = ", ".join((columns or {}).get(c, c) for c in COLUMNS)
        bound = "" if until is None else f" AND seq <= {int(until)}"
        sql = (
            f"SELECT {select_list} FROM {evidence.name} "  # noqa: S608 - constant names
            f"WHERE seq > {self.mark}{bound} ORDER BY seq LIMIT {int(size)}"
        )
        try:
            raw = self.db.engine.raw_connection()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read evidence: {brief(exc)}") from exc
        try:
            cursor = raw.cursor()
            while True:
                try:
                    cursor.execute(sql, (after,))
                    rows = cursor.fetchall()
                except Exception as exc:  # the driver's own errors (sqlite3, psycopg)
                    raise EvidenceError(f"cannot read evidence: {brief(exc)}") from exc
                if not rows:
                    return
                yield list(rows) if plain else list(map(Row._make, rows))
                after = int(rows[-1][0])
        finally:
            raw.close()
