"""Detection benchmark: injection quality on the held-out split, and latency of every detector.

    .venv/bin/python bench/bench_detection.py [--data PATH] [--runs N] [--lofo] [--families]

Quality: loads the injection dataset, applies `vallum.evals.splits.split_rows` (the same split
the training script holds out), runs `InjectionDetector` at its shipped threshold on the
validation rows and prints TPR per attack kind, FPR per benign kind, overall figures and AUC.

`--families`: the shipped model on every generated family at a new seed, per family, worst
first. The model was trained on these families (other seeds): read it as a check that the
shipped model learned them, not as a prediction for unseen text.

`--lofo`: leave-one-family-out, the figure that predicts unseen text: for every family (each
dataset source and each generated family) the model is refitted without it and scores it;
TPR per attack family and FPR per benign family at the shipped threshold, worst first. Slow
(one refit per family, about 15 minutes on a 2-core machine at load 10); the training script runs
the same evaluation and stores it in training/injection_figures.json.

Latency: p50/p99 of `detect` for each built-in detector (and all of them in sequence) on a
200-character input and an 8 KB input, after warm-up, with the garbage collector paused so a
collection does not land in one sample.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from vallum.detectors.base import CustomDataClass, Detector, DetectorSetup
from vallum.detectors.exfiltration import ExfiltrationDetector
from vallum.detectors.injection import InjectionDetector
from vallum.detectors.invisible_text import InvisibleTextDetector
from vallum.detectors.output_schema import OutputSchemaDetector
from vallum.detectors.pii import PiiDetector
from vallum.detectors.prompt_leak import PromptLeakDetector
from vallum.detectors.secrets import SecretsDetector
from vallum.evals.splits import split_rows
from vallum.model import Stage

DEFAULT_DATA = "/work/shared/datasets/injection_train.jsonl"

SAMPLE = (
    "Hi Sam, thanks for the update on the Lisbon offsite. I booked the venue for the 14th and "
    "sent the agenda to the team. Could you confirm the catering budget and whether we need a "
    "projector? The client call moved to 3pm on Thursday; details are in the shared calendar. "
    "Reach me at sam.jones@example.com or +44 20 7946 0958 if anything changes. "
    "See the [agenda](https://docs.example.com/agenda) and the ![map](https://maps.example.com/m.png). "
)


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def quality(path: Path) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    _, val = split_rows(rows, val_fraction=0.2)
    detector = InjectionDetector()
    threshold = InjectionDetector.DEFAULT_THRESHOLD
    scores = np.array([detector.score(r["text"], Stage(r["stage"])) for r in val])
    labels = np.array([r["label"] for r in val])
    print(f"Injection detector on the validation split ({len(val)} of {len(rows)} rows)")
    print(f"threshold {threshold:.2f}  AUC {auc(scores, labels):.4f}")
    by_kind: dict[tuple[int, str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(val):
        by_kind[(r["label"], r["kind"], r["stage"])].append(i)
    for (label, kind, stage), ids in sorted(by_kind.items(), key=lambda kv: (-kv[0][0], kv[0][1])):
        rate = float(np.mean(scores[ids] >= threshold))
        print(f"  {'TPR' if label else 'FPR'} {rate:6.1%}  n={len(ids):4d}  {kind} ({stage})")
    tpr = float(np.mean(scores[labels == 1] >= threshold))
    fpr = float(np.mean(scores[labels == 0] >= threshold))
    print(f"  overall TPR {tpr:.1%}  FPR {fpr:.1%}\n")


def _training_modules() -> None:
    root = Path(__file__).resolve().parents[1]
    for sub in ("training", "src"):
        if str(root / sub) not in sys.path:
            sys.path.insert(0, str(root / sub))


def families(seed: int) -> None:
    """The shipped model per generated family at a new seed (families it was trained on)."""
    _training_modules()
    import injection_data
    import injection_lofo

    train, _ = injection_data.load_dataset()
    rows = injection_data.generated(train, seed=seed)
    detector = InjectionDetector()
    threshold = InjectionDetector.DEFAULT_THRESHOLD
    scores = np.array([detector.score(r["text"], Stage(r["stage"])) for r in rows])
    injection_lofo.print_table(
        f"shipped model on generated families, seed {seed} (trained on other seeds)",
        injection_lofo.per_family(rows, scores, threshold),
    )


def lofo() -> None:
    """Leave-one-family-out at the shipped threshold (refits the model once per family)."""
    _training_modules()
    import injection_data
    import injection_fit
    import injection_lofo

    rows, _ = injection_data.training_rows()
    data = injection_fit.featurise(rows)
    z, g = injection_lofo.out_of_family_logits(data)
    detector = InjectionDetector()
    a, b = detector._platt
    zz = z + (detector._gib_weight / a) * np.maximum(0.0, g - detector._gib_floor)
    probs = injection_lofo.with_floor(data, 1 / (1 + np.exp(-np.clip(a * zz + b, -60, 60))))
    threshold = InjectionDetector.DEFAULT_THRESHOLD
    summary = injection_lofo.summary(rows, probs, threshold)
    injection_lofo.print_table(f"leave-one-family-out at {threshold:.2f}", summary["families"])
    print({k: round(v, 4) for k, v in summary.items() if isinstance(v, float)})


def detectors() -> list[tuple[Detector, Stage]]:
    setup = DetectorSetup(
        allowed_hosts=("*.example.com",),
        custom_data_classes=(CustomDataClass(name="project", pattern=r"\bPRJ-\d{4}\b"),),
        prompts={"support": "You are the support assistant for Acme. " * 10},
        canaries=("rmp-canary-0001",),
    )
    schema = OutputSchemaDetector.parse_options({"schema": {"type": "object"}})
    return [
        (InjectionDetector(setup=setup), Stage.RETRIEVAL),
        (SecretsDetector(setup=setup), Stage.OUTPUT),
        (PiiDetector(setup=setup), Stage.OUTPUT),
        (InvisibleTextDetector(setup=setup), Stage.OUTPUT),
        (ExfiltrationDetector(setup=setup), Stage.OUTPUT),
        (PromptLeakDetector(setup=setup), Stage.OUTPUT),
        (OutputSchemaDetector(schema, setup), Stage.OUTPUT),
    ]


def percentiles(fn: object, text: str, runs: int) -> tuple[float, float]:
    assert callable(fn)
    for _ in range(min(50, runs)):
        fn(text)
    samples = np.empty(runs)
    gc.disable()
    try:
        for i in range(runs):
            start = time.perf_counter()
            fn(text)
            samples[i] = time.perf_counter() - start
    finally:
        gc.enable()
    return float(np.percentile(samples, 50) * 1e3), float(np.percentile(samples, 99) * 1e3)


def latency(runs: int) -> None:
    inputs = {"200 chars": SAMPLE[:200], "8 KB": (SAMPLE * 30)[:8192]}
    dets = detectors()
    print(f"Latency, ms ({runs} runs each, p50 / p99)")
    print(f"  {'detector':16s}" + "".join(f"{name:>22s}" for name in inputs))
    for det, stage in dets:
        cells = []
        for text in inputs.values():
            p50, p99 = percentiles(lambda t, d=det, s=stage: d.detect(t, s), text, runs)
            cells.append(f"{p50:9.3f} / {p99:7.3f}")
        print(f"  {det.id:16s}" + "".join(f"{c:>22s}" for c in cells))

    # The same detector with its gibberish head off, side by side: what the head costs.
    plain = InjectionDetector()
    plain._gib_weight = 0.0
    cells = []
    for text in inputs.values():
        p50, p99 = percentiles(lambda t: plain.detect(t, Stage.RETRIEVAL), text, runs)
        cells.append(f"{p50:9.3f} / {p99:7.3f}")
    print(f"  {'(no gibberish)':16s}" + "".join(f"{c:>22s}" for c in cells))

    # What the v4 features add to the injection detector, side by side: the intent lexicon's
    # and the line-structure pass alone, on the same normalised text.
    from vallum.detectors import injection_features as F
    from vallum.detectors.injection_lexicon import lexicon_features
    from vallum.detectors.injection_structure import structure_lines

    def v4_passes(text: str) -> None:
        norm = F.model_text(text)
        lexicon_features(norm, F._LEXICON)
        structure_lines(norm)

    cells = []
    for text in inputs.values():
        p50, p99 = percentiles(v4_passes, text, runs)
        cells.append(f"{p50:9.3f} / {p99:7.3f}")
    print(f"  {'(v4 passes)':16s}" + "".join(f"{c:>22s}" for c in cells))

    def run_all(text: str) -> None:
        for det, stage in dets:
            det.detect(text, stage)

    cells = []
    for text in inputs.values():
        p50, p99 = percentiles(run_all, text, runs)
        cells.append(f"{p50:9.3f} / {p99:7.3f}")
    print(f"  {'ALL':16s}" + "".join(f"{c:>22s}" for c in cells))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(DEFAULT_DATA))
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--lofo", action="store_true", help="leave-one-family-out (slow)")
    parser.add_argument("--families", action="store_true", help="per generated family")
    parser.add_argument("--seed", type=int, default=99, help="seed for --families")
    args = parser.parse_args(argv)
    if args.data.exists():
        quality(args.data)
        if args.families:
            families(args.seed)
        if args.lofo:
            lofo()
    else:
        print(f"dataset {args.data} not found: skipping quality figures", file=sys.stderr)
    latency(args.runs)


if __name__ == "__main__":
    main()
