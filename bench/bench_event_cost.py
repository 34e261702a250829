"""Engine cost per event on the example bundle: a chat input, an answer, tool calls.

    .venv/bin/python bench/bench_event_cost.py [--rounds 5]
    .venv/bin/python bench/bench_event_cost.py --before /tmp/old/.venv/bin/python --rounds 20
    .venv/bin/python bench/bench_event_cost.py --parts

Prints the median CPU time of this thread (steady on a shared machine, unlike wall clock) of
`Engine.evaluate` (no evidence sink) for a 230-character input, the same text as output, a
`send_email` call carrying it, and one carrying 8 KB.

`--before PYTHON` measures an earlier checkout in the same run: each interpreter runs a worker
(its `vallum` is its own install) and the two take turns, round after round, first one then the
other, so a change in the machine's load falls on both alike. Each round prints both medians;
the summary is the median over rounds and the median of the paired differences (after - before)
with their spread across rounds.

`--without-issue12` measures, in one process and interleaved, this checkout as it is against
the same engine with issue 12's pieces on the event path switched off (tool calls read as their
canonical text alone, no pii control on tool calls, no encoded runs nor spelled-out addresses):
what those pieces cost with everything else held fixed, which a checkout from before issue 12
cannot show once later work (provenance, fingerprints) has landed on the same path.

`--parts` prints, on this checkout, what the tool-call path spends in the pieces issue 12 added:
reading the arguments (`argument_text`: canonical text, argument spans, joined values) beside
the canonical text alone, the normal form, the pii control on tool calls, and placing findings.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

TEXT = (
    "could you tell me the status of my order? It was placed last week and the tracking has "
    "not moved since Tuesday; "
) * 2
BIG = (TEXT * 40)[:8192]
SAMPLES = 2000


def _events() -> tuple[Any, dict[str, Any]]:
    from vallum.bundle.loader import load_bundle
    from vallum.engine import Engine
    from vallum.model import Event, Principal, Stage, ToolCall

    agent = Principal.parse("agent:bench")
    with as_file(files("vallum.bundle").joinpath("example")) as path:
        engine = Engine(load_bundle(Path(path)))

    def send(body: str) -> Any:
        args = {"to": "billing@acme.example", "subject": "Order", "body": body}
        return Event(Stage.TOOL_CALL, agent, "s", tool_call=ToolCall("send_email", args))

    return engine, {
        "input": Event(Stage.INPUT, agent, "s", text=TEXT),
        "output": Event(Stage.OUTPUT, agent, "s", text=TEXT),
        "tool_call": send(TEXT),
        "tool_call_8k": send(BIG),
    }


def median_us(work: Callable[[], object], samples: int = SAMPLES) -> float:
    for _ in range(samples // 10):  # warm caches
        work()
    out = []
    for _ in range(samples):
        start = time.thread_time()
        work()
        out.append(time.thread_time() - start)
    return statistics.median(out) * 1e6


def one_round(engine: Any, events: dict[str, Any]) -> dict[str, float]:
    return {
        name: median_us(
            lambda e=event: engine.evaluate(e, sink=None), SAMPLES // (4 if "8k" in name else 1)
        )
        for name, event in events.items()
    }


def worker() -> None:
    """Answer each line on stdin with one round's medians, as JSON."""
    engine, events = _events()
    for _ in sys.stdin:
        print(json.dumps(one_round(engine, events)), flush=True)


