"""Resolving `vallum eval DIR SUITE...` arguments into labelled cases and scenarios.

A SUITE is a JSONL dataset (`{text, label, stage, source, kind}` rows as in shared/datasets), a
CSV file (columns named by a mapping such as `text=prompt,label=is_attack`), a YAML scenario file
or a directory of them, or `builtin:attacks` for the attack library.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vallum.evals.attacks import BUILTIN_NAME, attack_library
from vallum.evals.cases import Case, text_case
from vallum.evals.dataset import read_rows
from vallum.evals.scenarios import (
    SCENARIO_SUFFIXES,
    LoadedScenario,
    load_scenarios,
    scenario_files,
)
from vallum.exceptions import EvalError, InputError
from vallum.model import Stage

CSV_FIELDS = ("text", "label", "stage", "source", "kind")
_TRUE = {"1", "true", "yes", "y", "attack", "injection", "malicious", "positive", "unsafe"}
_FALSE = {"0", "false", "no", "n", "benign", "safe", "negative", "clean"}


@dataclass(slots=True)
class Loaded:
    cases: list[Case] = field(default_factory=list)
    scenarios: list[LoadedScenario] = field(default_factory=list)


def parse_columns(spec: str | None) -> dict[str, str]:
    """`text=prompt,label=is_attack` -> {"text": "prompt", "label": "is_attack"}."""
    mapping = {name: name for name in CSV_FIELDS}
    if not spec:
        return mapping
    for part in spec.split(","):
        key, sep, column = part.partition("=")
        key, column = key.strip(), column.strip()
        if not sep or key not in CSV_FIELDS or not column:
            raise EvalError(
                f"column mapping {part!r} must be FIELD=COLUMN with FIELD one of {', '.join(CSV_FIELDS)}"
            )
        mapping[key] = column
    return mapping


def load_suites(suites: list[str], columns: Mapping[str, str] | None = None) -> Loaded:
    """Every case and scenario the named suites hold, in the order given."""
    loaded = Loaded()
    for spec in suites:
        if spec == BUILTIN_NAME:
            loaded.cases += attack_library()
            continue
        path = Path(spec)
        if not path.exists():
            raise EvalError(f"suite {spec!r} not found (a file, a directory or {BUILTIN_NAME})")
        if path.is_dir() or path.suffix in SCENARIO_SUFFIXES:
            for file in scenario_files(path):
                loaded.scenarios += load_scenarios(file)
        elif path.suffix == ".jsonl":
            loaded.cases += jsonl_cases(path)
        elif path.suffix == ".csv":
            loaded.cases += csv_cases(path, columns or parse_columns(None))
        else:
            raise EvalError(f"suite {spec!r}: unknown format (use .jsonl, .csv, .yaml or a folder)")
    return loaded


def jsonl_cases(path: Path) -> list[Case]:
    try:
        rows = list(read_rows(path))
    except InputError as exc:
        raise EvalError(str(exc)) from exc
    return [
        text_case(
            f"{path.stem}-{i}",
            path.stem,
            r.kind or r.source or "unknown",
            r.label,
            r.stage,
            r.text,
            r.source,
        )
        for i, r in enumerate(rows)
    ]


def csv_cases(path: Path, columns: Mapping[str, str]) -> list[Case]:
    """Rows of a CSV file; `columns` maps each field to its column (text and label required)."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise EvalError(f"cannot read dataset {path}: {exc.strerror}") from exc
    out = []
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        for needed in ("text", "label"):
            if columns[needed] not in header:
                raise EvalError(
                    f"{path}: no column {columns[needed]!r} for {needed} (columns: {', '.join(header)};"
                    " map one with --columns text=COLUMN,label=COLUMN)"
                )
        for number, row in enumerate(reader, start=2):
            label = _label(row[columns["label"]], path, number)
            stage_raw = (row.get(columns["stage"]) or "input").strip()
            try:
                stage = Stage(stage_raw)
            except ValueError:
                raise EvalError(f"{path}:{number}: unknown stage {stage_raw!r}") from None
            source = (row.get(columns["source"]) or "").strip()
            kind = (row.get(columns["kind"]) or "").strip() or source or path.stem
            text = row[columns["text"]] or ""
            out.append(
                text_case(f"{path.stem}-{number}", path.stem, kind, label, stage, text, source)
            )
    return out


def _label(raw: str | None, path: Path, line: int) -> int:
    value = (raw or "").strip().lower()
    if value in _TRUE:
        return 1
    if value in _FALSE:
        return 0
    raise EvalError(
        f"{path}:{line}: label {raw!r} is neither positive nor negative (1/0, true/false)"
    )
