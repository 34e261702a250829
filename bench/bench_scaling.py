"""Cost per KB of every detector, the normal form, the fingerprinting and the engine, on
adversarially dense text.

    .venv/bin/python bench/bench_scaling.py [--max-kb 1024] [--kinds pii,links] [--budget 20]
        [--only normalize,engine] [--cpu]

For each kind of dense input (`bench/adversarial.py`: PII, secrets, links, injection hits, many
short lines, one huge line, all mixed, obfuscated values among non-Latin prose) and each size
from 1 KB to 1 MB, prints the median
milliseconds per KB. Goal (issue 20): flat within 1.5x from 8 KB to 1 MB, so cost grows with
the input and never faster (a quadratic path is a denial of service). The `ratio` column is the
largest size's cost per KB over the 8 KB one.

Bounded: each cell runs at most 3 times and stops early past `--budget` seconds; a cell whose
previous size took over a quarter of the budget is skipped (printed as `skip`), so a quadratic
path shows as a growing row, not as a run that never ends.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from importlib.resources import as_file, files
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))  # the adversarial texts

from detectors.adversarial import KINDS
from vallum.bundle.loader import load_bundle
from vallum.detectors.normalize import normalize
from vallum.engine import Engine
from vallum.model import Event, Principal, Stage
from vallum.sessions.fingerprint import Kind, fingerprints

SIZES_KB = (1, 8, 64, 256, 1000)  # KB of 1,000 characters: 1 MB is the bundle limit
AGENT = Principal("agent", "bench")


def measure(
    fn: Callable[[], object],
    budget: float,
    cold: Callable[[], None],
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Median seconds of up to 3 runs, stopping once `budget` seconds are spent; `cold` empties
    the detectors' caches first, so a small text repeated is not flattered by them."""
    samples: list[float] = []
    spent = 0.0
    while len(samples) < 3 and spent < budget:
        cold()
        start = clock()
        fn()
        took = clock() - start
        samples.append(took)
        spent += took
    return statistics.median(samples)


def emptier(engine: Engine) -> Callable[[], None]:
    """Empties the caches detectors keep of what they saw (the exfiltration detector's URLs)."""
    caches = [
        cache
        for control in engine.bundle.controls
        if callable(
            cache := getattr(getattr(control.detector, "_remote", None), "cache_clear", None)
        )
    ]

    def empty() -> None:
        for clear in caches:
            clear()

    return empty


def subjects(engine: Engine) -> dict[str, Callable[[str], object]]:
    """What is measured: each detector at a stage it serves, the fingerprints, the engine."""
    out: dict[str, Callable[[str], object]] = {}
    seen: set[str] = set()
    for control in engine.bundle.controls:
        det = control.detector
        if det.id in seen:
            continue
        seen.add(det.id)
        stage = sorted(control.config.stages)[0]
        out[f"{det.id} ({stage.value})"] = lambda t, det=det, stage=stage: det.detect(t, stage)
    out["normalize"] = lambda t: normalize(t)  # the form content detectors read (once per event)
    out["fingerprints (text)"] = lambda t: fingerprints(t)
    out["fingerprints (user)"] = lambda t: fingerprints(t, Kind.USER)
    for stage in (Stage.INPUT, Stage.OUTPUT):
        out[f"engine ({stage.value})"] = lambda t, stage=stage: engine.evaluate(
            Event(stage, AGENT, "bench", text=t), sink=None
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-kb", type=int, default=1000)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--only", default="", help="comma-separated subject name prefixes")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per cell at most")
    parser.add_argument("--cpu", action="store_true",
                        help="this thread's CPU time, not wall-clock (steadier on a busy machine)")  # fmt: skip
    args = parser.parse_args()
    clock = time.thread_time if args.cpu else time.perf_counter
    with as_file(files("vallum.bundle").joinpath("example")) as path:
        bundle = load_bundle(Path(path))
    engine = Engine(bundle, evidence=None)
    cold = emptier(engine)
    sizes = [kb for kb in SIZES_KB if kb <= args.max_kb]
    only = [p for p in args.only.split(",") if p]
    chosen = {
        name: fn
        for name, fn in subjects(engine).items()
        if not only or any(name.startswith(p) for p in only)
    }
    print(f"bundle {bundle.name}@{bundle.version}; ms per KB, median of <= 3 runs")
    header = "".join(f"{kb:>8} KB" for kb in sizes)
    for kind in args.kinds.split(","):
        texts = {kb: KINDS[kind](kb * 1000) for kb in sizes}
        print(f"\n-- {kind} --")
        print(f"{'subject':<28}{header}   ratio (max/8 KB)")
        for name, fn in chosen.items():
            cells: list[str] = []
            per_kb: dict[int, float] = {}
            skip = False
            for kb in sizes:
                if skip:
                    cells.append(f"{'skip':>11}")
                    continue
                took = measure(lambda fn=fn, t=texts[kb]: fn(t), args.budget, cold, clock)
                per_kb[kb] = took * 1000 / kb
                cells.append(f"{per_kb[kb]:>11.3f}")
                skip = took > args.budget / 4
            top = max(per_kb)
            ratio = f"{per_kb[top] / per_kb[8]:.2f}" if 8 in per_kb and top > 8 else "-"
            if skip and top < sizes[-1]:
                ratio += " (larger sizes skipped: too slow)"
            print(f"{name:<28}{''.join(cells)}   {ratio}")


if __name__ == "__main__":
    main()
