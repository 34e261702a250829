"""Conversion of argument values into Cedar's JSON value format: always data, never dropped.

Cedar has no floats and no null: integral numbers become Longs, other numbers become `decimal`
(exactly: a number with more than the four places Cedar allows is `OPAQUE`, never rounded), and `None` attributes are left out (`has` is false,
as for an argument not given). Numbers are any `numbers.Real` (`int`, `float`, `Fraction`) or
`Decimal`, and a numpy scalar is its Python value: a value's type cannot hide it from a limit.

A value Cedar cannot hold as written is never left out (a missing attribute would make
`context.args has amount` false, and the limit would not apply). It becomes `OPAQUE`, a record
no policy can compare: `greaterThan`, `like`, `contains` on it error, and an erroring forbid
blocks, so the call fails closed. That covers numbers Cedar cannot hold (too large, NaN,
infinities, more than four decimal places), other types (bytes, dates, objects with `__float__`), nesting deeper than
`MAX_DEPTH`, and the values of keys Cedar's JSON format reads as escapes (`__extn`,
`__entity`, `__expr`): an argument `{"__extn": {"fn": "decimal", "arg": "1.0"}}` is data
from a model or a caller, and Cedar must never read it as the decimal 1.0. Such a key is
renamed `ESCAPED + key` (its value `OPAQUE`), so the record stays a record and its other
attributes are still seen.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_DECIMAL_MAX = Decimal("922337203685477.5807")
MAX_DEPTH = 8
_FOUR_PLACES = Decimal("0.0001")
# Keys that Cedar's JSON value format reads as an escape, not as a record's attribute.
ESCAPE_KEYS = frozenset({"__extn", "__entity", "__expr"})
ESCAPED = "vallum_escaped:"
_NUMBERS = (numbers.Real, Decimal)  # Decimal is a Number but not registered as a Real
# What a value Cedar cannot hold becomes: a record, so no comparison applies to it, without
# escape keys, so Cedar reads it as data.
OPAQUE: dict[str, Any] = {"vallum_unconvertible": True}


class _Skip:
    """Marker for an absent value (`None`): the attribute is left out."""


SKIP = _Skip()


def to_cedar(value: Any, depth: int = 0) -> Any:
    """Convert `value`; `SKIP` for `None`, `OPAQUE` (a copy) when Cedar cannot hold it as data."""
    if value is None:
        return SKIP
    if depth > MAX_DEPTH:
        return dict(OPAQUE)
    if isinstance(value, bool | str):
        return value
    if isinstance(value, _NUMBERS):
        return _number(value)
    if type(value).__module__ == "numpy" and callable(getattr(value, "item", None)):
        return to_cedar(value.item(), depth)  # a numpy scalar: its Python value
    if isinstance(value, Mapping):
        return cedar_record(value, depth + 1)
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_cedar(v, depth + 1) for v in value]
        return [v for v in items if v is not SKIP]
    return dict(OPAQUE)  # bytes, dates, complex, objects: no comparison may pass them


def typed_args(arguments: Mapping[str, Any], types: Mapping[str, str]) -> dict[str, Any]:
    """Tool arguments for Cedar, following the types the bundle declares: a `number` argument
    is always a `decimal` (so `100` and `99.5` compare alike), an `integer` a Long. A value of the
    wrong type is passed as it is and makes a policy that compares it fail (closed)."""
    out = cedar_record(arguments)
    for name, kind in types.items():
        raw = arguments.get(name)
        if kind == "number" and isinstance(raw, _NUMBERS) and not isinstance(raw, bool):
            out[name] = _decimal(raw)
    return out


def cedar_record(mapping: Mapping[Any, Any], depth: int = 0) -> dict[str, Any]:
    """A mapping as a Cedar record; a key Cedar would read as an escape is renamed."""
    out: dict[str, Any] = {}
    for key, raw in mapping.items():
        name = str(key)
        if name in ESCAPE_KEYS or name.startswith(ESCAPED):
            out[ESCAPED + name.removeprefix(ESCAPED)] = dict(OPAQUE)
            continue
        value = to_cedar(raw, depth)
        if value is not SKIP:
            out[name] = value
    return out


def _number(value: numbers.Real | Decimal) -> Any:
    """A Long when integral and within 64 bits, else a decimal; `OPAQUE` when neither holds it."""
    if isinstance(value, numbers.Integral):
        whole = int(value)
        return whole if _I64_MIN <= whole <= _I64_MAX else dict(OPAQUE)
    exact = _exact(value)
    if exact is None:
        return dict(OPAQUE)
    if exact == exact.to_integral_value() and _I64_MIN <= exact <= _I64_MAX:
        return int(exact)
    return _decimal(value)


def _decimal(value: numbers.Real | Decimal) -> Any:
    """`value` as a Cedar `decimal` (four places); `OPAQUE` when Cedar's range cannot hold it."""
    exact = _exact(value)
    if exact is None or abs(exact) > _DECIMAL_MAX + 1:  # quantize could overflow
        return dict(OPAQUE)
    try:
        fixed = exact.quantize(_FOUR_PLACES)
    except InvalidOperation:
        return dict(OPAQUE)
    if fixed != exact or abs(fixed) > _DECIMAL_MAX:
        # More places than Cedar holds: rounding could land either side of a limit (999.99999
        # would compare as 999.9999 under `> 999.9999`), so the value is refused, not rounded.
        return dict(OPAQUE)
    return {"__extn": {"fn": "decimal", "arg": format(fixed, "f")}}


def _exact(value: numbers.Real | Decimal) -> Decimal | None:
    """The finite decimal value of a real number (a float by its shortest repr), or None."""
    try:
        if isinstance(value, Decimal):
            exact = value
        elif isinstance(value, numbers.Integral):
            exact = Decimal(int(value))
        elif isinstance(value, float):
            exact = Decimal(repr(value)) if math.isfinite(value) else Decimal("NaN")
        else:  # Fraction, numpy floats and other reals: by their float value
            number = float(value)
            exact = Decimal(repr(number)) if math.isfinite(number) else Decimal("NaN")
    except (ValueError, TypeError, OverflowError, ArithmeticError):
        return None
    return exact if exact.is_finite() else None
