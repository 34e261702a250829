"""Conversion of tool arguments into Cedar values: no float, null or oversize value slips through."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from vallum.authz.values import ESCAPED, OPAQUE, cedar_record, typed_args


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        (5.0, 5),
        (2.5, {"__extn": {"fn": "decimal", "arg": "2.5000"}}),
        (True, True),
        ("x", "x"),
        (2**70, OPAQUE),
        (float("nan"), OPAQUE),
        (float("inf"), OPAQUE),
        (1e300, OPAQUE),
        (b"1000", OPAQUE),
        ([1, None, "a"], [1, "a"]),
        ({"k": {"n": 1.0}}, {"k": {"n": 1}}),
    ],
)
def test_values(value: Any, expected: Any) -> None:
    """Each Python value maps to the Cedar JSON form (or the opaque record no comparison passes)."""
    assert {"v": expected} == cedar_record({"v": value})


def test_none_is_left_out() -> None:
    """A null argument is absent, so policies see `has` false."""
    assert {} == cedar_record({"v": None})


def test_number_arguments_are_always_decimal() -> None:
    """An argument declared `number` is a decimal whether it arrives as 100 or 99.5."""
    expected = {"amount": {"__extn": {"fn": "decimal", "arg": "100.0000"}}, "n": 3}
    assert expected == typed_args({"amount": 100, "n": 3}, {"amount": "number", "n": "integer"})


class _Floaty:
    """An object that converts to 1000.0 when asked, but is not a number type."""

    def __float__(self) -> float:
        return 1000.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1000"), 1000),
        (Decimal("99.5"), {"__extn": {"fn": "decimal", "arg": "99.5000"}}),
        (Fraction(2001, 2), {"__extn": {"fn": "decimal", "arg": "1000.5000"}}),
        (Decimal("NaN"), OPAQUE),
        (Decimal("-Infinity"), OPAQUE),
        (Decimal("1E+400"), OPAQUE),
        (_Floaty(), OPAQUE),
        (datetime.date(2026, 1, 1), OPAQUE),
        (complex(1000, 0), OPAQUE),
        (object(), OPAQUE),
    ],
)
def test_numbers_of_every_numeric_type_and_other_types(value: Any, expected: Any) -> None:
    """Decimal and Fraction are numbers; other types are opaque, never left out."""
    assert {"v": expected} == cedar_record({"v": value})


@pytest.mark.parametrize("value", [Decimal("1000"), Fraction(1000), 1000, 1000.0])
def test_declared_numbers_are_decimals_whatever_their_type(value: Any) -> None:
    """A `number` argument is the same decimal from int, float, Decimal or Fraction."""
    expected = {"amount": {"__extn": {"fn": "decimal", "arg": "1000.0000"}}}
    assert expected == typed_args({"amount": value}, {"amount": "number"})


def test_numpy_scalars_are_their_python_values() -> None:
    """numpy's int64, float32 and bool_ are the number or boolean they hold."""
    numpy = pytest.importorskip("numpy")
    values = {"i": numpy.int64(1000), "f": numpy.float32(2.5), "b": numpy.bool_(True)}
    expected = {"i": 1000, "f": {"__extn": {"fn": "decimal", "arg": "2.5000"}}, "b": True}
    assert expected == cedar_record(values)


def test_values_nested_too_deep_are_opaque_not_dropped() -> None:
    """A value past the conversion depth is still there, as the opaque record."""
    value: Any = "deep"
    for _ in range(12):
        value = [value]
    flat = cedar_record({"v": value})["v"]
    while isinstance(flat, list):
        assert 1 == len(flat)
        flat = flat[0]
    assert OPAQUE == flat


@pytest.mark.parametrize("key", ["__extn", "__entity", "__expr"])
def test_escape_keys_are_data_not_cedar_escapes(key: str) -> None:
    """A key Cedar reads as an escape is renamed, its value opaque; the siblings stay."""
    args = {"amount": {key: {"fn": "decimal", "arg": "1.0"}}, "order_id": "ORD-1"}
    expected = {"amount": {ESCAPED + key: OPAQUE}, "order_id": "ORD-1"}
    assert expected == typed_args(args, {"amount": "number"})


def test_the_escape_prefix_cannot_be_spoofed() -> None:
    """A key already carrying the prefix is treated like an escape key (opaque)."""
    assert {ESCAPED + "x": OPAQUE} == cedar_record({ESCAPED + "x": 1})


@pytest.mark.parametrize(
    "value", [999.99999, Decimal("999.99999"), Fraction(99999999, 100000), 100.00001, 1e-5]
)
def test_more_places_than_cedar_holds_are_opaque_not_rounded(value: Any) -> None:
    """A number with a fifth decimal place is not rounded to four (999.99999 would compare as
    999.9999 and pass `amount > 999.9999`): it is opaque, and a comparing policy fails closed."""
    assert {"amount": OPAQUE} == typed_args({"amount": value}, {"amount": "number"})
    assert {"amount": OPAQUE} == cedar_record({"amount": value})


@pytest.mark.parametrize(
    ("value", "arg"),
    [(999.9999, "999.9999"), (Decimal("100.00000"), "100.0000"), (0.5, "0.5000")],
)
def test_four_places_or_fewer_are_exact_decimals(value: Any, arg: str) -> None:
    """Hard negative: what Cedar holds exactly is passed exactly, trailing zeros and all."""
    expected = {"amount": {"__extn": {"fn": "decimal", "arg": arg}}}
    assert expected == typed_args({"amount": value}, {"amount": "number"})
