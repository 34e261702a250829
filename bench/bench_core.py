"""Core figures: engine decision latency, Cedar authorization latency, evidence append rate.

    .venv/bin/python bench/bench_core.py [--postgres URL]

Prints p50/p99 per case. Goals (issue 2): engine p99 < 1 ms at 200 characters and < 5 ms at 8 KB
with all default fast detectors; authorization p99 < 0.2 ms; >= 5,000 evidence appends/s on SQLite.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from importlib.resources import as_file, files
from pathlib import Path

from vallum.bundle.loader import load_bundle
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.evidence.record import utc_now
from vallum.model import Event, Principal, Stage
from vallum.storage.database import Database

WORDS = [
    "order",
    "refund",
    "shipping",
    "parcel",
    "invoice",
    "customer",
    "account",
    "password",
    "delivery",
    "return",
    "policy",
    "please",
    "thanks",
    "help",
    "question",
    "status",
    "tracking",
    "number",
    "weekend",
    "address",
    "change",
    "email",
    "phone",
]
AGENT = Principal("agent", "bench")


def text_of(chars: int, rng: random.Random) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:chars]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return p(0.50), p(0.99), statistics.fmean(ordered)


def timed(fn: Callable[[], object], n: int) -> list[float]:
    for _ in range(min(200, n)):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def row(name: str, samples: list[float], goal: str) -> None:
    p50, p99, mean = percentiles(samples)
    print(f"{name:<44} p50 {p50:8.3f} ms   p99 {p99:8.3f} ms   mean {mean:8.3f} ms   goal {goal}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("-n", type=int, default=3000)
    args = parser.parse_args()
    rng = random.Random(7)
    with as_file(files("vallum.bundle").joinpath("example")) as path:
        bundle = load_bundle(Path(path))
    engine = Engine(bundle, evidence=None)
    print(
        f"bundle {bundle.name}@{bundle.version}: {len(bundle.controls)} controls, {len(bundle.policies)} policies"
    )
    print("\n-- engine decision latency (no evidence I/O), all default detectors of the stage --")
    for stage, chars, goal in (
        (Stage.INPUT, 200, "p99 < 1 ms"),
        (Stage.INPUT, 8192, "p99 < 5 ms"),
        (Stage.RETRIEVAL, 8192, "p99 < 5 ms"),
        (Stage.OUTPUT, 200, "p99 < 1 ms"),
        (Stage.OUTPUT, 8192, "p99 < 5 ms"),
    ):
        texts = [text_of(chars, rng) for _ in range(64)]
        counter = iter(range(10**9))
        source = "web" if stage is Stage.RETRIEVAL else None

        def call(
            stage: Stage = stage,
            texts: list[str] = texts,
            source: str | None = source,
            counter: Iterator[int] = counter,
        ) -> object:
            return engine.evaluate(
                Event(stage, AGENT, "bench", text=texts[next(counter) % 64], source=source)
            )

        row(f"{stage.value} {chars} chars", timed(call, args.n), goal)

    print("\n-- per detector at 8 KB (input stage) --")
    text = text_of(8192, rng)
    for control in bundle.controls:
        if Stage.INPUT in control.config.stages and control.id == control.detector.id:
            det = control.detector
            row(
                f"detector {det.id}",
                timed(lambda det=det: det.detect(text, Stage.INPUT), 1000),
                "-",
            )

    print("\n-- Cedar authorization --")
    ctx = {
        "stage": "tool_call",
        "labels": ["user", "pii", "untrusted"],
        "findings": [],
        "scores": {},
        "args": {"to": "a@b.example", "subject": "s", "body": "b"},
        "arg_labels": ["to:email.external"],
        "trust": "trusted",
        "source": "",
    }
    authz = engine.authorizer
    row(
        "tool.call send_email (forbid + monitor sets)",
        timed(lambda: authz.authorize(AGENT, "tool.call", ("Tool", "send_email"), ctx), args.n),
        "p99 < 0.2 ms",
    )
    ctx2 = {**ctx, "labels": ["user"], "arg_labels": []}
    row(
        "tool.call search_kb (allow)",
        timed(lambda: authz.authorize(AGENT, "tool.call", ("Tool", "search_kb"), ctx2), args.n),
        "p99 < 0.2 ms",
    )

    print("\n-- evidence appends (one transaction per record), chain verified after --")
    with tempfile.TemporaryDirectory() as tmp:
        databases = [("sqlite", f"sqlite:///{tmp}/bench.db")]
        if args.postgres:
            databases.append(("postgresql", args.postgres))
        for name, url in databases:
            try:
                db = Database(url)
            except Exception as exc:
                print(f"{name:<12} unavailable: {exc}")
                continue
            schema_note = ""
            log = EvidenceLog(db)
            start_count = log.verify().records
            n = 5000 if name == "sqlite" else 2000
            record = {
                "kind": "decision",
                "principal": "agent:bench",
                "session": "s",
                "stage": "input",
                "action": "allow",
                "bundle": {"version": bundle.version},
                "content": {"policy": "none"},
            }
            start = time.perf_counter()
            for _ in range(n):
                log.append({**record, "id": str(uuid.uuid4()), "created_at": utc_now()})
            elapsed = time.perf_counter() - start
            verified = log.verify().records - start_count
            print(
                f"{name:<12} {n / elapsed:9.0f} appends/s ({n} records, chain intact: {verified == n}){schema_note}"
                f"   goal sqlite >= 5,000/s"
            )
            db.dispose()


if __name__ == "__main__":
    main()
