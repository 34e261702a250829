"""Measuring the realistic workload (`gateway_workload`) on every target, side by side.

- concurrency 1: single-turn requests (1-8 KB, tools, sessions, a quarter with a tool call),
  the targets taking turns in rounds; p50/p99 and each server's CPU per request;
- conversations of 1, 10, 50 and 200 messages, with and without the session header: for each,
  the turn before is sent (not timed) and then the turn of that length is timed, on every target
  in turn, so each target sees what a client resending its history sends;
- concurrency 64: single-turn requests and whole conversations interleaved, each conversation's
  turns in order on one connection; requests/s, p50/p99 and CPU per request.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from gateway_workload import LENGTHS, Req, Script, conversation_turns, mixed_scripts, single_turns
from loadgen import Conn, cpu_seconds, pct

Target = tuple[str, dict[str, str], int | None]  # base URL, auth headers, server pid
ROUNDS = 10


async def send(conn: Conn, target: Target, req: Req, statuses: Counter[int]) -> float:
    base, auth, _ = target
    ms = await conn.post(f"{base}/chat/completions", req.payload, {**auth, **req.headers}, strict=False)  # fmt: skip
    statuses[conn.status] += 1
    return ms


async def run_scripts(
    conns: list[Conn], target: Target, scripts: list[Script], statuses: Counter[int]
) -> tuple[list[float], float]:
    """Every script run by one of len(conns) workers, its requests in order."""
    queue = list(reversed(scripts))
    latencies: list[float] = []

    async def worker(conn: Conn) -> None:
        while queue:
            for req in queue.pop():
                latencies.append(await send(conn, target, req, statuses))

    start = time.perf_counter()
    await asyncio.gather(*(worker(conn) for conn in conns))
    return latencies, time.perf_counter() - start


async def measure_realistic(
    targets: dict[str, Target], quick: bool, seed: int = 1
) -> dict[str, dict[str, float]]:
    n1, n_conv, n_single64 = (100, 5, 150) if quick else (600, 15, 600)
    results: dict[str, dict[str, float]] = {name: {} for name in targets}
    statuses: dict[str, Counter[int]] = {name: Counter() for name in targets}
    conns = {name: [await Conn.open(t[0]) for _ in range(64)] for name, t in targets.items()}
    names = list(targets)
    warm = single_turns(64, seed=seed + 100)
    for name in names:  # warm up: 64 requests at concurrency 64, not measured
        await run_scripts(conns[name], targets[name], [[r] for r in warm], Counter())

    print(f"realistic: concurrency 1 ({ROUNDS} interleaved rounds) ...", flush=True)
    singles = single_turns(n1, seed=seed)
    lat1: dict[str, list[float]] = {name: [] for name in names}
    cpu1 = dict.fromkeys(names, 0.0)
    per_round = n1 // ROUNDS
    for turn in range(ROUNDS):
        for name in names[turn % len(names) :] + names[: turn % len(names)]:
            pid = targets[name][2]
            before = cpu_seconds(pid)
            for req in singles[turn * per_round : (turn + 1) * per_round]:
                lat1[name].append(await send(conns[name][0], targets[name], req, statuses[name]))
            after = cpu_seconds(pid)
            if before is not None and after is not None:
                cpu1[name] += after - before
    for name in names:
        results[name].update(p50_1=pct(lat1[name], 0.5), p99_1=pct(lat1[name], 0.99),
                             cpu_1=cpu1[name] / len(lat1[name]) * 1000)  # fmt: skip

    print(f"realistic: conversations {', '.join(map(str, LENGTHS))} messages ...", flush=True)
    for header in (True, False):
        for length in LENGTHS:
            lat: dict[str, list[float]] = {name: [] for name in names}
            for k in range(n_conv):
                order = names[k % len(names) :] + names[: k % len(names)]
                for name in order:
                    session = f"bench-conv{seed}-{length}-{k}-{name}" if header else None
                    before_turn, last = conversation_turns(length, seed * 7919 + k, session)
                    if before_turn is not None:  # the turn before: history the gateway has seen
                        await send(conns[name][0], targets[name], before_turn, statuses[name])
                    lat[name].append(await send(conns[name][0], targets[name], last, statuses[name]))  # fmt: skip
            key = f"conv{length}_{'s' if header else 'n'}"
            for name in names:
                results[name][key] = pct(lat[name], 0.5)

    for name in names:
        print(f"realistic: {name} at concurrency 64 (interleaved conversations) ...", flush=True)
        scripts = mixed_scripts(n_single64, seed=seed + 64)
        pid = targets[name][2]
        cpu0 = cpu_seconds(pid)
        lat64, wall = await run_scripts(conns[name], targets[name], scripts, statuses[name])
        cpu64 = cpu_seconds(pid)
        results[name].update(p50_64=pct(lat64, 0.5), p99_64=pct(lat64, 0.99), rps=len(lat64) / wall)  # fmt: skip
        if cpu0 is not None and cpu64 is not None:
            results[name]["cpu_64"] = (cpu64 - cpu0) / len(lat64) * 1000
        results[name]["n64"] = len(lat64)
    for name in names:
        other = sum(n for code, n in statuses[name].items() if code != 200)
        results[name]["non200"] = other
        if other:
            print(f"  {name}: answers by status {dict(statuses[name])}")
    for pool in conns.values():
        for conn in pool:
            conn.writer.close()
    return results


def row(name: str, *cells: str) -> str:
    return f"{name:<50}" + "".join(f"{c:>16}" for c in cells)


def report_realistic(results: dict[str, dict[str, float]]) -> None:
    names = list(results)
    print()
    print("Realistic workload: 1-8 KB prompts with findings, tools (a quarter calling one),")
    print("sessions, conversations resent turn after turn")
    print(row("", *names))
    rows = [("p50_1", "p50, concurrency 1 (ms)"), ("p99_1", "p99, concurrency 1 (ms)"),
            ("cpu_1", "server CPU per request, concurrency 1 (ms)")]  # fmt: skip
    for length in LENGTHS:
        rows.append((f"conv{length}_s", f"{length}-message turn p50, session header (ms)"))
    for length in LENGTHS:
        rows.append((f"conv{length}_n", f"{length}-message turn p50, no header (ms)"))
    rows += [("p50_64", "p50, concurrency 64, interleaved (ms)"), ("p99_64", "p99, concurrency 64, interleaved (ms)"),
             ("rps", "throughput at concurrency 64 (req/s)"), ("cpu_64", "server CPU per request, concurrency 64 (ms)"),
             ("non200", "answers other than 200 (count)")]  # fmt: skip
    for key, label in rows:
        print(row(label, *(f"{results[n][key]:.2f}" if key in results[n] else "-" for n in names)))
    direct = results.get("mock direct")
    if direct is None:
        return
    print()
    print("Added latency on the realistic workload (target - mock direct):")
    for name in names:
        if name == "mock direct":
            continue
        figures = results[name]
        conv = ", ".join(
            f"{n}: +{figures[f'conv{n}_s'] - direct[f'conv{n}_s']:.2f}/+{figures[f'conv{n}_n'] - direct[f'conv{n}_n']:.2f}"
            for n in LENGTHS
        )
        print(f"  {name:<10} concurrency 1: p50 +{figures['p50_1'] - direct['p50_1']:.2f} ms, "
              f"p99 +{figures['p99_1'] - direct['p99_1']:.2f} ms; conversation turn p50 by length "
              f"(session/no header, ms) {conv}")  # fmt: skip
    if "litellm" in results and "vallum" in results:
        v, lite = results["vallum"], results["litellm"]
        print(f"Throughput at concurrency 64, Vallum (guards on) / LiteLLM (no guards): "
              f"{v['rps'] / lite['rps']:.2f}x")  # fmt: skip
        faster = [n for n in LENGTHS if v[f"conv{n}_s"] < lite[f"conv{n}_s"] and v[f"conv{n}_n"] < lite[f"conv{n}_n"]]  # fmt: skip
        print(
            f"Conversation turns faster through Vallum than LiteLLM at lengths: {faster or 'none'}"
        )
