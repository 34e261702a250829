"""Fitting the injection model: windows as sparse rows, stage-crossed logistic regression.

Features are computed once per row (`Featurised`), so leave-one-family-out can refit the model
many times on subsets without featurising again. Weights: w_shared + w_input for stage input,
w_shared + w_data for documents and tool results. Texts are scored in windows; in training a
poisoned document's windows are labelled positive only where they hold the inserted attack.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from vallum.detectors import injection_features as F
from vallum.detectors.injection import score_features

WINDOW = 512
STRIDE = 256
EPOCHS = 10
BATCH = 256
LR = 0.02
L2 = 2e-6
DATA_STAGES = ("retrieval", "tool_result")

Row = dict[str, Any]


def stage_group(stage: str) -> int:
    return 1 if stage in DATA_STAGES else 0


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


def _windows(row: Row, feats: F.Features) -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """(feature indices, counts, label, length) per window of a row; ambiguous windows dropped."""
    assert feats.position is not None
    out = []
    clean = row.get("clean")
    span = None
    if row["label"] == 1 and isinstance(clean, str) and stage_group(row["stage"]) == 1:
        span = insertion_span(row["text"], clean)
    for a, b in F.windows(feats.length, WINDOW, STRIDE):
        label = int(row["label"])
        if span is not None:
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


@dataclass
class Featurised:
    """Rows featurised once: their features and their training windows as CSR rows."""

    rows: list[Row]
    feats: list[F.Features]
    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    y: np.ndarray
    g: np.ndarray
    owner: np.ndarray


def featurise(rows: list[Row]) -> Featurised:
    indptr, indices, values = [0], [], []
    labels: list[int] = []
    groups: list[int] = []
    owners: list[int] = []
    feats_all = []
    seen: set[tuple[str, int, int, bytes]] = set()
    for r_i, row in enumerate(rows):
        feats = F.featurise(row["text"])
        feats_all.append(feats)
        g = stage_group(row["stage"])
        for idx, counts, label, length in _windows(row, feats):
            key = (str(row.get("family")), g, label, idx.tobytes())
            if key in seen:
                continue
            seen.add(key)
            # Counts are scaled by 1/sqrt(total) within each group (hashed n-grams; structure;
            # the other intent features: lexicon, heuristics), as the detector scores a window; the
            # length bucket counts once.
            val = np.empty(len(counts), dtype=np.float32)
            for part in F.feature_groups(idx):
                if part.any():
                    val[part] = counts[part] / np.sqrt(counts[part].sum())
            val = np.append(val, np.float32(1.0))
            idx = np.append(idx, F.length_slots(np.array([length]))[0])
            indices.append(np.concatenate([idx, idx + F.DIM * (1 + g)]))
            values.append(np.concatenate([val, val]))
            indptr.append(indptr[-1] + 2 * len(idx))
            labels.append(label)
            groups.append(g)
            owners.append(r_i)
    return Featurised(
        rows,
        feats_all,
        np.array(indptr, dtype=np.int64),
        np.concatenate(indices).astype(np.int64),
        np.concatenate(values).astype(np.float32),
        np.array(labels, dtype=np.float32),
        np.array(groups, dtype=np.int64),
        np.array(owners, dtype=np.int64),
    )


def _sample_weights(data: Featurised, windows: np.ndarray) -> np.ndarray:
    """Balance stage group x label, then dataset vs generated, then families (square root)."""
    fam = np.array([str(data.rows[o].get("family")) for o in data.owner[windows]])
    made = np.array(
        [str(data.rows[o].get("source", "")).startswith("generated") for o in data.owner[windows]]
    )
    y, g = data.y[windows], data.g[windows]
    w = np.zeros(len(windows))
    cells = [(gg, lab, m) for gg in (0, 1) for lab in (0.0, 1.0) for m in (False, True)]
    used = [c for c in cells if np.any((g == c[0]) & (y == c[1]) & (made == c[2]))]
    for gg, lab, m in used:
        cell = (g == gg) & (y == lab) & (made == m)
        names, counts = np.unique(fam[cell], return_counts=True)
        per = {n: 1.0 / np.sqrt(c) for n, c in zip(names, counts, strict=True)}
        raw = np.array([per[f] for f in fam[cell]])
        w[cell] = raw / raw.sum() * len(windows) / len(used)
    # A clean carrier marked `twin` (train_injection.py --carriers) weighs what its family's
    # poisoned windows of the same stage group weigh on average: the pair teaches the difference.
    twin = np.array([bool(data.rows[o].get("twin")) for o in data.owner[windows]])
    for f, gg in {(f, gg) for f, gg in zip(fam[twin], g[twin], strict=True)}:
        pos = (fam == f) & (g == gg) & (y == 1)
        if pos.any():
            w[twin & (fam == f) & (g == gg)] = w[pos].mean()
    return w


def train(
    data: Featurised,
    windows: np.ndarray,
    epochs: int = EPOCHS,
    seed: int = 0,
    quiet: bool = False,
    batch: int = BATCH,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit on the given windows (indices into `data`); returns (w, bias)."""
    rng = np.random.default_rng(seed)
    w = np.zeros(3 * F.DIM, dtype=np.float64)
    bias = np.zeros(2, dtype=np.float64)
    sample_w = _sample_weights(data, windows)
    mw, vw = np.zeros_like(w), np.zeros_like(w)
    mb, vb = np.zeros_like(bias), np.zeros_like(bias)
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(len(windows))
        for start in range(0, len(windows), batch):
            pick = order[start : start + batch]
            sel = windows[pick]
            starts, ends = data.indptr[sel], data.indptr[sel + 1]
            lengths = ends - starts
            pos = np.repeat(ends - lengths.cumsum(), lengths) + np.arange(lengths.sum())
            rows = np.repeat(np.arange(len(sel)), lengths)
            idx, val = data.indices[pos], data.values[pos]
            z = np.bincount(rows, weights=w[idx] * val, minlength=len(sel)) + bias[data.g[sel]]
            p = 1.0 / (1.0 + np.exp(-z))
            r = (p - data.y[sel]) * sample_w[pick]
            # Lazy Adam: only the weights this batch touches move (and decay), which keeps a
            # step proportional to the batch rather than to the 3 x 2^18 weight space.
            # (A dense bincount and its non-zeros: linear, where np.unique sorted the batch.)
            full = np.bincount(idx, weights=val * r[rows], minlength=len(w))
            u = np.flatnonzero(full)
            gu = full[u] / len(sel) + L2 * w[u]
            gb = np.bincount(data.g[sel], weights=r, minlength=2) / len(sel)
            step += 1
            c1, c2 = 1 - 0.9**step, 1 - 0.999**step
            mw[u] = 0.9 * mw[u] + 0.1 * gu
            vw[u] = 0.999 * vw[u] + 0.001 * gu * gu
            w[u] -= LR * (mw[u] / c1) / (np.sqrt(vw[u] / c2) + 1e-8)
            mb[:] = 0.9 * mb + 0.1 * gb
            vb[:] = 0.999 * vb + 0.001 * gb * gb
            bias -= LR * (mb / c1) / (np.sqrt(vb / c2) + 1e-8)
        if not quiet:
            print(f"  epoch {epoch + 1}/{epochs}: windows={len(windows)}", file=sys.stderr)
    return w, bias


def effective(w: np.ndarray) -> list[np.ndarray]:
    """The per-stage-group weight vectors the detector uses (float32, as shipped)."""
    return [
        (w[: F.DIM].astype(np.float16).astype(np.float32)
         + w[F.DIM * (1 + g) : F.DIM * (2 + g)].astype(np.float16).astype(np.float32))
        for g in (0, 1)
    ]  # fmt: skip


def row_logits(data: Featurised, rows: np.ndarray, w: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Each row's logit: its most suspicious window, scored as the detector does."""
    eff = effective(w)
    out = np.empty(len(rows))
    for k, r_i in enumerate(rows):
        g = stage_group(data.rows[r_i]["stage"])
        out[k] = score_features(data.feats[r_i], eff[g], float(bias[g]), WINDOW, STRIDE)[0]
    return out


def platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit p = sigmoid(a*z + b) by Newton's method."""
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(a * z + b, -60, 60)))
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
