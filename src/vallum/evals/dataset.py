"""Labelled text datasets (JSONL as in shared/datasets) run through the engine.

A row counts as flagged when the engine's action is not `allow`. Each row gets a fresh session and
the principal `user:eval`, so rows never influence each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.exceptions import InputError
from vallum.model import Action, Event, Principal, Stage
from vallum.sessions.store import MemorySessionStore

EVAL_PRINCIPAL = Principal("user", "eval")


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    label: int
    stage: Stage
    source: str
    kind: str = ""


@dataclass(slots=True)
class SourceTally:
    source: str
    label: int
    n: int = 0
    flagged: int = 0


@dataclass(slots=True)
class EvalResult:
    tp: int = 0
    fp: int = 0
    positives: int = 0
    negatives: int = 0
    by_source: dict[tuple[str, int], SourceTally] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.positives + self.negatives

    @property
    def tpr(self) -> float:
        return self.tp / self.positives if self.positives else 0.0

    @property
    def fpr(self) -> float:
        return self.fp / self.negatives if self.negatives else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tpr": round(self.tpr, 4),
            "fpr": round(self.fpr, 4),
            "n": self.n,
            "sources": [
                {"source": t.source, "label": t.label, "n": t.n, "flagged": t.flagged}
                for t in sorted(self.by_source.values(), key=lambda t: (t.source, t.label))
            ],
        }


def read_rows(path: Path) -> Iterator[Row]:
    """Rows of a JSONL dataset; a malformed line raises `InputError` naming file and line."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read dataset {path}: {exc.strerror}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                yield Row(
                    text=str(raw["text"]),
                    label=int(raw["label"]),
                    stage=Stage(raw.get("stage", "input")),
                    source=str(raw.get("source", "")),
                    kind=str(raw.get("kind", "")),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"{path}:{number}: bad dataset row ({exc})") from exc


def _event(row: Row, index: int) -> Event:
    source = "eval" if row.stage is Stage.RETRIEVAL else None
    return Event(row.stage, EVAL_PRINCIPAL, f"eval-{index}", text=row.text, source=source)


def evaluate_rows(
    bundle: Bundle, rows: list[Row], progress: Callable[[int], None] | None = None
) -> EvalResult:
    """Run every row through a fresh engine (no evidence: evaluations do not fill the audit log)."""
    engine = Engine(bundle, evidence=None, sessions=MemorySessionStore(max_sessions=16))
    result = EvalResult()
    for index, row in enumerate(rows):
        flagged = engine.evaluate(_event(row, index)).action is not Action.ALLOW
        tally = result.by_source.setdefault(
            (row.source, row.label), SourceTally(row.source, row.label)
        )
        tally.n += 1
        tally.flagged += flagged
        if row.label:
            result.positives += 1
            result.tp += flagged
        else:
            result.negatives += 1
            result.fp += flagged
        if progress is not None:
            progress(1)
    return result
