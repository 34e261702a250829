"""Replicas that share the work: two `vallum serve` processes on one PostgreSQL and one Redis,
one of them killed with SIGKILL mid-run and restarted.

    .venv/bin/python bench/bench_replicas.py [--requests 3000] [--concurrency 16]

Needs the local PostgreSQL (VALLUM_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1/test)
and Redis (redis://127.0.0.1:6379); uses a schema and a Redis database of its own, dropped after.
Loopback only; at most 100,000 requests.

Phases, each printed:
1. throughput of one replica, then of two (requests spread round-robin), same load;
2. the soak: load on both, replica B killed with `kill -9` a third of the way in and restarted;
   a request that fails because its replica died is retried on the other (as a load balancer
   would). Afterwards: every answered request (it carries `x-vallum-request-id`) has its
   `gateway_request` evidence record (zero missing is the bar), and `vallum audit verify` says the
   chain is intact;
3. limits across replicas: a principal allowed N requests per minute sends 3N spread over both
   replicas; no more than N are admitted;
4. how long evidence appends take with one and with two writers appending at once (the second
   waits on the chain's head row): if two writers get no more appends per second than one, the
   head lock is the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
VALLUM = str(Path(sys.executable).parent / "vallum")
PG = os.environ.get("VALLUM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_DB = 7
REDIS = f"redis://127.0.0.1:6379/{REDIS_DB}"
MAX_REQUESTS = 100_000
LIMITED = "agent:limited"
PER_MINUTE = 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Replica:
    def __init__(self, name: str, bundle: Path, db_url: str, workdir: Path):
        self.name, self.bundle, self.db_url, self.workdir = name, bundle, db_url, workdir
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "VALLUM_DATABASE_URL": self.db_url, "VALLUM_REDIS_URL": REDIS}
        self.proc = subprocess.Popen(
            [VALLUM, "serve", str(self.bundle), "--mock", "--port", str(self.port),
             "--log-level", "warning"],
            env=env, cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.base + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"replica {self.name} did not start")
            time.sleep(0.2)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _bundle(tmp: Path) -> Path:
    """The example bundle, with a per-minute limit on one principal."""
    import shutil

    target = tmp / "bundle"
    shutil.copytree(ROOT / "src" / "vallum" / "bundle" / "example", target)
    config_file = target / "vallum.yaml"
    config = yaml.safe_load(config_file.read_text())
    gateway = config.setdefault("gateway", {})
    gateway["rate_limits"] = {"principals": {LIMITED: {"requests_per_minute": PER_MINUTE}}}
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


def _chat(i: int) -> dict[str, object]:
    topics = ["where is my order", "I was charged twice", "change my address", "refund status"]
    return {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": f"{topics[i % len(topics)]} #{i}"}],
    }


async def _load(
    replicas: list[Replica],
    key: str,
    n: int,
    concurrency: int,
    on_progress: asyncio.Event | None = None,
) -> tuple[list[str], int, float]:
    """Send n requests round-robin; retry on the other replica when one is down. Returns the
    request ids answered, the failures that could not be retried, and the elapsed seconds."""
    answered: list[str] = []
    failed = 0
    counter = iter(range(n))
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            nonlocal failed
            for i in counter:
                if on_progress is not None and i == n // 3:
                    on_progress.set()
                for attempt in range(len(replicas) * 3):
                    target = replicas[(i + attempt) % len(replicas)]
                    try:
                        r = await client.post(
                            target.base + "/v1/chat/completions", json=_chat(i), headers=headers
                        )
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
                        continue
                    if "x-vallum-request-id" in r.headers:
                        answered.append(r.headers["x-vallum-request-id"])
                    break
                else:
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return answered, failed, time.perf_counter() - started


async def _limits(replicas: list[Replica], key: str) -> int:
    admitted = 0
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(3 * PER_MINUTE):
            r = await client.post(
                replicas[i % 2].base + "/v1/chat/completions", json=_chat(i),
                headers={"authorization": f"Bearer {key}"},
            )  # fmt: skip
            admitted += r.status_code != 429
    return admitted


def _appends(db: object, writers: int, each: int = 300) -> tuple[float, float]:
    """Append `each` records from each of `writers` threads; (mean ms per append, appends/s)."""
    import threading

    from vallum.evidence.log import EvidenceLog
    from vallum.evidence.record import utc_now

    log = EvidenceLog(db)  # type: ignore[arg-type]
    times: list[float] = []
    lock = threading.Lock()

    def write(w: int) -> None:
        for i in range(each):
            t = time.perf_counter()
            log.append(
                {"schema": 1, "kind": "bench", "id": f"{uuid.uuid4()}", "created_at": utc_now(),
                 "principal": "bench", "n": i, "w": w}
            )  # fmt: skip
            with lock:
                times.append(time.perf_counter() - t)

    started = time.perf_counter()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return statistics.mean(times) * 1000, len(times) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    n = min(args.requests, MAX_REQUESTS)

    import redis
    from sqlalchemy import create_engine, text

    from vallum.evidence.log import EvidenceLog
    from vallum.gateway.auth import create_api_key
    from vallum.model import Principal
    from vallum.storage.database import Database

    schema = f"vallum_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db_url = f"{PG}?options=-csearch_path%3D{schema}"
    redis.Redis.from_url(REDIS).flushdb()
    tmp = Path(tempfile.mkdtemp(prefix="vallum-replicas-"))
    db = Database(db_url)
    key = create_api_key(db, Principal.parse("agent:support-bot"))
    limited_key = create_api_key(db, Principal.parse(LIMITED))
    bundle = _bundle(tmp)
    a, b = Replica("A", bundle, db_url, tmp), Replica("B", bundle, db_url, tmp)
    try:
        a.start()
        b.start()
        warm = min(200, n)
        asyncio.run(_load([a, b], key, warm, args.concurrency))
        ones = asyncio.run(_load([a], key, n // 2, args.concurrency))
        twos = asyncio.run(_load([a, b], key, n // 2, args.concurrency))
        print(f"throughput, concurrency {args.concurrency}: one replica "
              f"{len(ones[0]) / ones[2]:.0f} req/s, two replicas {len(twos[0]) / twos[2]:.0f} "
              f"req/s ({os.cpu_count()} cores shared by client, replicas, PostgreSQL and Redis)")  # fmt: skip

        killed = asyncio.Event()

        async def soak() -> tuple[list[str], int, float]:
            task = asyncio.create_task(_load([a, b], key, n, args.concurrency, killed))
            await killed.wait()
            b.kill()
            kill_at = time.perf_counter()
            await asyncio.to_thread(b.start)
            print(f"replica B killed with SIGKILL and restarted in "
                  f"{time.perf_counter() - kill_at:.1f} s")  # fmt: skip
            return await task

        answered, failed, took = asyncio.run(soak())
        records = {
            r.record["id"]
            for r in EvidenceLog(db).iter_records()
            if r.record.get("kind") == "gateway_request"
        }
        missing = [i for i in answered if i not in records]
        print(f"soak: {len(answered)} answered, {failed} unanswered after retries, "
              f"{len(missing)} answered without an evidence record (bar: 0), {took:.1f} s")  # fmt: skip
        verify = subprocess.run(
            [VALLUM, "audit", "verify", "--db", db_url], capture_output=True, text=True
        )
        print(f"audit verify: exit {verify.returncode}: {verify.stdout.strip().splitlines()[-1:]}")
        admitted = asyncio.run(_limits([a, b], limited_key))
        print(f"limits across replicas: {admitted} of {3 * PER_MINUTE} admitted for a principal "
              f"allowed {PER_MINUTE} per minute (bar: <= {PER_MINUTE})")  # fmt: skip
        for writers in (1, 2):
            mean_ms, rate = _appends(db, writers)
            print(f"evidence appends, {writers} writer(s): {rate:.0f}/s, "
                  f"{mean_ms:.2f} ms per append (waiting on the head row lock included)")  # fmt: skip
    finally:
        a.stop()
        b.stop()
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        redis.Redis.from_url(REDIS).flushdb()


if __name__ == "__main__":
    main()
