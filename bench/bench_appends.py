"""Evidence appends per second, with one and two writers, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_appends.py [--seconds 5] [--batch 1 20] [--postgres URL]

Each writer is its own process (as gateway replicas are), appending real decision records
(about 1.2 KB) for `--seconds`, `--batch` records per transaction (1: every request commits
alone; 20: the gateway's group commit under load). Every append takes the log's head lock
(one linear chain and one Merkle tree): with two writers the figure shows whether that lock is
the ceiling. Prints appends/s per database, writer count and batch, side by side.
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


def writer(url: str, seconds: float, batch: int, samples: list[dict[str, Any]], out: Any) -> None:
    db = Database(url)
    log = EvidenceLog(db)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        records = [
            {**samples[(done + i) % len(samples)], "id": str(uuid.uuid4()), "created_at": utc_now()}
            for i in range(batch)
        ]
        log.append_many(records)
        done += batch
    out.put((done, time.perf_counter() - start))
    db.dispose()


def run(url: str, writers: int, seconds: float, batch: int, samples: list[dict[str, Any]]) -> float:
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
    return sum(n for n, _ in results) / max(t for _, t in results)


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
                figures = [run(url, w, args.seconds, batch, samples) for w in (1, 2)]
                print(
                    f"{name:<11} batch {batch:>3}: 1 writer {figures[0]:8.0f} appends/s, "
                    f"2 writers {figures[1]:8.0f} appends/s ({figures[1] / figures[0]:.2f}x)"
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
