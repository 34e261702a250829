"""A deterministic train / validation split for labelled text rows.

Rows are assigned by a stable hash (BLAKE2b, not Python's salted `hash()`) of a group key, so the
split is the same on every machine and run, and a row never changes side when other rows are
added. Rows that share an underlying document are grouped: BIPIA rows hold a clean document and
the same document with an attack inserted at its start, middle or end, and those versions must
not straddle the split (a model would recognise the document rather than the attack).

Grouping works without knowing the attacks: a poisoned row is the clean document with one piece
inserted, so it shares the clean text's start (attack at the end), its end (attack at the start)
or both (attack in the middle). Each poisoned BIPIA row is matched to the clean row whose
first or last `EDGE_CHARS` characters it shares and whose whole text it contains apart from one
insertion; its group is that clean text. Unmatched rows, and rows from other sources, are grouped
by their own exact text, so duplicates stay together.

    >>> train, val = split_rows(rows, val_fraction=0.2)
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

EDGE_CHARS = 64
INSERT_SLACK = 4
GROUPED_SOURCES_PREFIX = "BIPIA/"

Row = TypeVar("Row", bound=Mapping[str, Any])


def stable_fraction(key: str, salt: str = "vallum-split-v1") -> float:
    """A number in [0, 1) fixed by `key`: the same on every platform and run."""
    digest = hashlib.blake2b(f"{salt}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _contains_with_one_insertion(poisoned: str, clean: str) -> bool:
    """Whether `poisoned` is `clean` with one piece of text inserted somewhere."""
    head = _common_prefix(poisoned, clean)
    tail = _common_prefix(poisoned[::-1], clean[::-1])
    return len(poisoned) > len(clean) and head + tail >= len(clean) - INSERT_SLACK


def group_keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """One group key per row; rows with the same key must land on the same side."""
    is_doc = [
        str(r.get("source", "")).startswith(GROUPED_SOURCES_PREFIX)
        and str(r.get("stage", "")) != "input"
        for r in rows
    ]
    by_prefix: dict[str, list[str]] = defaultdict(list)
    by_suffix: dict[str, list[str]] = defaultdict(list)
    for row, doc in zip(rows, is_doc, strict=True):
        if doc and int(row.get("label", 0)) == 0:
            text = str(row["text"]).strip()
            by_prefix[text[:EDGE_CHARS]].append(text)
            by_suffix[text[-EDGE_CHARS:]].append(text)
    keys = []
    for row, doc in zip(rows, is_doc, strict=True):
        text = str(row["text"]).strip()
        key = "text:" + text
        if doc:
            if int(row.get("label", 0)) == 0:
                key = "doc:" + text
            else:
                candidates = sorted(
                    set(by_prefix.get(text[:EDGE_CHARS], ()))
                    | set(by_suffix.get(text[-EDGE_CHARS:], ()))
                )
                for clean in candidates:
                    if _contains_with_one_insertion(text, clean):
                        key = "doc:" + clean
                        break
        keys.append(key)
    return keys


def split_rows(rows: Sequence[Row], val_fraction: float = 0.2) -> tuple[list[Row], list[Row]]:
    """Split rows into (train, validation), deterministically and grouped by document."""
    if not 0.0 <= val_fraction <= 1.0:
        raise ValueError(f"val_fraction must be in [0, 1], got {val_fraction}")
    train: list[Row] = []
    val: list[Row] = []
    for row, key in zip(rows, group_keys(rows), strict=True):
        (val if stable_fraction(key) < val_fraction else train).append(row)
    return train, val