def compare(before: str, rounds: int) -> None:
    me = str(Path(__file__).resolve())
    procs = {
        "before": subprocess.Popen([before, me, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True),
        "after": subprocess.Popen([sys.executable, me, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True),
    }  # fmt: skip
    got: dict[str, list[dict[str, float]]] = {name: [] for name in procs}
    try:
        for turn in range(rounds):
            order = ["before", "after"] if turn % 2 == 0 else ["after", "before"]
            for name in order:  # one worker at a time: the other waits on its stdin
                proc = procs[name]
                assert proc.stdin is not None and proc.stdout is not None
                proc.stdin.write("round\n")
                proc.stdin.flush()
                got[name].append(json.loads(proc.stdout.readline()))
            cells = "  ".join(
                f"{event} {got['before'][-1][event]:7.1f} -> {got['after'][-1][event]:7.1f}"
                for event in got["after"][-1]
            )
            print(f"round {turn + 1:>2} (us, before -> after)  {cells}", flush=True)
    finally:
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=60)
    summarise(got["before"], got["after"], "before", "after")


def summarise(
    first: list[dict[str, float]], second: list[dict[str, float]], a: str, b: str
) -> None:
    """Medians over rounds, and the paired differences (second - first) with their spread."""
    print()
    print(
        f"{'event':<14}{a + ' us':>11}{b + ' us':>11}   {b} - {a} us: median of rounds (min .. max)"
    )
    for event in second[0]:
        x = [r[event] for r in first]
        y = [r[event] for r in second]
        diff = sorted(q - p for p, q in zip(x, y, strict=True))
        print(f"{event:<14}{statistics.median(x):>11.1f}{statistics.median(y):>11.1f}"
              f"{statistics.median(diff):>+12.1f}  ({diff[0]:+.1f} .. {diff[-1]:+.1f})")  # fmt: skip


@contextmanager
def without_issue12(engine: Any) -> Iterator[None]:
    """The engine with issue 12's pieces on the event path switched off, for the time of the
    block (patched on this process's modules and the engine's detectors, then restored)."""
    import vallum.engine as engine_module
    from vallum.argument_data import ArgumentText
    from vallum.canonical import canonical_text
    from vallum.model import Stage

    def canonical_only(name: str, arguments: Any, order: Any, destinations: Any) -> Any:
        text = f"{name} {canonical_text(dict(arguments), default=str)}"
        return ArgumentText(text, (), len(text))

    saved_subject = engine_module.argument_text
    saved_controls = engine._controls[Stage.TOOL_CALL]
    detectors = list({id(c.detector): c.detector for c in engine.bundle.controls}.values())
    pii = [d for d in detectors if d.id == "pii"]
    saved_scans = [d._scans for d in pii]
    engine_module.argument_text = canonical_only
    engine._controls[Stage.TOOL_CALL] = [c for c in saved_controls if c.id != "pii-tool-args"]
    for d in detectors:
        if d.id in ("pii", "secrets"):
            d.detect = lambda text, stage, d=d: d._find(text)  # no encoded runs
    for d in pii:  # no spelled-out addresses (the second e-mail pattern)
        d._scans = tuple(s for s in d._scans if s[1].valid.__name__ != "_valid_spelled_email")
    try:
        yield
    finally:
        engine_module.argument_text = saved_subject
        engine._controls[Stage.TOOL_CALL] = saved_controls
        for d in detectors:
            d.__dict__.pop("detect", None)
        for d, scans in zip(pii, saved_scans, strict=True):
            d._scans = scans


def ablate(rounds: int) -> None:
    """This checkout with and without issue 12's pieces, interleaved in one process."""
    engine, events = _events()
    got: dict[str, list[dict[str, float]]] = {"without": [], "with": []}
    for turn in range(rounds):
        for name in ["without", "with"] if turn % 2 == 0 else ["with", "without"]:
            if name == "without":
                with without_issue12(engine):
                    got[name].append(one_round(engine, events))
            else:
                got[name].append(one_round(engine, events))
        cells = "  ".join(
            f"{event} {got['without'][-1][event]:7.1f} -> {got['with'][-1][event]:7.1f}"
            for event in events
        )
        print(f"round {turn + 1:>2} (us, without -> with issue 12)  {cells}", flush=True)
    summarise(got["without"], got["with"], "without", "with")


def parts() -> None:
    """What issue 12's pieces cost on a tool call, on this checkout (CPU medians, us)."""
    engine, events = _events()
    for name in ("tool_call", "tool_call_8k"):
        print(name)
        for label, value in _parts(engine, events[name]).items():
            print(f"  {label:<48}{value:8.1f} us")


def _parts(engine: Any, event: Any) -> dict[str, float]:
    from vallum.argument_data import argument_text, data_labels, delivery_labels
    from vallum.canonical import canonical_text
    from vallum.detectors.normalize import normalize
    from vallum.model import Stage

    pii = next(c.detector for c in engine.bundle.controls if c.id == "pii-tool-args")
    call, order, dests = event.tool_call, ("to", "subject", "body"), ("to",)
    placed = argument_text(call.name, call.arguments, order, dests)
    found = pii.detect(placed.text, Stage.TOOL_CALL)
    return {
        f"evaluate ({len(placed.text)} chars read, {placed.delivered} delivered)": median_us(lambda: engine.evaluate(event, sink=None), 500),
        "canonical text alone (what was read before)": median_us(lambda: f"{call.name} {canonical_text(dict(call.arguments), default=str)}"),
        "argument_text (canonical, spans, joins)": median_us(lambda: argument_text(call.name, call.arguments, order, dests)),
        "normal form": median_us(lambda: normalize(placed.text)),
        "pii on the tool call (pii-tool-args)": median_us(lambda: pii.detect(placed.text, Stage.TOOL_CALL)),
        "placing findings, >:external": median_us(lambda: (data_labels(found, placed, dests), delivery_labels({"to": {"proven"}}, dests))),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--before", metavar="PYTHON", help="an earlier checkout's interpreter")
    parser.add_argument("--parts", action="store_true", help="issue 12's pieces, this checkout")
    parser.add_argument("--without-issue12", action="store_true",
                        help="this checkout with and without issue 12's pieces, interleaved")  # fmt: skip
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
    elif args.parts:
        parts()
    elif args.without_issue12:
        ablate(args.rounds)
    elif args.before:
        compare(args.before, args.rounds)
    else:
        engine, events = _events()
        for _ in range(args.rounds):
            cells = "  ".join(f"{k} {v:8.1f} us" for k, v in one_round(engine, events).items())
            print(f"{args.label:<14}{cells}")


if __name__ == "__main__":
    main()
