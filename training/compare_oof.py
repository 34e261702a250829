"""Compare two leave-one-family-out runs on the same rows (the ship test of a training change).

    .venv/bin/python training/compare_oof.py BASE_OOF BASE_FIGURES NEW_OOF NEW_FIGURES [--carriers]

The base run is trained without carrier twins (as v6 was). Each run is its
stored out-of-family scores (`.vallum/injection_oof.npz`) and the stacker,
gibberish floor and threshold it chose (`injection_figures.json`). The new run's rows are
`training_rows(carriers=...)`; rows it added (marked `added`, the clean carriers) are dropped, so
both runs are scored on the base run's rows. Prints: held-out ROC row TPR at 1/2/5/10% row FPR,
mean attack-family TPR and benign-family FPR at each run's threshold, and every attack family
whose TPR moved by more than 5 points.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

import injection_lofo as lofo  # noqa: E402
from injection_data import training_rows  # noqa: E402
from injection_fit import featurise  # noqa: E402


def probabilities(rows: list[dict[str, Any]], oof: Path, figures: Path) -> np.ndarray:
    fig = json.loads(figures.read_text())
    coef = np.array(fig["stacker"])
    with np.load(oof) as saved:
        z, g = saved["z"], saved["g"]
    x = lofo.stack_inputs(z, g, fig["gibberish_floor"])
    probs = 1 / (1 + np.exp(-np.clip(x @ coef[:2] + coef[2], -60, 60)))
    return lofo.with_floor(featurise(rows), probs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("base_oof", "base_figures", "new_oof", "new_figures"):
        parser.add_argument(name, type=Path)
    parser.add_argument("--carriers", action="store_true", help="the new run used --carriers")
    args = parser.parse_args(argv)
    base_rows, _ = training_rows(carriers=False)
    new_rows, _ = training_rows(carriers=args.carriers)
    p_base = probabilities(base_rows, args.base_oof, args.base_figures)
    p_new_all = probabilities(new_rows, args.new_oof, args.new_figures)
    kept = np.array([not r.get("added") for r in new_rows])
    p_new = p_new_all[kept]
    assert [r["text"] for r in base_rows] == [r["text"] for r in new_rows if not r.get("added")]
    t_base = json.loads(args.base_figures.read_text())["threshold"]
    t_new = json.loads(args.new_figures.read_text())["threshold"]
    runs = {
        "base": lofo.summary(base_rows, p_base, t_base),
        "new, base rows": lofo.summary(base_rows, p_new, t_new),
        "new, all rows": lofo.summary(new_rows, p_new_all, t_new),
    }
    for name, s in runs.items():
        roc = " / ".join(f"{p['tpr_rows']:.1%}" for p in s["roc"])
        print(
            f"{name:15s} t={s['threshold']:.2f} ROC row TPR at 1/2/5/10% FPR {roc}; "
            f"family TPR {s['tpr_family_mean']:.1%} FPR {s['fpr_family_mean']:.1%}; "
            f"rows TPR {s['tpr_rows']:.1%} FPR {s['fpr_rows']:.1%}; AUC {s['auc']:.3f}"
        )
    before = {(f["family"], f["metric"]): f["rate"] for f in runs["base"]["families"]}
    after = {(f["family"], f["metric"]): f["rate"] for f in runs["new, base rows"]["families"]}
    print("\nfamilies that moved by more than 5 points (base -> new, base rows):")
    for key in sorted(before, key=lambda k: after[k] - before[k]):
        if abs(after[key] - before[key]) > 0.05:
            print(f"  {key[1]} {key[0]:28s} {before[key]:6.1%} -> {after[key]:6.1%}")
    worst = min(after[k] - before[k] for k in before if k[1] == "TPR")
    print(f"\nlargest attack-family fall: {-worst:.1%}")


if __name__ == "__main__":
    main()
