"""Engine cost per event on the example bundle: a chat input, an answer, a tool call.

    .venv/bin/python bench/bench_event_cost.py [--rounds 5] [--label after]

Prints the median microseconds of `Engine.evaluate` (no evidence sink) for a 230-character
input, the same text as output, and a `send_email` call carrying it, in CPU time of this thread
(steady on a shared machine). To compare two checkouts, run this file with each one's Python in
turn (`/path/to/other/.venv/bin/python bench/bench_event_cost.py --label before`), several
rounds, interleaved: each import resolves `vallum` from that interpreter's install.
"""

from __future__ import annotations

import argparse
import statistics
import time
from importlib.resources import as_file, files
from pathlib import Path

from vallum.bundle.loader import load_bundle
from vallum.engine import Engine
from vallum.model import Event, Principal, Stage, ToolCall

TEXT = (
    "could you tell me the status of my order? It was placed last week and the tracking has "
    "not moved since Tuesday; "
) * 2
AGENT = Principal.parse("agent:bench")
SAMPLES = 2000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--label", default="this checkout")
    args = parser.parse_args()
    with as_file(files("vallum.bundle").joinpath("example")) as path:
        engine = Engine(load_bundle(Path(path)))
    call = ToolCall("send_email", {"to": "billing@acme.example", "subject": "Order", "body": TEXT})
    events = {
        "input": Event(Stage.INPUT, AGENT, "s", text=TEXT),
        "output": Event(Stage.OUTPUT, AGENT, "s", text=TEXT),
        "tool_call": Event(Stage.TOOL_CALL, AGENT, "s", tool_call=call),
    }
    for _ in range(args.rounds):
        cells = []
        for name, event in events.items():
            for _ in range(200):  # warm caches
                engine.evaluate(event, sink=None)
            samples = []
            for _ in range(SAMPLES):
                start = time.thread_time()
                engine.evaluate(event, sink=None)
                samples.append(time.thread_time() - start)
            cells.append(f"{name} {statistics.median(samples) * 1e6:8.1f} us")
        print(f"{args.label:<14}" + "  ".join(cells))


if __name__ == "__main__":
    main()
