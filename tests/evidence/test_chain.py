"""Canonical JSON for evidence: RFC 8785 (schema 2), which differs from the encoders of schema 1
only in numbers and in the order of keys beyond U+E000; NaN as null; what is not JSON refused."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.evidence.chain import canonical_bytes, canonical_json, link_hash
from vallum.evidence.log import StoredRecord
from vallum.exceptions import EvidenceError
from vallum.model import Event, Principal, Stage, ToolCall


def old_canonical(record: dict[str, Any]) -> str:
    """The encoder records were written with before orjson (schema 1)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def orjson_canonical(record: dict[str, Any]) -> str:
    """The encoder records were written with after it, before RFC 8785 (schema 1)."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()


# Any character but a surrogate; keys also below U+E000, where code point order is UTF-16's.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)))
KEYS = st.text(st.characters(blacklist_categories=("Cs",), max_codepoint=0xDFFF))
NO_FLOATS = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | TEXT
JSON_WITHOUT_FLOATS = st.recursive(
    NO_FLOATS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5)
)


@given(record=st.dictionaries(KEYS, JSON_WITHOUT_FLOATS, max_size=8))
def test_without_floats_schema_2_writes_what_schema_1_wrote(record: dict[str, Any]) -> None:
    """Strings, integers (64-bit included), booleans and nulls under keys below U+E000 are
    written byte for byte as both earlier encoders wrote them."""
    expected = canonical_json(record)
    assert (expected, expected) == (old_canonical(record), orjson_canonical(record))


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
def test_decision_records_are_written_as_rfc8785(
    decision_records: dict[Stage, dict[str, Any]], stage: Stage
) -> None:
    """Real decision records (scores, latencies, findings, tool arguments) encode as the
    reference RFC 8785 implementation does, and read back as the same values."""
    record = decision_records[stage]
    text = canonical_json(record)
    assert (rfc8785.dumps(record).decode(), record) == (text, json.loads(text))


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"x": 0.0, "y": 1.0, "z": -0.0}, '{"x":0,"y":1,"z":0}'),  # schema 1: 0.0, 1.0, -0.0
        ({"x": 1e-05}, '{"x":0.00001}'),  # the json encoder wrote 1e-05
        ({"x": 1e-06, "y": 1e-07}, '{"x":0.000001,"y":1e-7}'),  # orjson wrote 1e-6
        ({"x": 1e16}, '{"x":10000000000000000}'),  # orjson wrote 1e+16, json 1e+16
        ({"x": math.nan, "y": math.inf, "z": -math.inf}, '{"x":null,"y":null,"z":null}'),
        ({"b": 1, "a": "é ✓ 主"}, '{"a":"é ✓ 主","b":1}'),
        ({"c": "\x00\n\u2028\x7f"}, '{"c":"\\u0000\\n\u2028\x7f"}'),
        ({"\U0001f600": 1, "\ufb01": 2}, '{"\U0001f600":1,"\ufb01":2}'),  # UTF-16 order
    ],
)
def test_rfc8785_forms(record: dict[str, Any], expected: str) -> None:
    """Numbers as ECMAScript writes them (whole floats without `.0`); NaN and infinities as
    null; UTF-8 kept, controls escaped; keys in UTF-16 order."""
    assert expected == canonical_json(record)


class _Score(float):
    pass


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"n": 2**64, "x": 1e-05}, '{"n":18446744073709551616,"x":0.00001}'),
        ({"n": -(2**63) - 1}, '{"n":-9223372036854775809}'),
        ({"n": 2**53 + 1}, '{"n":9007199254740993}'),
        ({"s": _Score(0.5)}, '{"s":0.5}'),
    ],
)
def test_huge_integers_and_float_subclasses(record: dict[str, Any], expected: str) -> None:
    """Integers beyond a double's exact range keep their exact digits (RFC 8785 would refuse
    them); a float subclass is written as its value."""
    assert expected == canonical_json(record)


@pytest.mark.parametrize(
    "record",
    [
        {"id": "r1", "x": object()},
        {"id": "r1", "x": "\ud800"},  # a lone surrogate has no UTF-8 form
        {"id": "r1", "m": {1: "a", "b": 2}},  # JSON keys are strings
        {"id": "r1", "m": {2: "b", 1: "a"}},  # schema 1 wrote these as "1" and "2"
    ],
    ids=["object", "surrogate", "mixed-keys", "int-keys"],
)
def test_a_record_that_is_not_json_is_an_evidence_error(record: dict[str, Any]) -> None:
    """What is not JSON raises EvidenceError naming the record, not a driver or type error."""
    with pytest.raises(EvidenceError, match="evidence record 'r1' is not JSON"):
        canonical_bytes(record)


def test_link_hash_is_over_the_text_as_utf8() -> None:
    """The hash takes text or its UTF-8 bytes alike: sha256 of previous hash, newline, text."""
    prev, text = "ab" * 32, '{"a":"é ✓"}'
    expected = hashlib.sha256(f"{prev}\n{text}".encode()).hexdigest()
    assert [expected, expected] == [link_hash(prev, text), link_hash(prev, text.encode())]
