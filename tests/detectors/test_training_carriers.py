"""The training option `--carriers` (training/): hard positives paired with their clean carriers.

Off, the generated rows are exactly what they were. On, every planted hard positive records its
carrier, the carrier follows it as a benign twin of the same stage, and training weighs the
twin like its family's poisoned windows.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

TRAINING = Path(__file__).resolve().parents[2] / "training"
sys.path.insert(0, str(TRAINING))

generate_benign: Any = pytest.importorskip("generate_benign")
injection_fit: Any = pytest.importorskip("injection_fit")


def _rows(carriers: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = generate_benign.generate(
        7, ["Summarise the report."], benign=40, attacks=160, carriers=carriers
    )
    return rows


def test_off_changes_nothing_and_on_only_adds_twins() -> None:
    off, on = _rows(False), _rows(True)
    assert not any("clean" in r or r.get("twin") for r in off)
    stripped = [{k: v for k, v in r.items() if k != "clean"} for r in on if not r.get("added")]
    assert stripped == off  # the same random draws: every other row is unchanged
    assert sum(1 for r in on if r.get("twin")) > 20


def test_each_twin_is_the_carrier_of_the_row_before_it() -> None:
    rows = _rows(True)
    for i, row in enumerate(rows):
        if not row.get("twin"):
            continue
        poisoned = rows[i - 1]
        assert row["label"] == 0 and poisoned["label"] == 1
        assert row["stage"] == poisoned["stage"]
        assert poisoned["clean"] == row["text"] != poisoned["text"]
        # one insertion: cutting the span out of the poisoned text gives the carrier back,
        # up to the separators the planting added
        span = injection_fit.insertion_span(poisoned["text"], row["text"])
        assert span is not None
        s, e = span
        rest = poisoned["text"][:s] + poisoned["text"][e:]
        assert rest.split() == row["text"].split()


def test_twins_weigh_what_their_family_poisoned_windows_weigh() -> None:
    rows = _rows(True)
    for r in rows:
        r["family"] = "data_hard_positives" if r["label"] == 1 or r.get("twin") else "records"
        r["source"] = "generated"
    data = injection_fit.featurise(rows)
    windows = np.arange(len(data.y))
    w = injection_fit._sample_weights(data, windows)
    twin = np.array([bool(rows[o].get("twin")) for o in data.owner])
    assert twin.any()
    for g in (0, 1):
        sel = twin & (data.g == g)
        pos = (data.y == 1) & (data.g == g)
        if sel.any():
            assert np.allclose(w[sel], w[pos].mean())
    # without twins the twin rule is silent: weights are the plain cell balance
    plain = [dict(r, twin=False) for r in rows]
    w_plain = injection_fit._sample_weights(injection_fit.featurise(plain), windows)
    assert not np.allclose(w_plain[twin], w[twin])
