"""Leave-one-family-out (and so leave-one-source-out) evaluation of the injection model.

For every family (a dataset source, a generated technique, carrier kind, script group or benign
twin kind; see `injection_data`), the model is refitted without that family's rows and scores
them: each row gets an out-of-family score from a model that never saw anything of its kind.
Those scores predict what the model does on text it has never seen far better than a random
split of the same sources does, so calibration and the threshold are chosen on them.

Figures are reported per family, worst first: TPR for attacks, FPR for benign rows.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
from injection_fit import Featurised, auc, row_logits, train

from vallum.detectors import injection_gibberish as G
from vallum.detectors.injection import _STRONG_INDICES, STRONG_PATTERN_SCORE, _heuristic_indices

FOLD_EPOCHS = 4
# A fold trains on at most this many windows of each family (seeded sample) in batches of
# FOLD_BATCH: about 2.5 times less work a fold than every window in batches of 256, for figures
# that differ from the full fit's mostly in the largest families' weight.
FOLD_CAP = 1000
FOLD_BATCH = 512
# The gibberish score counts only above a quantile of benign rows' (out-of-family) scores; the
# quantile is the one of these whose stacked model has the best mean family TPR at its threshold.
GIBBERISH_QUANTILES = (0.90, 0.95, 0.99)
# The threshold is the lowest on the grid at which, on out-of-family scores, the mean FPR over
# benign families is at most MACRO_FPR and no benign family exceeds FAMILY_FPR.
MACRO_FPR = 0.10
FAMILY_FPR = 1.0
GRID = np.round(np.arange(0.50, 0.991, 0.01), 2)


def families(data: Featurised) -> list[str]:
    return sorted({str(r["family"]) for r in data.rows})


def benign_table(data: Featurised, exclude: str | None = None) -> np.ndarray:
    """The gibberish model's surprisal table, from benign rows (not of family `exclude`)."""
    texts = [str(r["text"]) for r in data.rows if r["label"] == 0 and str(r["family"]) != exclude]
    return G.surprisal_table(G.bigram_counts(texts))


def capped_windows(fam_of_window: np.ndarray, cap: int = FOLD_CAP) -> np.ndarray:
    """Window indices with at most `cap` per family (a seeded sample of the larger ones)."""
    rng = np.random.default_rng(0)
    keep = []
    for fam in np.unique(fam_of_window):
        ids = np.flatnonzero(fam_of_window == fam)
        keep.append(np.sort(rng.choice(ids, cap, replace=False)) if len(ids) > cap else ids)
    return np.sort(np.concatenate(keep))


def out_of_family_logits(
    data: Featurised, only: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's logit and gibberish score from models fitted without its family (NaN for
    families not run)."""
    fam_of_row = np.array([str(r["family"]) for r in data.rows])
    fam_of_window = fam_of_row[data.owner]
    z = np.full(len(data.rows), np.nan)
    g = np.full(len(data.rows), np.nan)
    todo = only or families(data)
    capped = capped_windows(fam_of_window)
    for k, fam in enumerate(todo):
        keep = capped[fam_of_window[capped] != fam]
        w, bias = train(data, keep, epochs=FOLD_EPOCHS, seed=k, quiet=True, batch=FOLD_BATCH)
        held = np.flatnonzero(fam_of_row == fam)
        z[held] = row_logits(data, held, w, bias)
        table = benign_table(data, exclude=fam)
        g[held] = [G.gibberish(str(data.rows[i]["text"]), table) for i in held]
        print(f"  fold {k + 1}/{len(todo)} {fam}: {len(held)} rows held out", file=sys.stderr)
    return z, g


def stack_inputs(z: np.ndarray, g: np.ndarray, g0: float) -> np.ndarray:
    """The stacker's inputs: the n-gram logit and the gibberish excess over g0."""
    return np.stack([z, np.maximum(0.0, g - g0)], axis=1)


def fit_stacker(x: np.ndarray, y: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Logistic regression p = sigmoid(x @ coef[:-1] + coef[-1]), L2-regularised, by Newton's
    method with step halving (a plain Newton step can overshoot into huge coefficients)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    coef = np.array([1.0] + [0.0] * (x.shape[1] - 1) + [0.0])
    reg = np.full(len(coef), l2 * len(x))
    reg[-1] = 0.0

    def loss(c: np.ndarray) -> float:
        m = xb @ c
        return float(np.sum(np.logaddexp(0, m) - y * m) + 0.5 * np.sum(reg * c * c))

    current = loss(coef)
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(xb @ coef, -60, 60)))
        grad = xb.T @ (p - y) + reg * coef
        hess = (xb * (p * (1 - p) + 1e-9)[:, None]).T @ xb + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        while scale > 1e-6 and loss(coef - scale * step) > current:
            scale /= 2
        coef = coef - scale * step
        new = loss(coef)
        if current - new < 1e-10:
            break
        current = new
    return coef


