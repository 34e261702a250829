"""The append-only evidence log: a hash chain and an RFC 9162 Merkle tree over the same records.

Each record's hash covers its stored canonical text (its sequence number included) and the
previous record's hash (see `chain`); the same text is a leaf of the Merkle tree (`tree_store`),
whose signed checkpoints (`checkpoint`) can leave the machine. A one-row head table holds the
last (seq, hash) and the tree's frontier, and is locked by every append (BEGIN IMMEDIATE on
SQLite, SELECT ... FOR UPDATE on PostgreSQL), so the log stays linear across processes and
replicas. Erasable content is stored apart and committed by hash (`payload`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from vallum.evidence import merkle, payload
from vallum.evidence.chain import canonical_bytes, canonical_halves, link_hash, with_seq
from vallum.evidence.checkpoint import Checkpoint
from vallum.evidence.integrity import Head
from vallum.evidence.reader import NO_HEAD, RawReader, VerifyReport
from vallum.evidence.rows import COLUMNS, Row, brief, check, indexed, loads
from vallum.evidence.tree_store import frontier_text, parse_frontier, tree_text
from vallum.evidence.upgrade import build_tree
from vallum.evidence.verify import verify_log
from vallum.exceptions import EvidenceError
from vallum.storage.database import Database
from vallum.storage.tables import evidence, evidence_head

_COLUMNS, _Row = COLUMNS, Row  # the names tests and older callers use
__all__ = [
    "NO_HEAD",
    "EvidenceLog",
    "Prepared",
    "StoredRecord",
    "VerifyReport",
    "prepare",
    "stored_record",
]
_VERIFY_BATCH = 2000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoredRecord:
    seq: int
    id: str
    record: dict[str, Any]
    hash: str


class EvidenceLog(RawReader):
    """Append records; read them back; verify the chain and the tree (`verify`)."""

    def __init__(self, database: Database):
        super().__init__(database)
        mark, lock = self.mark, self.lock
        columns = ", ".join(COLUMNS)
        self._sql_insert = (
            f"INSERT INTO {evidence.name} ({columns}) VALUES ({', '.join([mark] * len(COLUMNS))})"  # noqa: S608 - constant names, bound values
        )
        self._sql_copy = f"COPY {evidence.name} ({columns}) FROM STDIN"
        self._sql_head = f"SELECT seq, hash, frontier FROM {evidence_head.name} WHERE id = 1{lock}"  # noqa: S608
        self._sql_update_head = f"UPDATE {evidence_head.name} SET seq = {mark}, hash = {mark}, frontier = {mark} WHERE id = 1"  # noqa: S608
        self._ensure_head()

    def _ensure_head(self) -> None:
        # The head row is created with its table (storage.tables); one missing now means the
        # log was emptied, and starting a new chain would hide that. A head without a tree
        # frontier is a database from before the tree: build it once.
        try:
            with self.db.engine.begin() as conn:
                row = conn.execute(select(evidence_head.c.id, evidence_head.c.frontier)).first()
                if row is None:
                    raise EvidenceError(NO_HEAD)
            if row.frontier is None:
                self.transaction(lambda cursor: build_tree(self, cursor))
        except SQLAlchemyError as exc:
            raise EvidenceError(
                f"cannot open evidence log at {self.db.display_url}: {brief(exc)}"
            ) from exc

    def append(self, record: dict[str, Any]) -> StoredRecord:
        """Append one record (a dict with at least `id`); return it with its seq and hash."""
        return self.append_many([record])[0]

    def append_many(
        self, records: Sequence[dict[str, Any]], *, connection: Any | None = None
    ) -> list[StoredRecord]:
        """Append records in one transaction: all of them are written, or none.

        `connection` is a DBAPI connection the caller keeps open across calls (the gateway's
        evidence writer: `Database.dedicated_connection`); by default one is taken from the pool
        and returned.
        """
        ready = [prepare(record) for record in records]  # encoded before the lock is taken
        return self.transaction(lambda cursor: self.write_prepared(cursor, ready), connection)

    def transaction(self, work: Callable[[Any], T], connection: Any | None = None) -> T:
        """Run `work(cursor)` in one write transaction (the write lock taken first on SQLite)."""
        if connection is not None:
            return self._commit(connection, work)
        try:
            raw = self.db.engine.raw_connection()
        except SQLAlchemyError as exc:
            raise EvidenceError(
                f"cannot append evidence to {self.db.display_url}: {brief(exc)}"
            ) from exc
        try:
            return self._commit(raw, work)
        finally:
            raw.close()

    def _commit(self, raw: Any, work: Callable[[Any], T]) -> T:
        try:
            cursor = raw.cursor()
            try:
                if self.db.is_sqlite:
                    cursor.execute("BEGIN IMMEDIATE")
                result = work(cursor)
            finally:
                cursor.close()
            raw.commit()
            return result
        except Exception as exc:
            with contextlib.suppress(Exception):
                raw.rollback()
            if isinstance(exc, EvidenceError):
                raise
            raise EvidenceError(
                f"cannot append evidence to {self.db.display_url}: {brief(exc)}"
            ) from exc

    def append_in(self, conn: Connection, records: Sequence[dict[str, Any]]) -> list[StoredRecord]:
        """Append inside the caller's transaction, so a state change and its record commit
        together (approvals use it). SQLAlchemy errors propagate to the caller."""
        for record in records:
            check(record)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            return self.write(cursor, records)
        finally:
            cursor.close()

    def write(self, cursor: Any, records: Sequence[dict[str, Any]]) -> list[StoredRecord]:
        """Append under the head lock, on the caller's cursor and transaction."""
        return self.write_prepared(cursor, [prepare(record) for record in records])

    def write_prepared(self, cursor: Any, records: Sequence[Prepared]) -> list[StoredRecord]:
        """Append records `prepare`d beforehand: under the head lock only what depends on the
        position (the seq spliced into the encoded record, the link, the tree), so replicas
        and threads wait for each other as little as the one chain allows."""
        # Straight to the driver: this is the one write on the hot path, and SQLAlchemy's
        # statement building costs more than SQLite's insert itself.
        seq, prev, frontier = self.lock_head(cursor)
        rows, stored = [], []
        for p in records:
            seq += 1
            if p.halves is None:
                canonical = canonical_bytes({**p.body, "seq": seq})
            else:
                canonical = with_seq(p.halves, seq)
            digest = link_hash(prev, canonical)
            leaf = merkle.leaf_hash(canonical)
            tree = tree_text(leaf, merkle.push(frontier, seq - 1, leaf))
            rows.append((seq, *p.columns, canonical.decode(), prev, digest, p.kept, tree))
            body = {**p.body, "seq": seq}
            full = body if p.kept is None else {**p.record, "seq": seq, "payload": body["payload"]}
            stored.append(StoredRecord(seq, str(p.record["id"]), full, digest))
            prev = digest
        if self.db.is_sqlite or not hasattr(cursor, "copy"):
            cursor.executemany(self._sql_insert, rows)
        else:  # psycopg 3's COPY: less CPU and less time under the lock than INSERTs
            with cursor.copy(self._sql_copy) as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.execute(self._sql_update_head, (seq, prev, frontier_text(frontier)))
        return stored

    def lock_head(self, cursor: Any) -> tuple[int, str, list[bytes]]:
        cursor.execute(self._sql_head)
        row = cursor.fetchone()
        if row is None:
            raise EvidenceError("evidence chain head is missing: the log was tampered with")
        seq = int(row[0])
        return seq, str(row[1]), parse_frontier(row[2] or "", seq)

    def get(self, record_id: str) -> StoredRecord | None:
        """The record with this id (or a unique id prefix of at least 8 characters)."""
        try:
            with self.db.engine.connect() as conn:
                if len(record_id) < 36 and len(record_id) >= 8:
                    found = conn.execute(
                        select(evidence)
                        .where(evidence.c.id.startswith(record_id, autoescape=True))
                        .limit(2)
                    ).all()
                    row = found[0] if len(found) == 1 else None
                else:
                    row = conn.execute(select(evidence).where(evidence.c.id == record_id)).first()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read evidence: {brief(exc)}") from exc
        return None if row is None else stored_record(row)

    def iter_records(
        self, *, after_seq: int = 0, limit: int | None = None
    ) -> Iterator[StoredRecord]:
        """Records in chain order, starting after `after_seq`."""
        yielded = 0
        while limit is None or yielded < limit:
            batch = self._batch(after_seq, _VERIFY_BATCH)
            if not batch:
                return
            for row in batch:
                yield stored_record(row)
                yielded += 1
                after_seq = int(row.seq)
                if limit is not None and yielded >= limit:
                    return

    def tail(self, n: int) -> list[StoredRecord]:
        """The last `n` records, newest first."""
        try:
            with self.db.engine.connect() as conn:
                rows = conn.execute(select(evidence).order_by(evidence.c.seq.desc()).limit(n)).all()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read evidence: {brief(exc)}") from exc
        return [stored_record(r) for r in rows]

    def _batch(self, after_seq: int, size: int) -> list[Any]:
        try:
            with self.db.engine.connect() as conn:
                query = (
                    select(evidence)
                    .where(evidence.c.seq > after_seq)
                    .order_by(evidence.c.seq)
                    .limit(size)
                )
                return list(conn.execute(query).all())
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read evidence: {brief(exc)}") from exc

    def verify(
        self, expect_head: Head | None = None, checkpoints: Sequence[Checkpoint] = ()
    ) -> VerifyReport:
        """Walk the whole log; raise `ChainBrokenError` naming the first bad record, or how the
        log shows it once held more (see `integrity`, and `checkpoints`: signed `Checkpoint`s
        it must still be consistent with). `expect_head`, a `Head` recorded earlier, must still
        be in the chain: a log that only grew since verifies."""
        return verify_log(self, expect_head, checkpoints)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record ready to append: split from its erasable content, encoded around its seq."""

    record: dict[str, Any]  # as given
    body: dict[str, Any]  # what the log stores (content committed by hash), without a seq
    halves: tuple[bytes, bytes] | None  # `chain.canonical_halves(body)`
    kept: str | None  # the erasable content as stored (`payload`)
    columns: tuple[str, ...]  # copied out for lookups and filters (`rows.indexed`)


def prepare(record: dict[str, Any]) -> Prepared:
    """Everything about appending `record` that does not depend on where it lands in the log;
    EvidenceError for a record that cannot be stored (before any lock is taken)."""
    check(record)
    body, data = payload.split(record)
    body = {k: v for k, v in body.items() if k != "seq"}
    kept = None if data is None else data.decode()
    return Prepared(record, body, canonical_halves(body), kept, indexed(body))


def stored_record(row: Any) -> StoredRecord:
    """A row (SQLAlchemy's or the driver's) as the record appended, erasable content merged."""
    body = loads(row.record)
    kept = getattr(row, "payload", None)
    record = payload.merge(body, None if kept is None else loads(kept))
    return StoredRecord(int(row.seq), str(row.id), record, str(row.hash))
