"""Detection on the validation split of shared/datasets and on the built-in attack library.

    .venv/bin/python bench/bench_evals.py [BUNDLE_DIR] [--json OUT]

Runs the example bundle (or BUNDLE_DIR) the way `vallum eval` does and prints TPR and FPR per
kind with Wilson 95% intervals, detector AUC and TPR at 1% FPR, and decision latency p50/p99.
The validation split is `vallum.evals.splits.split_rows(rows, 0.2)`, the one the injection
model's training script holds out.
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from vallum.bundle.loader import load_bundle
from vallum.evals.attacks import attack_library
from vallum.evals.cases import text_case
from vallum.evals.report import build_report
from vallum.evals.runner import run_cases
from vallum.evals.splits import split_rows
from vallum.model import Stage

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "injection_train.jsonl"


def validation_cases(path: Path) -> list[Any]:
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    _, val = split_rows(rows, val_fraction=0.2)
    return [
        text_case(
            f"val-{i}",
            "validation",
            str(r.get("kind") or r.get("source")),
            int(r["label"]),
            Stage(r.get("stage", "input")),
            str(r["text"]),
            str(r.get("source", "")),
        )
        for i, r in enumerate(val)
    ]


def show(title: str, report: dict[str, Any], seconds: float) -> None:
    o = report["overall"]
    print(
        f"\n== {title}: n={o['n']}  TPR {o['tpr']} {o['tpr_ci']}  FPR {o['fpr']} {o['fpr_ci']}  ({seconds:.1f} s)"
    )
    print(
        f"{'kind':34} {'TPR':>6} {'95% CI':>16} {'TP/P':>9} {'FPR':>6} {'95% CI':>16} {'FP/N':>8}"
    )
    for k in report["kinds"]:
        print(
            f"{k['kind']:34} {_f(k['tpr']):>6} {_ci(k['tpr_ci']):>16} {k['tp']:>4}/{k['positives']:<4} "
            f"{_f(k['fpr']):>6} {_ci(k['fpr_ci']):>16} {k['fp']:>3}/{k['negatives']:<4}"
        )
    for d in report["detectors"]:
        if d["auc"] is not None:
            print(
                f"  detector {d['detector']:16} AUC {d['auc']}  TPR@1%FPR {d['tpr_at_1pct_fpr']}  (n={d['n']})"
            )
    lat = report["latency_ms"]["total"]
    print(f"  latency per decision p50 {lat['p50']} ms  p99 {lat['p99']} ms")


def _f(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def _ci(ci: list[float] | None) -> str:
    return "-" if ci is None else f"[{ci[0]:.3f},{ci[1]:.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle", nargs="?")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with as_file(files("vallum.bundle").joinpath("example")) as example:
        bundle = load_bundle(args.bundle or example)
    out = {}
    for title, cases in (
        ("validation split", validation_cases(DATASET)),
        ("attack library", attack_library()),
    ):
        started = time.perf_counter()
        report = build_report(bundle, run_cases(bundle, cases))
        show(title, report, time.perf_counter() - started)
        out[title] = report
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
