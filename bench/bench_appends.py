"""Evidence appends per second, with one and two writers, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_appends.py [--seconds 5] [--batch 1 20] [--postgres URL]

Each writer is its own process (as gateway replicas are), appending real decision records
(about 1.2 KB) for `--seconds`, `--batch` records per transaction (1: every request commits
alone; 20: the gateway's group commit under load). Every append takes the log's head lock
(one linear chain and one Merkle tree): with two writers the figure shows whether that lock is
the ceiling. Prints appends/s per database, writer count and batch, side by side, with how
long each append held the head lock per record and the share of the run the lock was held
(two writers near 100%: the lock is the ceiling; the way up is more records per hold).
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
import uuid
from typing import Any

from bench_verify import sample_records

from vallum.evidence.log import EvidenceLog
from vallum.evidence.record import utc_now
from vallum.storage.database import Database


class TimedLog(EvidenceLog):
    """The log, timing how long each append holds the head lock: from the moment the lock is
    granted (`lock_head` returns) to the end of the commit that releases it."""

    held = 0.0
    _granted = 0.0

    def lock_head(self, cursor: Any) -> tuple[int, str, list[bytes]]:
        head = super().lock_head(cursor)
        self._granted = time.perf_counter()
        return head

    def _commit(self, raw: Any, work: Any) -> Any:
        result = super()._commit(raw, work)
        self.held += time.perf_counter() - self._granted
        return result


def writer(url: str, seconds: float, batch: int, samples: list[dict[str, Any]], out: Any) -> None:
    db = Database(url)
    log = TimedLog(db)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        records = [
            {**samples[(done + i) % len(samples)], "id": str(uuid.uuid4()), "created_at": utc_now()}
            for i in range(batch)
        ]
        log.append_many(records)
        done += batch
    out.put((done, time.perf_counter() - start, log.held))
    db.dispose()


def run(
    url: str, writers: int, seconds: float, batch: int, samples: list[dict[str, Any]]
) -> tuple[float, float, float]:
    """Appends/s of all writers together, the head lock's hold time per record (us), and the
    share of the run's time the lock was held (near 1.0: the lock is the ceiling)."""
    Database(url).dispose()  # tables made once, before the writers race
    queue: Any = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=writer, args=(url, seconds, batch, samples, queue))
        for _ in range(writers)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    done, wall = sum(n for n, _, _ in results), max(t for _, t, _ in results)
    held = sum(h for _, _, h in results)
    return done / wall, 1e6 * held / max(done, 1), held / wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    samples = sample_records()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [] if args.no_sqlite else [("sqlite", f"sqlite:///{tmp}/appends.db")]
        if args.postgres:
            targets.append(("postgresql", _fresh_schema(args.postgres)))
        for name, url in targets:
            for batch in args.batch:
                (one, held1, busy1), (two, held2, busy2) = [
                    run(url, w, args.seconds, batch, samples) for w in (1, 2)
                ]
                print(
                    f"{name:<11} batch {batch:>3}: 1 writer {one:8.0f} appends/s (lock held "
                    f"{held1:6.0f} us/record, {busy1:4.0%} of the time), 2 writers {two:8.0f} "
                    f"appends/s ({two / one:.2f}x; lock held {held2:6.0f} us/record, "
                    f"{busy2:4.0%} of the time)"
                )


def _fresh_schema(url: str) -> str:
    """A schema of its own on the shared server (dropped and made again each run)."""
    from sqlalchemy import create_engine, text

    schema = "vallum_bench_appends"
    try:
        engine = create_engine(url.replace("postgresql+psycopg", "postgresql+psycopg"))
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
    except Exception as exc:  # a bench reports what it cannot reach
        print(f"postgresql  unavailable: {exc}")
        return url
    return f"{url}?options=-csearch_path%3D{schema}"


if __name__ == "__main__":
    main()
