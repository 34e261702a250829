"""The gateway's own CPU per realistic request, without the detectors: everything else.

    .venv/bin/python bench/gateway_overhead.py [-n 400] [--rounds 5]

The realistic single turns of `gateway_workload` (1-8 KB, tools, sessions) are sent to the ASGI
app in process (no sockets, no uvicorn: the same for every checkout), the upstream replaced by
`httpx.MockTransport` answering a short completion. The engine's decisions are replayed: each
distinct event is decided once by the real engine before timing, and then `Engine.evaluate`
hands back that decision (with a new id) and a copy of its evidence record, so what is timed is
the gateway's part: parsing, sessions and history marks (fingerprints merged into the session
store, their computation replayed like the decisions), the upstream call, the answer, the evidence written (SQLite) and telemetry. Prints process CPU time (every thread)
per request, the median of `--rounds` rounds. Runs on any checkout whose gateway has
`build_gateway`, `GatewayOptions` and `create_app` (pass its venv's python to compare).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from bench_gateway import bench_bundle
from gateway_workload import single_turns

from vallum.gateway import GatewayOptions, build_gateway, create_app
from vallum.gateway.auth import create_api_key
from vallum.ids import new_id
from vallum.model import Principal

ANSWER = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "Your parcel left the depot."}}],
    "usage": {"prompt_tokens": 900, "completion_tokens": 8, "total_tokens": 908},
}  # fmt: skip


def replaying(engine: Any) -> None:
    """`engine.evaluate` decides each distinct event once, then replays that decision."""
    real = engine.evaluate
    seen: dict[tuple[str, str, bool], tuple[Any, dict[str, Any] | None]] = {}

    def evaluate(event: Any, *, sink: Any = None, **kwargs: Any) -> Any:
        key = (event.stage.value, event.text, bool(getattr(event, "tools_may_follow", True)))
        if key not in seen:
            kept: list[dict[str, Any]] = []
            decision = real(event, sink=kept.append, **kwargs)
            seen[key] = (decision, kept[0] if kept else None)
        decision, record = seen[key]
        fresh = new_id()
        if sink is not None and record is not None:
            sink({**record, "id": fresh, **(kwargs.get("record_extra") or {})})
        return type(decision)(**{**_fields(decision), "id": fresh, "evidence_id": fresh})

    engine.evaluate = evaluate
    real_taint = engine.taint
    taints: dict[tuple[str, str, bool], Any] = {}

    def taint(event: Any) -> Any:  # replayed too: an earlier checkout fingerprints in evaluate
        key = (event.stage.value, event.text, bool(getattr(event, "tools_may_follow", True)))
        if key not in taints:
            taints[key] = real_taint(event)
        return taints[key]

    engine.taint = taint


def _fields(decision: Any) -> dict[str, Any]:
    return {name: getattr(decision, name) for name in decision.__dataclass_fields__}


async def call(app: Any, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/v1/chat/completions", "raw_path": b"/v1/chat/completions",
             "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080)}  # fmt: skip
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def run(n: int, rounds: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="vallum-overhead-"))
    bundle = bench_bundle(tmp, str(Path(sys.executable).parent / "vallum"))  # rate limits off
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=ANSWER))
    gw = build_gateway(GatewayOptions(bundle=bundle, database_url=f"sqlite:///{tmp / 'e.db'}",
                                      upstream_url="http://upstream.test/v1", transport=transport))  # fmt: skip
    replaying(gw.engine)
    app = create_app(gw)
    key = create_api_key(gw.db, Principal.parse("agent:bench"))
    reqs = single_turns(n, seed=1)

    def headers(extra: dict[str, str]) -> list[tuple[bytes, bytes]]:
        pairs = {"authorization": f"Bearer {key}", "content-type": "application/json", **extra}
        return [(k.lower().encode(), v.encode()) for k, v in pairs.items()]

    prepared = [(json.dumps(r.body).encode(), headers(r.headers)) for r in reqs]
    statuses = [await call(app, body, hs) for body, hs in prepared]  # each decision once, for real
    print(f"answers: {dict((s, statuses.count(s)) for s in sorted(set(statuses)))}")
    per_round = []
    for _ in range(rounds):
        start = time.process_time()
        for body, hs in prepared:
            await call(app, body, hs)
        await asyncio.sleep(0.05)  # fingerprints off the path finish within the round
        deferred = getattr(gw.evaluator, "deferred", None)
        if deferred is not None:
            await deferred.idle()
        per_round.append((time.process_time() - start) / len(prepared) * 1000)
    full_collection(gw)
    print(f"gateway CPU per request without the detectors: median {statistics.median(per_round):.3f} ms "
          f"(rounds: {', '.join(f'{x:.3f}' for x in per_round)}; {n} requests a round)")  # fmt: skip
    await gw.aclose()


def full_collection(gw: Any) -> None:
    """How long one full garbage collection takes in this process, before and after
    `freeze_heap` (what `vallum serve` calls once the app is built), when this checkout has it."""
    gc.collect()
    start = time.perf_counter()
    gc.collect()
    before = (time.perf_counter() - start) * 1000
    try:
        from vallum.gateway.app import freeze_heap
    except ImportError:
        print(f"one full garbage collection: {before:.1f} ms (no freeze_heap in this checkout)")
        return
    freeze_heap()
    start = time.perf_counter()
    gc.collect()
    after = (time.perf_counter() - start) * 1000
    print(f"one full garbage collection: {before:.1f} ms, {after:.2f} ms after freeze_heap")
    gc.unfreeze()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.n, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
