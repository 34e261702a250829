"""Every text the injection model is fitted, tuned and validated on, for equivalence tests that
hold a faster detector to its previous version on real data (all the detectors use it: it is
the project's one large corpus of ordinary and hostile text)."""

from __future__ import annotations

import importlib.util
import json
import os
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from vallum.evals.attacks import attack_library
from vallum.evals.splits import group_keys, split_rows, stable_fraction

DATASET = Path(
    os.environ.get("VALLUM_INJECTION_DATA", "/work/shared/datasets/injection_train.jsonl")
)
TRAINING = Path(__file__).resolve().parents[2] / "training"
# As in training/train_injection.py: its seeds, tuning fraction and generated sets.
SEED, TUNE_SEED, HELD_OUT_SEED, TUNE_FRACTION = 20240607, 20240608, 424242, 0.15


def _generator(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_vallum_training_{name}", TRAINING / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def training_texts() -> tuple[str, ...]:
    """Every text the model is fitted, tuned and validated on: the dataset (training and
    validation splits) and the generated sets, built as training/train_injection.py builds them,
    plus the project's attack library."""
    if not DATASET.exists():
        pytest.skip(f"dataset {DATASET} not found")
    rows = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line]
    texts = [row["text"] for row in rows]
    train, _ = split_rows(rows, val_fraction=0.2)
    keys = group_keys(train)
    fit = [
        r for r, k in zip(train, keys, strict=True) if stable_fraction(k, "tune") >= TUNE_FRACTION
    ]
    carriers = sorted({r["text"] for r in fit if r["label"] == 0 and r["stage"] != "input"})
    tasks = sorted(
        {r["text"] for r in fit if r["stage"] == "input" and str(r["source"]).startswith("BIPIA")}
    )
    attacks, benign = _generator("generate_attacks.py"), _generator("generate_benign.py")
    generated = [
        *attacks.generate(SEED, carriers),
        *benign.generate(SEED, tasks),
        *benign.generate(TUNE_SEED, tasks, benign=800, attacks=300),
        *benign.generate(HELD_OUT_SEED, held_out=True, benign=2000, attacks=1000),
    ]
    texts += [row["text"] for row in generated]
    texts += [step.text for case in attack_library() for step in case.steps if step.text]
    return tuple(dict.fromkeys(texts))
