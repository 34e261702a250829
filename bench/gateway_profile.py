"""Where the gateway's CPU goes on the realistic workload: `vallum serve` run under py-spy.

    .venv/bin/pip install py-spy        # once, into the venv (not a project dependency)
    .venv/bin/python bench/gateway_profile.py [-n 600] [--concurrency 1] [--out /tmp/gw.txt]

Starts the mock model and `vallum serve` (example bundle, rate limits off, SQLite evidence) as
`bench_gateway.py` does, the gateway under `py-spy record --format raw` (folded stacks), sends
`-n` realistic single turns (`gateway_workload.single_turns`) at the given concurrency after a
warm-up, stops the gateway and prints the functions with the most samples, inclusive and own.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_gateway import HOST, VENV_BIN, bench_bundle, free_port, wait_ready
from gateway_realistic import run_scripts
from gateway_workload import single_turns
from loadgen import Conn

# frames that mark a sample as request work: the ASGI task, or a worker thread running a job
SERVING = ("Runner.run ", "_worker ", "EvidenceWriter._run ", "WalCheckpointer.checkpoint ")
IDLE = ("Condition.wait ", "select ", "EpollSelector.select ", "SimpleQueue.get ", "Event.wait ")
STARTUP = ("create_app ", "build_gateway ", "LifespanOn", "_find_and_load ")


async def drive(base: str, auth: dict[str, str], n: int, concurrency: int) -> None:
    target = (base, auth, None)
    conns = [await Conn.open(base) for _ in range(concurrency)]
    warm = single_turns(64, seed=101)
    await run_scripts(conns, target, [[r] for r in warm], collections.Counter())
    statuses: collections.Counter[int] = collections.Counter()
    await run_scripts(conns, target, [[r] for r in single_turns(n, seed=1)], statuses)
    print(f"statuses: {dict(statuses)}", flush=True)
    for conn in conns:
        conn.writer.close()


def summarise(folded: Path, top: int) -> None:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = [f.split(" (")[0] + " " + f.split("/")[-1].split(":")[0] for f in stack.split(";")]
        if not any(f.startswith(SERVING) for f in frames) or frames[-1].startswith(IDLE):
            continue  # start-up, or a thread (or the loop) waiting for work
        if any(f.startswith(STARTUP) for f in frames):
            continue
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    print(f"{total} samples serving requests (start-up and idle threads left out)")
    for title, counts in (("inclusive", inclusive), ("own", own)):
        print(f"\n{title}:")
        for frame, n in counts.most_common(top):
            print(f"  {100 * n / total:5.1f}%  {frame}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--out", default="/tmp/vallum-gateway-profile.txt")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--rate", type=int, default=500, help="py-spy samples per second")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="vallum-profile-"))
    procs: list[subprocess.Popen[bytes]] = []
    vallum = str(VENV_BIN / "vallum")
    try:
        mock_port = free_port()
        procs.append(subprocess.Popen([vallum, "mock-model", "--port", str(mock_port)]))
        wait_ready(f"http://{HOST}:{mock_port}/healthz", procs[-1])
        db = f"sqlite:///{tmp / 'bench.db'}"
        key = subprocess.run([vallum, "keys", "create", "--principal", "agent:bench", "--db", db],
                             check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
        bundle = bench_bundle(tmp, vallum)
        port = free_port()
        spy = subprocess.Popen([str(VENV_BIN / "py-spy"), "record", "--nonblocking", "--gil", "--format", "raw", "--rate",
                                str(args.rate), "-o", args.out, "--", vallum, "serve", str(bundle),
                                "--port", str(port), "--db", db, "--upstream",
                                f"http://{HOST}:{mock_port}/v1", "--log-level", "warning"])  # fmt: skip
        procs.append(spy)
        wait_ready(f"http://{HOST}:{port}/readyz", spy)
        auth = {"authorization": f"Bearer {key}"}
        asyncio.run(drive(f"http://{HOST}:{port}/v1", auth, args.n, args.concurrency))
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    summarise(Path(args.out), args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
