"""Canonical JSON: orjson writes what the standard library wrote, except where documented, and
falls back to the standard library's form for what orjson refuses."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.evidence.chain import canonical_bytes, canonical_json, link_hash
from vallum.evidence.log import StoredRecord
from vallum.exceptions import EvidenceError
from vallum.model import Event, Principal, Stage, ToolCall


def old_canonical(record: dict[str, Any]) -> str:
    """The encoder every record was written with before orjson."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


TEXT = st.text(st.characters(blacklist_categories=("Cs",)))  # any character but a surrogate
FLOATS = st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f == 0 or abs(f) >= 1e-4)
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | FLOATS | TEXT
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5)
)


@given(record=st.dictionaries(TEXT, JSON_VALUES, max_size=8))
def test_orjson_writes_what_the_old_encoder_wrote(record: dict[str, Any]) -> None:
    """For JSON values without tiny floats, non-finite floats or huge integers, the canonical
    text is the old encoder's, byte for byte."""
    assert old_canonical(record) == canonical_json(record)


class _Capture:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def append(self, record: dict[str, Any]) -> StoredRecord:
        self.records.append(record)
        return StoredRecord(0, record["id"], record, "")


@pytest.fixture(scope="module")
def decision_records(example_bundle: Bundle) -> dict[Stage, dict[str, Any]]:
    """One real decision record per stage, from the example bundle."""
    capture = _Capture()
    engine = Engine(example_bundle, evidence=capture)  # type: ignore[arg-type]
    agent = Principal("agent", "bench")
    engine.evaluate(
        Event(Stage.INPUT, agent, "s1", text="Where is my order? It was placed last week.",
              model="gpt-4o-mini", metadata={"role": "user"})
    )  # fmt: skip
    engine.evaluate(
        Event(Stage.OUTPUT, agent, "s1", text="Mail jane.doe@example.com or call +1 415 555 0100 ✓",
              model="gpt-4o-mini", metadata={"role": "assistant"})
    )  # fmt: skip
    engine.evaluate(
        Event(Stage.TOOL_CALL, agent, "s1",
              tool_call=ToolCall("send_email", {"to": "a@b.example", "subject": "Grüße", "body": "x"}))
    )  # fmt: skip
    return {Stage(r["stage"]): r for r in capture.records}


@pytest.mark.parametrize("stage", [Stage.INPUT, Stage.OUTPUT, Stage.TOOL_CALL])
def test_decision_records_are_written_as_before(
    decision_records: dict[Stage, dict[str, Any]], stage: Stage
) -> None:
    """Real decision records (scores, latencies, findings, tool arguments) encode as before."""
    record = decision_records[stage]
    assert old_canonical(record) == canonical_json(record)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"x": 1e-05}, '{"x":0.00001}'),  # the old encoder wrote 1e-05
        ({"x": 0.0001}, '{"x":0.0001}'),  # from 1e-4 up, as before
        ({"x": math.nan, "y": math.inf, "z": -math.inf}, '{"x":null,"y":null,"z":null}'),
        ({"b": 1, "a": "é ✓ 主"}, '{"a":"é ✓ 主","b":1}'),
        ({"c": "\x00\n\u2028"}, '{"c":"\\u0000\\n\u2028"}'),
    ],
)
def test_where_orjson_differs_or_could(record: dict[str, Any], expected: str) -> None:
    """Tiny floats in orjson's notation; NaN and infinities as null; UTF-8 kept, controls
    escaped."""
    assert expected == canonical_json(record)


class _Score(float):
    pass


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"n": 2**64, "x": 1e-05}, '{"n":18446744073709551616,"x":1e-05}'),
        ({"n": -(2**63) - 1}, '{"n":-9223372036854775809}'),
        ({"m": {2: "b", 1: "a"}}, '{"m":{"1":"a","2":"b"}}'),
        ({"s": _Score(0.5)}, '{"s":0.5}'),
    ],
)
def test_what_orjson_refuses_is_written_by_the_old_encoder(
    record: dict[str, Any], expected: str
) -> None:
    """Integers beyond 64 bits, non-string keys and float subclasses: the whole record in the
    standard library's form (tiny floats included)."""
    assert (expected, expected) == (canonical_json(record), old_canonical(record))


@pytest.mark.parametrize(
    "record",
    [
        {"id": "r1", "x": object()},
        {"id": "r1", "x": "\ud800"},  # a lone surrogate has no UTF-8 form
        {"id": "r1", "m": {1: "a", "b": 2}},  # mixed keys cannot be sorted
    ],
    ids=["object", "surrogate", "mixed-keys"],
)
def test_a_record_neither_encoder_writes_is_an_evidence_error(record: dict[str, Any]) -> None:
    """What is not JSON raises EvidenceError naming the record, not a driver or type error."""
    with pytest.raises(EvidenceError, match="evidence record 'r1' is not JSON"):
        canonical_bytes(record)


def test_link_hash_is_over_the_text_as_utf8() -> None:
    """The hash takes text or its UTF-8 bytes alike: sha256 of previous hash, newline, text."""
    prev, text = "ab" * 32, '{"a":"é ✓"}'
    expected = hashlib.sha256(f"{prev}\n{text}".encode()).hexdigest()
    assert [expected, expected] == [link_hash(prev, text), link_hash(prev, text.encode())]