def fit_head(
    rows: list[dict[str, Any]],
    z: np.ndarray,
    g: np.ndarray,
    floor: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, float, float, np.ndarray]:
    """(stacker coefficients, gibberish floor, threshold, probabilities), chosen on
    out-of-family scores: for each candidate floor, fit the stacker, pick its threshold, and
    keep the floor whose model has the best mean family TPR."""
    y = np.array([r["label"] for r in rows], dtype=np.float64)
    best: tuple[float, np.ndarray, float, float, np.ndarray] | None = None
    for q in GIBBERISH_QUANTILES:
        g0 = float(np.quantile(g[y == 0], q))
        x = stack_inputs(z, g, g0)
        coef = fit_stacker(x, y)
        probs = floor(1 / (1 + np.exp(-np.clip(x @ coef[:2] + coef[2], -60, 60))))
        threshold = choose_threshold(rows, probs)
        tpr = summary(rows, probs, threshold)["tpr_family_mean"]
        print(f"  gibberish floor q{q}: g0={g0:.2f} coef={coef.round(3)} t={threshold} "
              f"family TPR {tpr:.3f}", file=sys.stderr)  # fmt: skip
        if best is None or tpr > best[0]:
            best = (tpr, coef, g0, threshold, probs)
    assert best is not None
    return best[1], best[2], best[3], best[4]


def with_floor(data: Featurised, probs: np.ndarray) -> np.ndarray:
    """The detector's strong-pattern floor applied to calibrated probabilities."""
    out = probs.copy()
    for i, feats in enumerate(data.feats):
        if out[i] < STRONG_PATTERN_SCORE and not _STRONG_INDICES.isdisjoint(
            _heuristic_indices(feats)
        ):
            out[i] = STRONG_PATTERN_SCORE
    return out


def per_family(
    rows: list[dict[str, Any]], probs: np.ndarray, threshold: float
) -> list[dict[str, Any]]:
    """TPR per attack family and FPR per benign family at `threshold`, worst first."""
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        groups[(str(r["family"]), int(r["label"]))].append(i)
    table = []
    for (fam, label), ids in groups.items():
        rate = float(np.mean(probs[ids] >= threshold))
        table.append(
            {"family": fam, "metric": "TPR" if label else "FPR", "rate": rate, "n": len(ids),
             # how bad: a missed attack family and a noisy benign one on one scale
             "badness": (1 - rate) if label else rate}
        )  # fmt: skip
    return sorted(table, key=lambda t: -t["badness"])


def choose_threshold(rows: list[dict[str, Any]], probs: np.ndarray) -> float:
    for t in GRID:
        benign = [f for f in per_family(rows, probs, float(t)) if f["metric"] == "FPR"]
        rates = [f["rate"] for f in benign]
        if np.mean(rates) <= MACRO_FPR and max(rates) <= FAMILY_FPR:
            return float(t)
    return float(GRID[-1])


def print_table(title: str, table: list[dict[str, Any]]) -> None:
    print(f"\n== {title} (worst first)")
    for f in table:
        print(f"  {f['metric']} {f['rate']:6.1%}  n={f['n']:5d}  {f['family']}")


ROC_FPRS = (0.01, 0.02, 0.05, 0.10)


def roc_points(rows: list[dict[str, Any]], probs: np.ndarray) -> list[dict[str, float]]:
    """The held-out-family ROC at a few row FPRs: threshold, row TPR, mean family TPR and FPR."""
    y = np.array([r["label"] for r in rows])
    points = []
    for target in ROC_FPRS:
        t = float(np.quantile(probs[y == 0], 1 - target))
        t = min(1.0, np.nextafter(t, 2.0))  # strictly above that many benign rows
        table = per_family(rows, probs, t)
        points.append({
            "fpr_target": target, "threshold": t,
            "tpr_rows": float(np.mean(probs[y == 1] >= t)),
            "fpr_rows": float(np.mean(probs[y == 0] >= t)),
            "tpr_family_mean": float(np.mean([f["rate"] for f in table if f["metric"] == "TPR"])),
            "fpr_family_mean": float(np.mean([f["rate"] for f in table if f["metric"] == "FPR"])),
        })  # fmt: skip
    return points


def summary(rows: list[dict[str, Any]], probs: np.ndarray, threshold: float) -> dict[str, Any]:
    y = np.array([r["label"] for r in rows])
    table = per_family(rows, probs, threshold)
    attack = [f["rate"] for f in table if f["metric"] == "TPR"]
    benign = [f["rate"] for f in table if f["metric"] == "FPR"]
    return {
        "threshold": threshold,
        "roc": roc_points(rows, probs),
        "auc": auc(probs, y),
        "tpr_rows": float(np.mean(probs[y == 1] >= threshold)),
        "fpr_rows": float(np.mean(probs[y == 0] >= threshold)),
        "tpr_family_mean": float(np.mean(attack)),
        "fpr_family_mean": float(np.mean(benign)),
        "tpr_family_min": float(min(attack)),
        "fpr_family_max": float(max(benign)),
        "families": table,
    }
