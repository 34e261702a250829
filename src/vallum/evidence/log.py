"""The append-only, hash-chained evidence log.

Each record's hash covers its stored canonical text (its sequence number included) and the
previous record's hash (see `chain`); a one-row head table holds the last (seq, hash) and is
locked by every append (BEGIN IMMEDIATE on SQLite, SELECT ... FOR UPDATE on PostgreSQL), so the
chain stays linear across processes and replicas, and `verify` notices any edit, deletion (tail
included) or reordering.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from vallum.evidence.chain import GENESIS_HASH, canonical_bytes, link_hash
from vallum.evidence.integrity import Head, missing_records
from vallum.exceptions import ChainBrokenError, EvidenceError
from vallum.storage.database import Database
from vallum.storage.tables import evidence, evidence_head

_VERIFY_BATCH = 2000
_NO_HEAD = "the chain head row is missing: the log was emptied"


@dataclass(frozen=True, slots=True)
class StoredRecord:
    seq: int
    id: str
    record: dict[str, Any]
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    records: int
    head_hash: str


class EvidenceLog:
    """Append records; read them back; verify the chain."""

    def __init__(self, database: Database):
        self.db = database
        mark = "?" if database.is_sqlite else "%s"
        columns = ", ".join(_COLUMNS)
        self._sql_insert = (
            f"INSERT INTO {evidence.name} ({columns}) VALUES ({', '.join([mark] * len(_COLUMNS))})"  # noqa: S608 - constant names, bound values
        )
        lock = "" if database.is_sqlite else " FOR UPDATE"
        self._sql_head = f"SELECT seq, hash FROM {evidence_head.name} WHERE id = 1{lock}"  # noqa: S608
        self._sql_update_head = (
            f"UPDATE {evidence_head.name} SET seq = {mark}, hash = {mark} WHERE id = 1"  # noqa: S608
        )
        self._ensure_head()

    def _ensure_head(self) -> None:
        # The head row is created with its table (storage.tables); one missing now means the
        # log was emptied, and starting a new chain would hide that.
        try:
            with self.db.engine.begin() as conn:
                if conn.execute(select(evidence_head.c.id)).first() is None:
                    raise EvidenceError(_NO_HEAD)
        except SQLAlchemyError as exc:
            raise EvidenceError(
                f"cannot open evidence log at {self.db.display_url}: {_brief(exc)}"
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
        for record in records:
            _check(record)
        if connection is not None:
            return self._commit(connection, records)
        try:
            raw = self.db.engine.raw_connection()
        except SQLAlchemyError as exc:
            raise EvidenceError(
                f"cannot append evidence to {self.db.display_url}: {_brief(exc)}"
            ) from exc
        try:
            return self._commit(raw, records)
        finally:
            raw.close()

    def _commit(self, raw: Any, records: Sequence[dict[str, Any]]) -> list[StoredRecord]:
        try:
            cursor = raw.cursor()
            try:
                if self.db.is_sqlite:
                    cursor.execute("BEGIN IMMEDIATE")
                stored = self._write(cursor, records)
            finally:
                cursor.close()
            raw.commit()
            return stored
        except Exception as exc:
            with contextlib.suppress(Exception):
                raw.rollback()
            if isinstance(exc, EvidenceError):
                raise
            raise EvidenceError(
                f"cannot append evidence to {self.db.display_url}: {_brief(exc)}"
            ) from exc

    def append_in(self, conn: Connection, records: Sequence[dict[str, Any]]) -> list[StoredRecord]:
        """Append inside the caller's transaction, so a state change and its record commit
        together (approvals use it). SQLAlchemy errors propagate to the caller."""
        for record in records:
            _check(record)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            return self._write(cursor, records)
        finally:
            cursor.close()

    def _write(self, cursor: Any, records: Sequence[dict[str, Any]]) -> list[StoredRecord]:
        # Straight to the driver: this is the one write on the hot path, and SQLAlchemy's
        # statement building costs more than SQLite's insert itself.
        seq, prev = self._lock_head(cursor)
        rows, stored = [], []
        for record in records:
            seq += 1
            body = {**record, "seq": seq}
            canonical = canonical_bytes(body)
            digest = link_hash(prev, canonical)
            rows.append(_row(seq, body, canonical.decode(), prev, digest))
            stored.append(StoredRecord(seq, str(record["id"]), body, digest))
            prev = digest
        cursor.executemany(self._sql_insert, rows)
        cursor.execute(self._sql_update_head, (seq, prev))
        return stored

    def _lock_head(self, cursor: Any) -> tuple[int, str]:
        cursor.execute(self._sql_head)
        row = cursor.fetchone()
        if row is None:
            raise EvidenceError("evidence chain head is missing: the log was tampered with")
        return int(row[0]), str(row[1])

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
            raise EvidenceError(f"cannot read evidence: {_brief(exc)}") from exc
        if row is None:
            return None
        return StoredRecord(int(row.seq), str(row.id), json.loads(row.record), str(row.hash))

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
                yield StoredRecord(int(row.seq), str(row.id), json.loads(row.record), str(row.hash))
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
            raise EvidenceError(f"cannot read evidence: {_brief(exc)}") from exc
        return [
            StoredRecord(int(r.seq), str(r.id), json.loads(r.record), str(r.hash)) for r in rows
        ]

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
            raise EvidenceError(f"cannot read evidence: {_brief(exc)}") from exc

    def _raw_batches(self, size: int) -> Iterator[list[_Row]]:
        """Every row in chain order, `size` at a time, read by the driver into plain tuples on
        one connection: no SQLAlchemy row objects, at the speed of the disk and the hashing."""
        mark = "?" if self.db.is_sqlite else "%s"
        sql = (
            f"SELECT {', '.join(_COLUMNS)} FROM {evidence.name} "  # noqa: S608 - constant names
            f"WHERE seq > {mark} ORDER BY seq LIMIT {int(size)}"
        )
        try:
            raw = self.db.engine.raw_connection()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read evidence: {_brief(exc)}") from exc
        try:
            cursor = raw.cursor()
            after = 0
            while True:
                try:
                    cursor.execute(sql, (after,))
                    rows = cursor.fetchall()
                except Exception as exc:  # the driver's own errors (sqlite3, psycopg)
                    raise EvidenceError(f"cannot read evidence: {_brief(exc)}") from exc
                if not rows:
                    return
                yield list(map(_Row._make, rows))
                after = int(rows[-1][0])
        finally:
            raw.close()

    def verify(self, expect_head: Head | None = None) -> VerifyReport:
        """Walk the whole chain; raise `ChainBrokenError` naming the first bad record, or saying
        how the log shows it once held more (see `integrity`). `expect_head`, a head recorded
        earlier, must still be in the chain: a log that only grew since verifies."""
        prev = GENESIS_HASH
        expected_seq = 1
        count = 0
        for batch in self._raw_batches(_STREAM_BATCH):
            for row in batch:
                seq, rid = int(row.seq), str(row.id)
                if seq != expected_seq:
                    raise ChainBrokenError(
                        expected_seq, rid, f"record #{expected_seq} is missing (next is #{seq})"
                    )
                if row.prev_hash != prev:
                    raise ChainBrokenError(
                        seq, rid, "link to the previous record is broken (deleted or reordered)"
                    )
                try:
                    body = _loads(row.record)
                except ValueError:
                    raise ChainBrokenError(seq, rid, "content is not valid JSON") from None
                if not isinstance(body, dict) or body.get("seq") != seq:
                    raise ChainBrokenError(seq, rid, "indexed columns do not match the record")
                # The stored text itself is hashed, never a re-serialisation of `body`: records
                # written by any encoder verify, and any change to the text changes its hash.
                if link_hash(prev, row.record) != row.hash:
                    raise ChainBrokenError(seq, rid, "content does not match its hash (edited)")
                if not _matches(row, body):
                    raise ChainBrokenError(seq, rid, "indexed columns do not match the record")
                prev, expected_seq, count = str(row.hash), seq + 1, count + 1
        head = self._head()
        if head is not None and (head[0] != count or head[1] != prev):
            raise ChainBrokenError(
                count,
                "-",
                f"log ends at #{count} but its head says #{head[0]}: records were removed from the end",
            )
        if head is None:
            raise ChainBrokenError(count, "-", _NO_HEAD)
        self._check_held(count, expect_head)
        return VerifyReport(records=count, head_hash=prev)

    def _check_held(self, count: int, expect: Head | None) -> None:
        try:
            with self.db.engine.connect() as conn:
                removed = missing_records(conn)
                found = None
                if expect is not None and 0 < expect.seq <= count:
                    query = select(evidence.c.hash).where(evidence.c.seq == expect.seq)
                    found = conn.execute(query).scalar_one()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read evidence: {_brief(exc)}") from exc
        if removed is not None:
            raise ChainBrokenError(count, "-", removed)
        if expect is None:
            return
        if expect.seq > count:
            raise ChainBrokenError(
                count, "-", f"log ends at #{count} but held #{expect.seq}: records were removed"
            )
        if (found or GENESIS_HASH) != expect.hash:
            raise ChainBrokenError(
                expect.seq,
                "-",
                f"record #{expect.seq} is not the one recorded: the log was rewritten",
            )

    def _head(self) -> tuple[int, str] | None:
        try:
            with self.db.engine.connect() as conn:
                row = conn.execute(select(evidence_head.c.seq, evidence_head.c.hash)).first()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read evidence head: {_brief(exc)}") from exc
        return None if row is None else (int(row.seq), str(row.hash))


def _loads(text: str) -> Any:
    """orjson first (the fast path), then the standard library for what only it reads: the
    `NaN` and `Infinity` tokens that records written before orjson may hold."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _check(record: dict[str, Any]) -> None:
    for key in ("id", "created_at", "kind"):
        if not record.get(key):
            raise EvidenceError(f"evidence record lacks {key!r}")


