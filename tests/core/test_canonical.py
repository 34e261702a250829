"""vallum.canonical: RFC 8785 bytes, the same as the reference `rfc8785` package's on every JSON
value it accepts, whichever path (orjson or the reference) writes them."""

from __future__ import annotations

import enum
import json
import math
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest
import rfc8785
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vallum.canonical import MAX_DEPTH, canonical_bytes, canonical_text
from vallum.exceptions import CanonicalJSONError

JCS_INT = 2**53 - 1
# Astral, BMP (around U+E000, where UTF-16 and code point order part) and control characters.
SPECIAL = st.sampled_from(["\x00", "\x1f", "\x7f", '"', "\\", "\u2028", "\ud7ff", "\ue000",
                           "\ufb01", "\uffff", "\U00010000", "\U0001f600", "é", "a"])  # fmt: skip
TEXT = st.lists(SPECIAL | st.characters(blacklist_categories=("Cs",)), max_size=8).map("".join)
FLOATS = (
    st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(1e-7, 1e-4)  # around orjson's notation gap
    | st.integers(-(2**60), 2**60).map(float)  # whole floats, within and beyond 2**53
    | st.sampled_from([0.0, -0.0, 1e16, 1e21, 1e-6, 5e-324, 2.0**53])
)
SCALARS = st.none() | st.booleans() | st.integers(-JCS_INT, JCS_INT) | FLOATS | TEXT
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=500)
@given(value=JSON_VALUES)
@example(value={"\U0001f600": 0.0, "\ufb01": [1e-6, 1e16]})
def test_module_writes_what_rfc8785_writes(value: Any) -> None:
    """On any JSON value in RFC 8785's domain, the bytes are the reference implementation's."""
    assert rfc8785.dumps(value) == canonical_bytes(value)


@given(number=st.integers(-JCS_INT, JCS_INT))
def test_numbers_are_written_by_value(number: int) -> None:
    """An integer and the float of the same value are one text (`100` and `100.0`)."""
    assert canonical_bytes({"n": number}) == canonical_bytes({"n": float(number)})


@given(number=st.integers(-(2**80), 2**80).filter(lambda n: abs(n) > JCS_INT))
def test_integers_beyond_a_double_keep_their_digits(number: int) -> None:
    """The one extension: an integer RFC 8785 refuses is written as its exact digits, inside
    objects of either path, so two such integers never share bytes."""
    value = {"n": number, "k\U0001f600": "x"}  # the astral key takes the reference path
    assert [str(number).encode()] * 2 == [
        canonical_bytes([number]).strip(b"[]"),
        canonical_bytes(value)[len(b'{"k\xf0\x9f\x98\x80":"x","n":') : -1],
    ]


class Colour(enum.StrEnum):
    RED = "red"


class Size(enum.IntEnum):
    BIG = 3


def test_subclasses_tuples_and_mappings_are_their_json_values() -> None:
    """StrEnum, IntEnum, tuples and read-only mappings are written as the JSON they hold."""
    value = {"c": Colour.RED, "s": Size.BIG, "t": (1, 2), "m": MappingProxyType({"b": 1.0})}
    assert '{"c":"red","m":{"b":1},"s":3,"t":[1,2]}' == canonical_text(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"x": math.nan}, "float is not JSON: nan"),
        ({"x": math.inf}, "float is not JSON: inf"),
        ({"x": Decimal("1.5")}, "Decimal is not JSON"),
        ({1: "a"}, "JSON object keys are strings, not int"),
        ({"x": "\ud800"}, "no canonical JSON form"),
        ({"\ud800": 1, "\U0001f600": 2}, "not valid Unicode text"),
    ],
)
def test_what_json_cannot_hold_is_a_typed_error(value: Any, message: str) -> None:
    """Non-finite floats, other types, non-string keys and lone surrogates raise
    CanonicalJSONError naming the problem."""
    with pytest.raises(CanonicalJSONError, match=message):
        canonical_bytes(value)


def test_default_replaces_what_json_cannot_hold() -> None:
    """With `default`, values and keys JSON lacks are written as what it returns."""
    value = {"d": Decimal("1.50"), 2: math.nan, "n": None}
    assert '{"2":"nan","d":"1.50","n":null}' == canonical_text(value, default=str)


def test_default_must_return_json() -> None:
    """What `default` returns is not passed to it again: a non-JSON result is an error."""
    with pytest.raises(CanonicalJSONError, match="object is not JSON"):
        canonical_bytes({"x": Decimal(1)}, default=lambda _: object())


def test_keys_written_alike_are_an_error() -> None:
    """Two keys that `default` turns into one string would lose a value: refused."""
    with pytest.raises(CanonicalJSONError, match="two keys of one object are written alike"):
        canonical_bytes({1: "a", "1": "b"}, default=str)


def test_cycles_and_deep_nesting_are_an_error() -> None:
    """A list holding itself, or nesting past MAX_DEPTH, raises instead of recursing away."""
    cycle: list[Any] = []
    cycle.append(cycle)
    deep: Any = "x"
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    for value in (cycle, deep):
        with pytest.raises(CanonicalJSONError, match="nested deeper than"):
            canonical_bytes(value)


def test_text_parses_back_to_the_same_values() -> None:
    """The canonical text is JSON: it reads back as the value written (whole floats as ints)."""
    value = {"a": [1, 2.5, "é", None, True], "b": {"c": 0.0}}
    assert {"a": [1, 2.5, "é", None, True], "b": {"c": 0}} == json.loads(canonical_text(value))
