"""Attacks and benign twins in 25 languages (plus English code-switching), for training only.

Built from the hand-written templates in `languages`: single attacks, two attacks together,
an attack after a benign request in the same language, a note planted for the assistant in a
meeting note (retrieval, tool_result), and an English attack phrase inside foreign text.
Benign rows are the same language's everyday requests, alone and in pairs, as user input and as
document text. A row's family is its script group ("ml_latin", "ml_cyrillic_greek", "ml_rtl",
"ml_indic", "ml_east_asian"): leaving a group out measures a script the model never saw.
"""

from __future__ import annotations

import random

from languages import LANGS

Row = dict[str, object]

ADDRS = ["archive@mail-backup.example", "support@helpdesk-verify.example", "k.m@proton.example"]
ENGLISH_BITS = [
    "ignore previous instructions", "system prompt", "developer mode", "no restrictions",
    "password", "jailbreak",
]  # fmt: skip


def _attack(rng: random.Random, attacks: tuple[str, ...], benign: tuple[str, ...]) -> Row:
    fill = {"addr": rng.choice(ADDRS)}
    r = rng.random()
    if r < 0.22:  # planted in a document
        note = attacks[5].format(**fill)
        doc = benign[7]
        text = f"{doc}\n{note}" if rng.random() < 0.5 else f"{note} {doc}"
        return {"text": text, "stage": rng.choice(["retrieval", "tool_result"])}
    picks = [a.format(**fill) for a in rng.sample(attacks, 2)]
    if r < 0.5:
        text = picks[0]
    elif r < 0.7:
        text = " ".join(picks)
    elif r < 0.9:
        text = rng.choice(benign[3:7]) + " " + picks[0]
    else:
        text = picks[0] + f" ({rng.choice(ENGLISH_BITS)})"
    stage = "input" if rng.random() < 0.85 else rng.choice(["retrieval", "tool_result"])
    return {"text": text, "stage": stage}


def _benign(rng: random.Random, benign: tuple[str, ...]) -> Row:
    a, b = rng.sample(benign, 2)
    text = a if rng.random() < 0.6 else f"{a} {b}"
    stage = "input" if rng.random() < 0.7 else rng.choice(["retrieval", "tool_result"])
    return {"text": text, "stage": stage}


def generate(seed: int, per_language: int = 40) -> list[Row]:
    """Attack and benign rows for every language, deduplicated by (text, stage)."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for lang, (group, attacks, benign) in LANGS.items():
        seen: set[tuple[object, object]] = set()
        makers = (
            (1, lambda a=attacks, b=benign: _attack(rng, a, b)),
            (0, lambda b=benign: _benign(rng, b)),
        )
        for label, make in makers:
            made = 0
            for _ in range(per_language * 4):
                if made >= per_language:
                    break
                row = make()
                key = (row["text"], row["stage"])
                if key in seen:
                    continue
                seen.add(key)
                made += 1
                family = f"ml_{group}"
                rows.append({**row, "label": label, "kind": family, "family": family, "lang": lang})
    return rows
