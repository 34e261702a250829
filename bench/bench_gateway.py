"""Gateway overhead and throughput, side by side, on loopback.

    .venv/bin/python bench/bench_gateway.py [--quick] [--no-litellm]
        [--upstream-client httpx|lean] [--workload plain|realistic|both]
    .venv/bin/python bench/bench_gateway.py --compare [--quick]

Starts three servers as subprocesses: the standalone mock model, `vallum serve` in front of it
(example bundle, default detectors on, SQLite evidence, rate limits off), and LiteLLM's proxy in
front of the same mock (installed into bench/.venv-litellm on first run, never into the project).
Then, from one asyncio client in this process:

- non-streaming latency p50/p99 at concurrency 1 and 64: mock direct vs through Vallum
  (the difference is Vallum's added latency); at concurrency 1 the targets take turns, in
  rounds, so that drift in the machine's load falls on all of them alike;
- streaming time to first token: direct vs Vallum (Vallum holds back a window of output until
  it is scanned, so on a short answer the first token arrives with the last);
- throughput (requests/s at concurrency 64): Vallum (guards on) vs LiteLLM (no guards);
- CPU time per request of each server process at concurrency 1 and 64 (Linux: from /proc), the
  figure to compare changes by when other work shares the machine and wall-clock is noisy.

That is the plain workload (issue 3): 64 short prompts, no tools, no session. The realistic one
(issue 20, `gateway_workload.py`, measured by `gateway_realistic.py`) runs first by default:
1-8 KB prompts with findings, tools declared and called, sessions, conversations of 1, 10, 50
and 200 messages resent turn after turn, interleaved at concurrency 64.

With `--compare`, the gateway runs once per upstream client (httpx's transport, the lean one:
two `vallum serve` processes in front of the same mock, no LiteLLM), both measured in the same
run, the concurrency-1 rounds interleaved across them; the report ends with what the lean
transport saves at p50 and p99, and whether it clears the bar for keeping hand-written code
(KEEP_MS at p50, concurrency 1).

All servers and the client share this machine's cores; figures are for comparison, not absolutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml
from gateway_realistic import measure_realistic, report_realistic
from loadgen import Conn, caller, cpu_seconds, pct, run_load

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LITELLM_VENV = ROOT / "bench" / ".venv-litellm"
HOST = "127.0.0.1"
MODEL = "gpt-4o-mini"
# Requests cycle through distinct prompts, as real traffic does: detector scores differ from one
# request to the next, so no cache keyed by content or score can flatter the figures.
TOPICS = [
    "could you tell me the status of my order? It was placed last week.",
    "I was charged twice for the same parcel, can you check what happened?",
    "my tracking number stopped updating three days ago, is it lost?",
    "how do I change the delivery address on an order that has not shipped yet?",
    "the invoice I got has the wrong company name on it, can you fix it?",
    "can I return a jacket that I bought in the weekend sale?",
    "what is your refund policy for items that arrived damaged?",
    "I forgot my password and the reset email never arrives.",
]
NAMES = ["Hello", "Hi there", "Good morning", "Hey", "Hi team", "Dear support", "Hello again", "Hi"]
PROMPTS = [f"{name}, {topic} (ref {7 * i + 3})" for i, (name, topic) in
           enumerate((n, t) for n in NAMES for t in TOPICS)]  # fmt: skip
LONG_ANSWER = "SAY " + "Your order left our warehouse and is on its way to you now. " * 25
START_TIMEOUT_S = 120.0
ROUNDS = 20  # concurrency-1 measurements are interleaved across targets in this many rounds
KEEP_MS = 0.1  # a hand-written piece stays only if it saves at least this at p50, concurrency 1
CLIENTS = ("httpx", "lean")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready in {timeout:.0f}s")


def ensure_litellm() -> Path | None:
    """The LiteLLM proxy binary in its own venv (created on first run)."""
    binary = LITELLM_VENV / "bin" / "litellm"
    if binary.exists():
        return binary
    print("installing litellm[proxy] into bench/.venv-litellm (once) ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(LITELLM_VENV)], check=True)
        subprocess.run(
            [str(LITELLM_VENV / "bin" / "pip"), "install", "-q", "litellm[proxy]"], check=True
        )
    except subprocess.CalledProcessError as exc:
        print(f"could not install litellm: {exc}; skipping the LiteLLM comparison")
        return None
    return binary


def bench_bundle(tmp: Path, cli: str, name: str = "bundle") -> Path:
    """The example bundle of `cli` (this checkout's or an earlier one's), with rate limits off
    (the benchmark is one principal at full speed)."""
    target = tmp / name
    subprocess.run([cli, "init", str(target)], check=True, capture_output=True)
    for config_file in target.glob("*.yaml"):  # the bundle's one top-level config file
        config = yaml.safe_load(config_file.read_text())
        if isinstance(config, dict) and "controls" in config:
            config.setdefault("gateway", {})["rate_limits"] = {
                "default": {"requests_per_minute": 0, "tokens_per_minute": 0}
            }
            config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


def row(name: str, *cells: str) -> str:
    return f"{name:<44}" + "".join(f"{c:>21}" for c in cells)


async def measure(
    targets: dict[str, tuple[str, dict[str, str], int | None]], quick: bool
) -> dict[str, dict[str, float]]:
    n1, n64, ntt = (100, 600, 40) if quick else (1000, 4000, 200)
    results: dict[str, dict[str, float]] = {name: {} for name in targets}
    plain = [{"model": MODEL, "messages": [{"role": "user", "content": p}]} for p in PROMPTS]
    conns = {
        name: [await Conn.open(base) for _ in range(64)] for name, (base, _, _) in targets.items()
    }
    calls = {name: caller(conns[name], f"{base}/chat/completions", headers, plain)
             for name, (base, headers, _) in targets.items()}  # fmt: skip
    for call in calls.values():
        await run_load(64, 256, call)  # warm up
    # Concurrency 1, interleaved: every target in turn, round after round, so that a change in
    # what else the machine is doing lands on all of them alike rather than on one.
    print(f"measuring concurrency 1 ({ROUNDS} interleaved rounds) ...", flush=True)
    lat1: dict[str, list[float]] = {name: [] for name in targets}
    cpu1: dict[str, float] = dict.fromkeys(targets, 0.0)
    names = list(targets)
    for turn in range(ROUNDS):  # each round starts with the next target: no fixed position
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            pid = targets[name][2]
            before = cpu_seconds(pid)
            lat1[name] += (await run_load(1, n1 // ROUNDS, calls[name]))[0]
            after = cpu_seconds(pid)
            if before is not None and after is not None:  # None where /proc is not there
                cpu1[name] += after - before
    for name, (base, headers, pid) in targets.items():
        print(f"measuring {name} at concurrency 64 ...", flush=True)
        cpu0 = cpu_seconds(pid)
        lat64, wall64 = await run_load(64, n64, calls[name])
        cpu64 = cpu_seconds(pid)
        results[name].update(p50_1=pct(lat1[name], 0.5), p99_1=pct(lat1[name], 0.99), p50_64=pct(lat64, 0.5),
                             p99_64=pct(lat64, 0.99), rps=n64 / wall64)  # fmt: skip
        if cpu0 is not None and cpu64 is not None:
            results[name].update(
                cpu_1=cpu1[name] / len(lat1[name]) * 1000, cpu_64=(cpu64 - cpu0) / n64 * 1000
            )
        if name != "litellm":
            url = f"{base}/chat/completions"
            for key, contents in (("ttft_short", PROMPTS), ("ttft_long", [LONG_ANSWER])):
                bodies: list[dict[str, object]] = [
                    {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": c}]}
                    for c in contents
                ]
                ttft, _ = await run_load(
                    1, ntt, caller(conns[name], url, headers, bodies, first_token=True)
                )
                results[name][key] = statistics.median(ttft)
    for pool in conns.values():
        for conn in pool:
            conn.writer.close()
    return results


def report(results: dict[str, dict[str, float]]) -> None:
    print()
    print(row("", *results))
    report_table(results)
    summary(results)


def report_table(results: dict[str, dict[str, float]]) -> None:
    names = list(results)
    for key, label in [("p50_1", "non-streaming p50, concurrency 1 (ms)"), ("p99_1", "non-streaming p99, concurrency 1 (ms)"),
                       ("p50_64", "non-streaming p50, concurrency 64 (ms)"), ("p99_64", "non-streaming p99, concurrency 64 (ms)"),
                       ("ttft_short", "stream TTFT p50, ~80-char answer (ms)"), ("ttft_long", "stream TTFT p50, 1.5k-char answer (ms)"),
                       ("rps", "throughput at concurrency 64 (req/s)"),
                       ("cpu_1", "server CPU per request, concurrency 1 (ms)"),
                       ("cpu_64", "server CPU per request, concurrency 64 (ms)")]:  # fmt: skip
        print(row(label, *(f"{results[n][key]:.2f}" if key in results[n] else "-" for n in names)))


def summary(results: dict[str, dict[str, float]]) -> None:
    direct, guarded = results["mock direct"], results["vallum"]
    print()
    print("Vallum added latency (vallum - mock direct):")
    for c in ("1", "64"):
        print(f"  concurrency {c:>2}: p50 +{guarded[f'p50_{c}'] - direct[f'p50_{c}']:.2f} ms, "
              f"p99 +{guarded[f'p99_{c}'] - direct[f'p99_{c}']:.2f} ms")  # fmt: skip
    print(f"  stream TTFT: short +{guarded['ttft_short'] - direct['ttft_short']:.2f} ms, "
          f"long +{guarded['ttft_long'] - direct['ttft_long']:.2f} ms")  # fmt: skip
    if "litellm" in results:
        ratio = guarded["rps"] / results["litellm"]["rps"]
        print(f"Throughput, Vallum (guards on) / LiteLLM proxy (no guards): {ratio:.2f}x")


def report_compare(results: dict[str, dict[str, float]]) -> None:
    """The lean transport against httpx's, in the same run."""
    direct = results["mock direct"]
    print()
    print("Added latency (variant - mock direct):")
    for name, figures in results.items():
        if name != "mock direct":
            print(f"  {name:<14} concurrency 1: p50 +{figures['p50_1'] - direct['p50_1']:.3f} ms, "
                  f"p99 +{figures['p99_1'] - direct['p99_1']:.3f} ms; "
                  f"concurrency 64: {figures['rps']:.0f} req/s")  # fmt: skip
    httpx_, lean = results["vallum httpx"], results["vallum lean"]
    p50, p99 = httpx_["p50_1"] - lean["p50_1"], httpx_["p99_1"] - lean["p99_1"]
    verdict = "keep" if p50 >= KEEP_MS else "drop"
    print(f"lean client saves {p50:.3f} ms at p50, {p99:.3f} ms at p99 (concurrency 1), "
          f"{lean['rps'] / httpx_['rps']:.2f}x throughput at concurrency 64: "
          f"{verdict} (keep if >= {KEEP_MS} ms at p50)")  # fmt: skip


