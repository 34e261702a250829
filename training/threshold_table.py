"""Out-of-family figures at other thresholds, from the last leave-one-family-out run.

    .venv/bin/python training/threshold_table.py 0.58 0.65 0.85

Reads the out-of-family scores `train_injection.py` stored (.vallum/injection_oof.npz) and the
stacker and gibberish floor it chose (training/injection_figures.json), applies the detector's
strong-pattern floor, and prints, per threshold: mean family TPR and FPR, row TPR and FPR, and
the code documents' FPR. What a bundle choosing a stricter threshold trades, on the same scores.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

import injection_lofo as lofo  # noqa: E402
from injection_data import training_rows  # noqa: E402
from injection_fit import featurise  # noqa: E402


def main(argv: list[str]) -> None:
    thresholds = [float(t) for t in argv] or [0.58, 0.60, 0.65, 0.85]
    rows, _ = training_rows()
    figures = json.loads((ROOT / "training/injection_figures.json").read_text())
    coef = np.array(figures["stacker"])
    with np.load(ROOT / ".vallum/injection_oof.npz") as saved:
        z, g = saved["z"], saved["g"]
    x = lofo.stack_inputs(z, g, figures["gibberish_floor"])
    probs = 1 / (1 + np.exp(-np.clip(x @ coef[:2] + coef[2], -60, 60)))
    probs = lofo.with_floor(featurise(rows), probs)
    for t in thresholds:
        s = lofo.summary(rows, probs, t)
        code = next(f["rate"] for f in s["families"] if f["family"] == "code_docs")
        print(
            f"{t:.2f}: mean family TPR {s['tpr_family_mean']:.1%} FPR {s['fpr_family_mean']:.1%}; "
            f"rows TPR {s['tpr_rows']:.1%} FPR {s['fpr_rows']:.1%}; code documents FPR {code:.1%}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
