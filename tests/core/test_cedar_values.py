"""Conversion of tool arguments into Cedar values: no float, null or oversize value slips through."""

from __future__ import annotations

from typing import Any

import pytest

from vallum.authz.values import cedar_record, typed_args


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        (5.0, 5),
        (2.5, {"__extn": {"fn": "decimal", "arg": "2.5000"}}),
        (True, True),
        ("x", "x"),
        (2**70, str(2**70)),
        (float("nan"), "nan"),
        ([1, None, "a"], [1, "a"]),
        ({"k": {"n": 1.0}}, {"k": {"n": 1}}),
    ],
)
def test_values(value: Any, expected: Any) -> None:
    """Each Python value maps to the Cedar JSON form (or a fail-closed string)."""
    assert {"v": expected} == cedar_record({"v": value})


def test_none_is_left_out() -> None:
    """A null argument is absent, so policies see `has` false."""
    assert {} == cedar_record({"v": None})


def test_number_arguments_are_always_decimal() -> None:
    """An argument declared `number` is a decimal whether it arrives as 100 or 99.5."""
    expected = {"amount": {"__extn": {"fn": "decimal", "arg": "100.0000"}}, "n": 3}
    assert expected == typed_args({"amount": 100, "n": 3}, {"amount": "number", "n": "integer"})
