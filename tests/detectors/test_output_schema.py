"""Output schema detector: output must be JSON valid against a JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vallum.detectors.base import DetectorSetup
from vallum.detectors.output_schema import OutputSchemaDetector
from vallum.exceptions import DetectorError
from vallum.model import Stage

SCHEMA = {
    "type": "object",
    "required": ["intent", "confidence"],
    "properties": {
        "intent": {"enum": ["refund", "question", "complaint"]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}


def detector(raw: dict[str, object], setup: DetectorSetup | None = None) -> OutputSchemaDetector:
    return OutputSchemaDetector(OutputSchemaDetector.parse_options(raw), setup)


def details(text: str) -> list[str]:
    return [f.detail for f in detector({"schema": SCHEMA}).detect(text, Stage.OUTPUT)]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("Sure, here is the answer", ["output is not JSON (line 1)"]),
        ('{"intent": "refund"}', ["output fails schema at /: 'required' constraint"]),
        (
            '{"intent": "hack", "confidence": 0.5}',
            ["output fails schema at /intent: 'enum' constraint"],
        ),
        (
            '{"intent": "refund", "confidence": 0.5, "tags": ["a", 3]}',
            ["output fails schema at /tags/1: 'type' constraint"],
        ),
        (
            '{"intent": "refund", "confidence": 2}',
            ["output fails schema at /confidence: 'maximum' constraint"],
        ),
    ],
)
def test_invalid(payload: str, expected: list[str]) -> None:
    """Non-JSON or invalid output gives one finding naming the first failing path."""
    assert expected == details(payload)


@pytest.mark.parametrize(
    "payload",
    [
        '{"intent": "refund", "confidence": 0.9}',
        '  {"intent": "question", "confidence": 0, "tags": []}\n',
        '```json\n{"intent": "complaint", "confidence": 0.3}\n```',
        'Here it is:\n```json\n{"intent": "refund", "confidence": 1}\n```',
    ],
)
def test_valid(payload: str) -> None:
    """Valid JSON, bare or in a ```json fence, gives no finding."""
    assert [] == details(payload)


def test_detail_has_no_values() -> None:
    """The detail names the location and keyword, not the offending value."""
    [detail] = details('{"intent": "SECRET-VALUE", "confidence": 0.5}')
    assert "SECRET-VALUE" not in detail


def test_schema_file(tmp_path: Path) -> None:
    """`schema_file` is read relative to the bundle directory."""
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "s.json").write_text(json.dumps(SCHEMA))
    det = detector({"schema_file": "schemas/s.json"}, DetectorSetup(base_dir=str(tmp_path)))
    assert [] == det.detect('{"intent": "refund", "confidence": 1}', Stage.OUTPUT)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"schema": {"type": "nonsense"}}, "invalid JSON Schema"),
        ({"schema_file": "missing.json"}, "cannot read schema_file"),
        ({}, "exactly one"),
        ({"schema": SCHEMA, "schema_file": "s.json"}, "exactly one"),
    ],
)
def test_bad_configuration(raw: dict[str, object], message: str) -> None:
    """A bad schema, a missing file or an ambiguous setting fails at construction."""
    with pytest.raises(DetectorError, match=message):
        detector(raw)
