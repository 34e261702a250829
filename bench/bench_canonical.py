"""Canonical JSON: microseconds per value for rfc8785, orjson with sorted keys, and
`vallum.canonical` (orjson where its bytes are RFC 8785's, the reference elsewhere).

    .venv/bin/python bench/bench_canonical.py [--number N]

The values are real decision records from the example bundle (one per stage, ~0.9-1.4 KB, as the
evidence log encodes them once per decision) and typical tool-call arguments (as approvals hash
them and the engine shows them to detectors). orjson alone is not RFC 8785 (it writes `0.0`
where RFC 8785 writes `0`): it is the floor, not a candidate. Figures are the best of 5 runs.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import orjson
import rfc8785

from vallum.bundle.loader import load_bundle
from vallum.canonical import canonical_bytes
from vallum.engine import Engine
from vallum.evidence.log import StoredRecord
from vallum.model import Event, Principal, Stage, ToolCall

AGENT = Principal("agent", "bench")
ARGUMENTS: dict[str, dict[str, Any]] = {
    "send_email": {"to": "jane.doe@example.com", "subject": "Your refund ✓",
                   "body": "Dear Jane, your refund of 100.00 EUR is on its way. " * 4},
    "refund": {"order_id": "A-10442", "amount": 100.0, "currency": "EUR", "reason": "damaged"},
    "search_orders": {"customer": "c-991", "since": "2025-01-01", "limit": 20,
                      "filters": {"status": ["shipped", "delivered"], "min_total": 25.5}},
}  # fmt: skip


class _Capture:
    """An evidence sink that keeps the records instead of writing them."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def append(self, record: dict[str, Any]) -> StoredRecord:
        self.records.append(record)
        return StoredRecord(0, record["id"], record, "")


def decision_records() -> dict[str, dict[str, Any]]:
    with as_file(files("vallum.bundle").joinpath("example")) as path:
        bundle = load_bundle(Path(path))
    capture = _Capture()
    engine = Engine(bundle, evidence=capture)  # type: ignore[arg-type]
    engine.evaluate(Event(Stage.INPUT, AGENT, "s1", model="gpt-4o-mini",
                          text="Where is my order? It was placed last week."))  # fmt: skip
    engine.evaluate(Event(Stage.OUTPUT, AGENT, "s1", model="gpt-4o-mini",
                          text="Mail jane.doe@example.com or call +1 415 555 0100 ✓"))  # fmt: skip
    engine.evaluate(Event(Stage.TOOL_CALL, AGENT, "s1",
                          tool_call=ToolCall("send_email", ARGUMENTS["send_email"])))  # fmt: skip
    # The log adds `seq` before encoding: so does the benchmark.
    return {r["stage"]: {**r, "seq": 123_456} for r in capture.records}


ENCODERS: dict[str, Callable[[Any], bytes]] = {
    "rfc8785": rfc8785.dumps,
    "orjson sorted": lambda v: orjson.dumps(v, option=orjson.OPT_SORT_KEYS),
    "vallum.canonical": canonical_bytes,
}


def per_call_us(fn: Callable[[Any], bytes], value: Any, number: int) -> float:
    return min(timeit.repeat(lambda: fn(value), number=number, repeat=5)) / number * 1e6


def table(title: str, values: dict[str, Any], number: int) -> None:
    print(f"\n{title} (microseconds per value, best of 5 x {number})")
    print(f"{'value':<16}{'bytes':>7}" + "".join(f"{name:>18}" for name in ENCODERS))
    for name, value in values.items():
        same = canonical_bytes(value) == rfc8785.dumps(value)
        cells = "".join(f"{per_call_us(fn, value, number):>18.1f}" for fn in ENCODERS.values())
        flag = "" if same else "  (differs from rfc8785!)"
        print(f"{name:<16}{len(canonical_bytes(value)):>7}{cells}{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000, help="calls per timing run")
    args = parser.parse_args()
    table("Evidence decision records", decision_records(), args.number)
    table("Tool-call arguments", ARGUMENTS, args.number)


if __name__ == "__main__":
    main()