def start_before(
    cli: str, tmp: Path, upstream: str, procs: list[subprocess.Popen[bytes]]
) -> tuple[str, dict[str, str], int | None]:
    """The gateway of an earlier checkout, on its own database and example bundle: its CLI
    takes the same `init`, `keys create` and `serve` arguments."""
    db = f"sqlite:///{tmp / 'before.db'}"
    key = subprocess.run([cli, "keys", "create", "--principal", "agent:bench", "--db", db],
                         check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    bundle = bench_bundle(tmp, cli, "before-bundle")
    port = free_port()
    procs.append(subprocess.Popen([cli, "serve", str(bundle), "--port", str(port), "--db", db,
                                   "--upstream", upstream, "--log-level", "warning"]))  # fmt: skip
    wait_ready(f"http://{HOST}:{port}/readyz", procs[-1])
    return f"http://{HOST}:{port}/v1", {"authorization": f"Bearer {key}"}, procs[-1].pid


def report_before(results: dict[str, dict[str, float]]) -> None:
    """This checkout against the earlier one, measured in the same run."""
    direct, before = results["mock direct"], results["before"]
    print()
    print("Against the earlier checkout (same run, interleaved at concurrency 1):")
    for name, figures in results.items():
        if name in ("mock direct", "litellm"):
            continue
        print(f"  {name:<14} added p50 +{figures['p50_1'] - direct['p50_1']:.3f} ms, "
              f"p99 +{figures['p99_1'] - direct['p99_1']:.3f} ms (concurrency 1); "
              f"{figures['rps']:.0f} req/s at concurrency 64 "
              f"({figures['rps'] / before['rps']:.2f}x before)")  # fmt: skip
    # CPU per request of each server process, measured over the same interleaved rounds: the
    # figure that holds on a shared machine, where wall-clock percentiles move with the load
    if "cpu_1" in before:
        for name, figures in results.items():
            if name in ("mock direct", "litellm", "before") or "cpu_1" not in figures:
                continue
            print(f"  {name:<14} server CPU per request (concurrency 1): before "
                  f"{before['cpu_1']:.3f} ms, now {figures['cpu_1']:.3f} ms, "
                  f"difference {figures['cpu_1'] - before['cpu_1']:+.3f} ms")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    parser.add_argument("--no-litellm", action="store_true", help="skip the LiteLLM comparison")
    parser.add_argument("--upstream-client", choices=CLIENTS, default="lean")
    parser.add_argument("--compare", action="store_true",
                        help="each upstream client, side by side in one run (no LiteLLM)")  # fmt: skip
    parser.add_argument("--before", metavar="CLI",
                        help="also run the gateway of an earlier checkout, by the path of its CLI "
                             "(e.g. a worktree's .venv/bin/<cli>), side by side in the same run")  # fmt: skip
    parser.add_argument("--workload", choices=("plain", "realistic", "both"), default="both",
                        help="the plain workload (issue 3), the realistic one (issue 20), or both")  # fmt: skip
    args = parser.parse_args()
    procs: list[subprocess.Popen[bytes]] = []
    tmp = Path(tempfile.mkdtemp(prefix="vallum-bench-"))
    try:
        mock_port = free_port()
        vallum = str(VENV_BIN / "vallum")
        procs.append(subprocess.Popen([vallum, "mock-model", "--port", str(mock_port)]))
        wait_ready(f"http://{HOST}:{mock_port}/healthz", procs[-1])
        db = f"sqlite:///{tmp / 'bench.db'}"
        key = subprocess.run([vallum, "keys", "create", "--principal", "agent:bench", "--db", db],
                             check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
        bundle = bench_bundle(tmp, vallum)
        targets: dict[str, tuple[str, dict[str, str], int | None]] = {
            "mock direct": (f"http://{HOST}:{mock_port}/v1", {}, procs[0].pid),
        }
        if args.before:
            targets["before"] = start_before(
                args.before, tmp, f"http://{HOST}:{mock_port}/v1", procs
            )
        for client in CLIENTS if args.compare else [args.upstream_client]:
            gw_port = free_port()
            procs.append(subprocess.Popen([vallum, "serve", str(bundle), "--port", str(gw_port), "--db", db,
                                           "--upstream", f"http://{HOST}:{mock_port}/v1", "--log-level", "warning",
                                           "--upstream-client", client]))  # fmt: skip
            wait_ready(f"http://{HOST}:{gw_port}/readyz", procs[-1])
            name = f"vallum {client}" if args.compare else "vallum"
            targets[name] = (f"http://{HOST}:{gw_port}/v1", {"authorization": f"Bearer {key}"}, procs[-1].pid)  # fmt: skip
        binary = None if args.no_litellm or args.compare else ensure_litellm()
        if binary is not None:
            lite_port = free_port()
            config = {"model_list": [{"model_name": MODEL, "litellm_params": {
                "model": f"openai/{MODEL}", "api_base": f"http://{HOST}:{mock_port}/v1", "api_key": "unused"}}],
                "litellm_settings": {"telemetry": False}}  # fmt: skip
            (tmp / "litellm.yaml").write_text(yaml.safe_dump(config))
            master = "sk-bench-" + os.urandom(16).hex()  # both proxies authenticate every request
            env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR",
                   "LITELLM_MASTER_KEY": master}  # fmt: skip
            procs.append(subprocess.Popen([str(binary), "--config", str(tmp / "litellm.yaml"), "--host", HOST,
                                           "--port", str(lite_port), "--num_workers", "1"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
            wait_ready(f"http://{HOST}:{lite_port}/health/liveliness", procs[-1])
            targets["litellm"] = (
                f"http://{HOST}:{lite_port}/v1",
                {"authorization": f"Bearer {master}"},
                procs[-1].pid,
            )
        print(
            f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, servers: {', '.join(targets)}"
        )
        if args.workload in ("realistic", "both"):
            realistic = asyncio.run(measure_realistic(targets, args.quick))
        if args.workload == "realistic":
            report_realistic(realistic)
            return 0
        results = asyncio.run(measure(targets, args.quick))
        if args.workload == "both":
            report_realistic(realistic)
            print()
            print("Plain workload: 64 short prompts, no tools, no session (issue 3's bench)")
        if args.compare:
            print()
            print(row("", *results))  # the full table, one column per variant
            report_table(results)
            report_compare(results)
        else:
            report(results)
        if args.before:
            report_before(results)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