_COLUMNS = (
    "seq",
    "id",
    "created_at",
    "kind",
    "principal",
    "session",
    "stage",
    "action",
    "bundle_version",
    "record",
    "prev_hash",
    "hash",
)


class _Row(NamedTuple):
    """A row as the driver gives it (a tuple in `_COLUMNS` order), its fields by name."""

    seq: int
    id: str
    created_at: str
    kind: str
    principal: str
    session: str
    stage: str
    action: str
    bundle_version: str
    record: str
    prev_hash: str
    hash: str


_STREAM_BATCH = 20_000  # rows per query when verifying


def _row(seq: int, body: dict[str, Any], canonical: str, prev: str, digest: str) -> tuple[Any, ...]:
    return (seq, *_indexed(body), canonical, prev, digest)


def _matches(row: Any, body: dict[str, Any]) -> bool:
    """Whether the row's copied columns are what its record says (an edited `principal` or
    `action` column would hide a record from the dashboard's filters)."""
    try:
        expected = _indexed(body)
    except (KeyError, AttributeError):  # a record without its required fields
        return False
    return tuple(map(str, row[1:9])) == expected


def _indexed(body: dict[str, Any]) -> tuple[str, ...]:
    """The columns copied out of a record for lookups and filters (the dashboard's), in
    `_COLUMNS` order after `seq`."""
    return (
        str(body["id"]),
        str(body["created_at"]),
        str(body["kind"]),
        str(body.get("principal", ""))[:256],
        str(body.get("session", ""))[:256],
        str(body.get("stage", "")),
        str(body.get("action", "")),
        str((body.get("bundle") or {}).get("version", "")),
    )


def _brief(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
