"""Train the prompt-injection model and rewrite src/vallum/detectors/models/injection.npz.

    .venv/bin/python training/train_injection.py

Data: /work/shared/datasets/injection_train.jsonl (or VALLUM_INJECTION_DATA), split with
`vallum.evals.splits.split_rows` (validation = 20%, grouped by BIPIA document). The training
part is split again by the same stable hash (another salt) into a fitting set and a tuning
slice; generated attacks and look-alikes (training/generate_attacks.py, carriers taken from the
fitting set only) and generated benign data texts of every length with short hard positives
(training/generate_benign.py, seed SEED) are added to the fitting set. Calibration (Platt
scaling) and the shipped threshold are chosen on the tuning slice, which also holds a generated
part (generate_benign, another seed, same templates). The validation split is only scored, at
the end, as is a generated held-out set (generate_benign with held-out templates and fillers and
a third seed) that measures generalisation to phrasings the model never saw.

Model: logistic regression on hashed features (vallum.detectors.injection_features) with
stage-crossed weights: w_shared + w_input for stage input, w_shared + w_data for documents and
tool results; a window-length bucket feature (crossed with the stage group the same way) gives
each length its own prior. Texts are scored in windows of WINDOW characters; a text's score is its most
suspicious window. Training uses the same windows, labelled positive only where they hold the
inserted attack. Everything is seeded: two runs write the same file.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

import generate_benign  # noqa: E402
from generate_attacks import generate  # noqa: E402

from vallum.detectors import injection_features as F  # noqa: E402
from vallum.evals.splits import group_keys, split_rows, stable_fraction  # noqa: E402

DATA = Path(os.environ.get("VALLUM_INJECTION_DATA", "/work/shared/datasets/injection_train.jsonl"))
OUT = ROOT / "src/vallum/detectors/models/injection.npz"
SEED = 20240607
TUNE_SEED = SEED + 1
HELD_OUT_SEED = 424242
WINDOW = 512
STRIDE = 256
TUNE_FRACTION = 0.15
EPOCHS = 12
BATCH = 256
LR = 0.02
L2 = 2e-6
TARGET_FPR = 0.01
DATA_STAGES = ("retrieval", "tool_result")

Row = dict[str, Any]


def stage_group(stage: str) -> int:
    return 1 if stage in DATA_STAGES else 0


def load() -> list[Row]:
    with DATA.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def insertion_span(poisoned: str, clean: str) -> tuple[int, int] | None:
    """Where `poisoned` differs from `clean` by one insertion, or None."""
    head = 0
    n = min(len(poisoned), len(clean))
    while head < n and poisoned[head] == clean[head]:
        head += 1
    tail = 0
    while tail < n - head and poisoned[-1 - tail] == clean[-1 - tail]:
        tail += 1
    if len(poisoned) <= len(clean):
        return None
    return head, len(poisoned) - tail


def attach_spans(rows: list[Row]) -> None:
    """Mark where the attack sits in poisoned documents (its clean version is known)."""
    for row, key in zip(rows, group_keys(rows), strict=True):
        if row["label"] == 1 and row.get("clean") is None and key.startswith("doc:"):
            row["clean"] = key[4:]
        clean = row.get("clean")
        if row["label"] == 1 and isinstance(clean, str):
            row["span"] = insertion_span(row["text"].strip(), clean.strip())


def windows_of(row: Row) -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """(feature indices, counts, label, length) per window of a row; ambiguous windows dropped."""
    text = row["text"].strip() if row.get("span") else row["text"]
    feats = F.featurise(text)
    out = []
    span = row.get("span")
    for a, b in F.windows(feats.length, WINDOW, STRIDE):
        label = int(row["label"])
        if label == 1 and span is not None and stage_group(row["stage"]) == 1:
            s, e = span
            overlap = max(0, min(b, e) - max(a, s))
            if overlap >= min(e - s, 60) * 0.9:
                label = 1
            elif overlap == 0:
                label = 0
            else:
                continue
        mask = (feats.position >= a) & (feats.position < b)
        idx, counts = np.unique(feats.index[mask], return_counts=True)
        out.append((idx, counts.astype(np.float32), label, b - a))
    return out


class Matrix:
    """Windows as CSR rows with stage-crossed indices in a 3 x DIM weight space."""

    def __init__(self, rows: list[Row]):
        indptr = [0]
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        labels: list[int] = []
        groups: list[int] = []
        owners: list[int] = []
        made: list[bool] = []
        seen: set[tuple[int, int, bytes]] = set()
        for r_i, row in enumerate(rows):
            g = stage_group(row["stage"])
            for idx, counts, label, length in windows_of(row):
                key = (g, label, idx.tobytes())
                if key in seen and not row.get("keep_duplicates"):
                    continue
                seen.add(key)
                # n-gram counts are scaled by 1/sqrt(total); the length bucket counts once.
                val = np.append(counts / np.sqrt(counts.sum()), np.float32(1.0))
                idx = np.append(idx, F.length_slots(np.array([length]))[0])
                indices.append(np.concatenate([idx, idx + F.DIM * (1 + g)]))
                values.append(np.concatenate([val, val]))
                indptr.append(indptr[-1] + 2 * len(idx))
                labels.append(label)
                groups.append(g)
                owners.append(r_i)
                made.append(str(row.get("source", "")).startswith("generated"))
        self.indptr = np.array(indptr, dtype=np.int64)
        self.indices = np.concatenate(indices).astype(np.int64)
        self.values = np.concatenate(values).astype(np.float32)
        self.y = np.array(labels, dtype=np.float32)
        self.g = np.array(groups, dtype=np.int64)
        self.owner = np.array(owners, dtype=np.int64)
        self.generated = np.array(made, dtype=bool)

    def __len__(self) -> int:
        return len(self.y)

    def batch(self, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        starts, ends = self.indptr[sel], self.indptr[sel + 1]
        lengths = ends - starts
        pos = np.repeat(ends - lengths.cumsum(), lengths) + np.arange(lengths.sum())
        rows = np.repeat(np.arange(len(sel)), lengths)
        return self.indices[pos], self.values[pos], rows

    def logits(self, w: np.ndarray, bias: np.ndarray) -> np.ndarray:
        contrib = w[self.indices] * self.values
        rows = np.repeat(np.arange(len(self)), np.diff(self.indptr))
        return np.bincount(rows, weights=contrib, minlength=len(self)) + bias[self.g]


def train(m: Matrix, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    w = np.zeros(3 * F.DIM, dtype=np.float64)
    bias = np.zeros(2, dtype=np.float64)
    # Balance each stage group's classes so input attacks are not drowned by documents, and
    # within each, the dataset's rows and the generated ones: thousands of templated texts
    # should teach what the dataset lacks, not outvote its real documents.
    sample_w = np.ones(len(m))
    cells = [
        (m.g == g) & (m.y == label) & (m.generated == made)
        for g in (0, 1)
        for label in (0, 1)
        for made in (False, True)
    ]
    used = sum(bool(cell.any()) for cell in cells)
    for cell in cells:
        if cell.any():
            sample_w[cell] = len(m) / (used * cell.sum())
    mw, vw = np.zeros_like(w), np.zeros_like(w)
    mb, vb = np.zeros_like(bias), np.zeros_like(bias)
    step = 0
    for epoch in range(EPOCHS):
        order = rng.permutation(len(m))
        for start in range(0, len(m), BATCH):
            sel = order[start : start + BATCH]
            idx, val, rows = m.batch(sel)
            z = np.bincount(rows, weights=w[idx] * val, minlength=len(sel)) + bias[m.g[sel]]
            p = 1.0 / (1.0 + np.exp(-z))
            r = (p - m.y[sel]) * sample_w[sel]
            gw = np.bincount(idx, weights=val * r[rows], minlength=w.size) / len(sel) + L2 * w
            gb = np.bincount(m.g[sel], weights=r, minlength=2) / len(sel)
            step += 1
            for param, grad, m1, v1 in ((w, gw, mw, vw), (bias, gb, mb, vb)):
                m1 *= 0.9
                m1 += 0.1 * grad
                v1 *= 0.999
                v1 += 0.001 * grad * grad
                param -= LR * (m1 / (1 - 0.9**step)) / (np.sqrt(v1 / (1 - 0.999**step)) + 1e-8)
        z = m.logits(w, bias)
        loss = np.mean(np.logaddexp(0, -z * (2 * m.y - 1)))
        print(f"epoch {epoch + 1}: windows={len(m)} loss={loss:.4f}", file=sys.stderr)
    return w, bias


def doc_logits(rows: list[Row], w: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A text's logit: its most suspicious window, scored as the detector does."""
    from vallum.detectors.injection import score_features

    eff = [(w[: F.DIM] + w[F.DIM * (1 + g) : F.DIM * (2 + g)]).astype(np.float32) for g in (0, 1)]
    out = []
    for row in rows:
        g = stage_group(row["stage"])
        z, _, _ = score_features(F.featurise(row["text"]), eff[g], float(bias[g]), WINDOW, STRIDE)
        out.append(z)
    return np.array(out)


def platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit p = sigmoid(a*z + b) by Newton's method."""
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(a * z + b)))
        ga, gb = np.sum((p - y) * z), np.sum(p - y)
        s = p * (1 - p) + 1e-9
        h = np.array([[np.sum(s * z * z) + 1e-6, np.sum(s * z)], [np.sum(s * z), np.sum(s) + 1e-6]])
        da, db = np.linalg.solve(h, [ga, gb])
        a, b = a - da, b - db
        if abs(da) + abs(db) < 1e-9:
            break
    return float(a), float(b)


def auc(scores: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = y == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def report(name: str, rows: list[Row], probs: np.ndarray, threshold: float) -> dict[str, Any]:
    y = np.array([r["label"] for r in rows])
    by_kind: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_kind[f"{r['kind']} ({r['stage']})"].append(i)
    print(f"\n== {name}: {len(rows)} rows, threshold {threshold:.2f}, AUC {auc(probs, y):.4f}")
    figures: dict[str, Any] = {"auc": auc(probs, y), "kinds": {}}
    for kind, ids in sorted(by_kind.items()):
        label = rows[ids[0]]["label"]
        rate = float(np.mean(probs[ids] >= threshold))
        what = "TPR" if label == 1 else "FPR"
        print(f"  {what} {rate:6.1%}  n={len(ids):4d}  {kind}")
        figures["kinds"][kind] = {"metric": what, "rate": rate, "n": len(ids)}
    pos, neg = probs[y == 1], probs[y == 0]
    figures["tpr"] = float(np.mean(pos >= threshold))
    figures["fpr"] = float(np.mean(neg >= threshold))
    print(f"  overall TPR {figures['tpr']:.1%}  FPR {figures['fpr']:.1%}")
    return figures


def main() -> None:
    rows = load()
    train_rows, val_rows = split_rows(rows, val_fraction=0.2)
    keys = group_keys(train_rows)
    fit = [
        r
        for r, k in zip(train_rows, keys, strict=True)
        if stable_fraction(k, "tune") >= TUNE_FRACTION
    ]
    tune = [
        r
        for r, k in zip(train_rows, keys, strict=True)
        if stable_fraction(k, "tune") < TUNE_FRACTION
    ]
    carriers = sorted({r["text"] for r in fit if r["label"] == 0 and r["stage"] != "input"})
    # The dataset's BIPIA instructions (fitting part only) are planted in short generated data.
    tasks = sorted(
        {r["text"] for r in fit if r["stage"] == "input" and str(r["source"]).startswith("BIPIA")}
    )
    generated = generate(SEED, carriers) + generate_benign.generate(SEED, tasks)
    tune = tune + generate_benign.generate(TUNE_SEED, tasks, benign=800, attacks=300)
    print(
        f"fit={len(fit)} tune={len(tune)} val={len(val_rows)} generated={len(generated)}",
        file=sys.stderr,
    )
    attach_spans(fit)
    for row in generated:
        row.setdefault("source", "generated")
    fit_all = fit + generated
    m = Matrix(fit_all)
    w, bias = train(m, np.random.default_rng(SEED))

    z_tune = doc_logits(tune, w, bias)
    y_tune = np.array([r["label"] for r in tune], dtype=np.float64)
    a, b = platt(z_tune, y_tune)
    p_tune = 1 / (1 + np.exp(-(a * z_tune + b)))
    # Threshold: the lowest that keeps false positives at TARGET_FPR on the tuning slice, on a
    # 0.05 grid, and never below 0.5 (a calibrated "more likely than not"). The dataset's rows
    # and the generated ones are held to it separately, so thousands of easy generated texts
    # cannot hide false positives on the dataset's documents.
    generated_tune = np.array([r.get("source") == "generated" for r in tune])
    threshold = 0.95
    for t in np.arange(0.5, 0.96, 0.05):
        fprs = [
            np.mean(p_tune[(y_tune == 0) & (generated_tune == part)] >= t) for part in (False, True)
        ]
        if max(fprs) <= TARGET_FPR:
            threshold = float(round(t, 2))
            break
    report("tuning slice (from the training split)", tune, p_tune, threshold)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT,
        w_shared=w[: F.DIM].astype(np.float16),
        w_input=w[F.DIM : 2 * F.DIM].astype(np.float16),
        w_data=w[2 * F.DIM :].astype(np.float16),
        bias=bias.astype(np.float32),
        platt=np.array([a, b], dtype=np.float32),
        threshold=np.array(threshold, dtype=np.float32),
        window=np.array([WINDOW, STRIDE], dtype=np.int64),
        bits=np.array(F.BITS, dtype=np.int64),
    )
    print(f"\nwrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e6:.2f} MB)")

    from vallum.detectors.injection import InjectionDetector
    from vallum.model import Stage

    detector = InjectionDetector()
    p_val = np.array([detector.score(r["text"], Stage(r["stage"])) for r in val_rows])
    report("validation split (held out)", val_rows, p_val, threshold)

    held = generate_benign.generate(HELD_OUT_SEED, held_out=True, benign=2000, attacks=1000)
    p_held = np.array([detector.score(r["text"], Stage(r["stage"])) for r in held])
    report("generated, held-out templates and fillers", held, p_held, threshold)
    for row in held:
        size = len(str(row["text"]))
        row["kind"] = "benign" if row["label"] == 0 else "attack"
        row["kind"] += " <48" if size < 48 else " <200" if size < 200 else " >=200"
    report("generated held-out, by length", held, p_held, threshold)


if __name__ == "__main__":
    main()
