"""Conversion of JSON-ish Python values into Cedar's JSON value format.

Cedar has no floats and no null: integral floats become Longs, other numbers become `decimal`
(rounded to the four places Cedar allows), and `None` attributes are left out. A number Cedar
cannot hold (too large, NaN) becomes its string form: a policy comparing it as a number then
errors, and an erroring forbid blocks, so an odd value can never slip past a numeric limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_DECIMAL_MAX = Decimal("922337203685477.5807")
_DECIMAL_MAX_FLOAT = float(_DECIMAL_MAX)
_MAX_DEPTH = 8
_FOUR_PLACES = Decimal("0.0001")


class _Skip:
    """Marker for a value Cedar cannot hold."""


SKIP = _Skip()


def to_cedar(value: Any, depth: int = 0) -> Any:
    """Convert `value`; return `SKIP` when Cedar has no representation for it."""
    if depth > _MAX_DEPTH or value is None:
        return SKIP
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if _I64_MIN <= value <= _I64_MAX else str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Mapping):
        return cedar_record(value, depth + 1)
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_cedar(v, depth + 1) for v in value]
        return [v for v in items if v is not SKIP]
    return SKIP


def typed_args(arguments: Mapping[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
    """Tool arguments for Cedar, following the types the bundle declares: a `number` argument
    is always a `decimal` (so `100` and `99.5` compare alike), an `integer` a Long. A value of the
    wrong type is passed as it is and makes a policy that compares it fail (closed)."""
    out = cedar_record(arguments)
    for name, kind in types.items():
        raw = arguments.get(name)
        if kind == "number" and isinstance(raw, int | float) and not isinstance(raw, bool):
            out[name] = _decimal(float(raw))
    return out


def cedar_record(mapping: Mapping[Any, Any], depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in mapping.items():
        value = to_cedar(raw, depth)
        if value is not SKIP:
            out[str(key)] = value
    return out


def _float(value: float) -> Any:
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer() and _I64_MIN <= value <= _I64_MAX:
        return int(value)
    return _decimal(value)


def _decimal(value: float) -> Any:
    if not math.isfinite(value) or abs(value) > _DECIMAL_MAX_FLOAT:  # quantize would overflow
        return repr(value)
    exact = Decimal(repr(value)).quantize(_FOUR_PLACES)
    if abs(exact) > _DECIMAL_MAX:
        return repr(value)
    return {"__extn": {"fn": "decimal", "arg": format(exact, "f")}}
