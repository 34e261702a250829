"""Evidence appends per second, with one and two writers, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_appends.py [--seconds 5] [--batch 1 20] [--postgres URL]

Each writer is its own process (as gateway replicas are), appending real decision records
(about 1.2 KB) for `--seconds`, `--batch` records per transaction (1: every request commits
alone; 20: the gateway's group commit under load). Every append takes the log's head lock
(one linear chain and one Merkle tree): with two writers the figure shows whether that lock is
the ceiling. Prints appends/s per database, writer count and batch, side by side, with how
long each append held the head lock per record and the share of the run the lock was held
(two writers near 100%: the lock is the ceiling; the way up is more records per hold).

`--per-writer` adds, on PostgreSQL, a third column: two writers that each append to a log of
their own (its own schema: records table, head row and tree) on the same server, so no append
waits for another writer's head lock. This is the contention a per-writer design (one head
row and one tree per writer, all heads signed in one checkpoint; docs/evidence.md) would leave,
measured before building it. Separate tables are an upper bound for one shared table with a
writer column: that would still share its index pages.
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
    waited = 0.0
    _granted = 0.0

    def lock_head(self, cursor: Any) -> tuple[int, str, list[bytes]]:
        asked = time.perf_counter()
        head = super().lock_head(cursor)
        self._granted = time.perf_counter()
        self.waited += self._granted - asked
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
    out.put((done, time.perf_counter() - start, log.held, log.waited))
    db.dispose()


def run(
    urls: list[str], writers: int, seconds: float, batch: int, samples: list[dict[str, Any]]
) -> tuple[float, float, float, float]:
    """Appends/s of all writers together, the head lock's hold time per record (us), the
    share of the run's time each head lock was held (near 1.0: the lock is the ceiling), and
    the share of each writer's time spent asking for the lock (waiting for the other writer).
    Writer i appends to `urls[i % len(urls)]`: one URL, one shared head; one each, a head each."""
    for url in set(urls):
        Database(url).dispose()  # tables made once, before the writers race
    locks = min(writers, len(set(urls)))
    queue: Any = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=writer, args=(urls[i % len(urls)], seconds, batch, samples, queue)
        )
        for i in range(writers)
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    done, wall = sum(r[0] for r in results), max(r[1] for r in results)
    held, waited = sum(r[2] for r in results), sum(r[3] for r in results)
    return done / wall, 1e6 * held / max(done, 1), held / wall / locks, waited / wall / writers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--per-writer",
        action="store_true",
        help="PostgreSQL: also two writers with a log (head row, tree) each, side by side",
    )
    args = parser.parse_args()
    samples = sample_records()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [] if args.no_sqlite else [("sqlite", f"sqlite:///{tmp}/appends.db")]
        if args.postgres:
            targets.append(("postgresql", _fresh_schema(args.postgres)))
        for name, url in targets:
            own = None
            if args.per_writer and name == "postgresql":
                own = [_fresh_schema(args.postgres, f"vallum_bench_appends_w{i}") for i in (0, 1)]
            for batch in args.batch:
                (one, held1, busy1, _), (two, held2, busy2, wait2) = [
                    run([url], w, args.seconds, batch, samples) for w in (1, 2)
                ]
                line = (
                    f"{name:<11} batch {batch:>3}: 1 writer {one:8.0f} appends/s (lock held "
                    f"{held1:6.0f} us/record, {busy1:4.0%} of the time), 2 writers {two:8.0f} "
                    f"appends/s ({two / one:.2f}x; lock held {held2:6.0f} us/record, "
                    f"{busy2:4.0%} of the time, each writer waits for it {wait2:4.0%})"
                )
                if own is not None:
                    mine, held3, busy3, wait3 = run(own, 2, args.seconds, batch, samples)
                    line += (
                        f", 2 writers with a head each {mine:8.0f} appends/s ({mine / one:.2f}x; "
                        f"lock held {held3:6.0f} us/record, each lock {busy3:4.0%} of the time, "
                        f"waits {wait3:4.0%})"
                    )
                print(line)


def _fresh_schema(url: str, schema: str = "vallum_bench_appends") -> str:
    """A schema of its own on the shared server (dropped and made again each run)."""
    from sqlalchemy import create_engine, text

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
