"""Canonical JSON: the one byte form of a JSON value that evidence, approvals and the engine hash.

The form is RFC 8785, the JSON Canonicalization Scheme (JCS): object keys sorted by their UTF-16
code units, no whitespace, strings escaped only where JSON requires (`"`, `\\`, controls below
U+0020), UTF-8 kept as is, and numbers written as ECMAScript writes doubles, so a number is
written by value (`100` and `100.0` are both `100`).

The maintained `rfc8785` package is the reference, but it is pure Python: about 60 times slower
than orjson on a decision record (`bench/bench_canonical.py`), and the evidence append, on the
gateway's hot path, encodes every record once. So a value is first prepared by one walk that
copies it into plain `dict`/`list`/`str`/`int`/`float`/`bool`/`None` and rewrites every integral
float below 2**53 as the `int` of the same value (JCS writes both alike; orjson would write `0.0`).
The prepared value then goes to orjson with sorted keys when orjson's bytes are RFC 8785's:

- every string: orjson escapes exactly what JCS escapes (checked over every code point);
- every key whose characters are below U+E000: there, UTF-16 order is code point order, the
  order orjson sorts in (keys holding U+E000..U+10FFFF sort differently);
- every float left (none integral): orjson writes the shortest round-trip digits, as JCS does,
  in the same notation except between 1e-6 and 1e-5 (orjson `1e-6`, JCS `0.000001`);
- every integer within 64 bits (orjson's range).

Anything else (a key at or above U+E000, an integral float from 2**53 up, a float in
[1e-6, 1e-5), an integer beyond 64 bits) is written by `rfc8785` (strings and numbers) inside
this module's own containers. `tests/core/test_canonical.py` pins "this module's bytes ==
rfc8785's" with hypothesis on generated JSON values.

One deliberate extension to RFC 8785: an integer outside the IEEE double's exact range
(beyond +-(2**53 - 1)), which JCS refuses, is written as its exact decimal digits, as Python's
`json` and orjson write it. A 64-bit order id must stay hashable, and two different integers
must never share bytes (as doubles, 2**53 and 2**53 + 1 would).

What JSON cannot express (another type, NaN and infinities, a non-string key, a lone surrogate,
nesting deeper than `MAX_DEPTH`) raises `CanonicalJSONError`, unless the caller passes `default`:
it is called with the value (or key) and returns a JSON value to write instead, as `json.dumps`'s
`default` does. Each caller chooses: evidence writes non-finite floats as `null` and refuses the
rest; the engine and approvals keep their `str` of the value.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

import orjson
import rfc8785

from vallum.exceptions import CanonicalJSONError

MAX_DEPTH = 200  # below orjson's own limit (254), far above any real record or tool call

_JCS_INT_MAX = 2**53 - 1  # RFC 8785's exact integer range
_ORJSON_INT_MIN, _ORJSON_INT_MAX = -(2**63), 2**64 - 1
# Non-integral floats in [1e-6, 1e-5) are written `1e-6` by orjson and `0.000001` by JCS.
_GAP_LOW, _GAP_HIGH = 1e-6, 1e-5
_UTF16_ORDER_SAFE = "\ue000"  # keys below this sort alike by code point and by UTF-16 unit

Default = Callable[[Any], Any]


class _Walk:
    """One preparation: the default to apply and whether orjson may write the result."""

    __slots__ = ("default", "fast")

    def __init__(self, default: Default | None) -> None:
        self.default = default
        self.fast = True


def canonical_bytes(value: Any, *, default: Default | None = None) -> bytes:
    """The RFC 8785 bytes of `value` (UTF-8).

    >>> canonical_bytes({"b": 100.0, "a": ["é", 0.5]})
    b'{"a":["\\xc3\\xa9",0.5],"b":100}'
    """
    walk = _Walk(default)
    prepared = _prepare(value, walk, 0)
    if walk.fast:
        try:
            return orjson.dumps(prepared, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # a lone surrogate: the reference names the problem
    return _reference(prepared)


def canonical_text(value: Any, *, default: Default | None = None) -> str:
    """`canonical_bytes` as text."""
    return canonical_bytes(value, default=default).decode()


def _prepare(value: Any, walk: _Walk, depth: int) -> Any:
    """`value` with integral floats as ints and only plain JSON types (containers are copied
    only where something changed); clears `walk.fast` where orjson's bytes would not be
    RFC 8785's."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if depth > MAX_DEPTH:
        raise CanonicalJSONError(f"JSON nested deeper than {MAX_DEPTH} levels (or a cycle)")
    if kind is dict:
        return _prepare_object(value, walk, depth)
    if kind is list:
        return _prepare_array(value, walk, depth)
    if kind is int:
        if not _ORJSON_INT_MIN <= value <= _ORJSON_INT_MAX:
            walk.fast = False
        return value
    if kind is float:
        return _prepare_float(value, walk)
    return _prepare_other(value, walk, depth)


def _prepare_object(value: Mapping[Any, Any], walk: _Walk, depth: int) -> dict[str, Any]:
    try:
        keys = "".join(value)  # every key at once: one call rather than one per key
    except TypeError:
        return _rebuild_object(value, walk, depth)  # a key that is not a str
    if not keys.isascii() and max(keys) >= _UTF16_ORDER_SAFE:
        walk.fast = False
    changed: dict[str, Any] = {}
    for key, item in value.items():
        # Strings and numbers are most values: decided here, without a call (this walk's speed).
        kind = type(item)
        if kind is str or item is None or kind is bool:
            continue
        if kind is float:
            if item.is_integer():
                if -_JCS_INT_MAX <= item <= _JCS_INT_MAX:
                    changed[key] = int(item)  # JCS writes `0`, orjson `0.0`
                    continue
            elif _GAP_HIGH <= abs(item) < math.inf or abs(item) < _GAP_LOW:
                continue  # finite (NaN compares false), outside orjson's notation gap
        elif kind is int and _ORJSON_INT_MIN <= item <= _ORJSON_INT_MAX:
            continue
        prepared = _prepare(item, walk, depth + 1)
        if prepared is not item:
            changed[key] = prepared
    if not changed and type(value) is dict:
        return value  # every key is a str (the join above)
    return {**value, **changed}


def _rebuild_object(value: Mapping[Any, Any], walk: _Walk, depth: int) -> dict[str, Any]:
    """An object with a key that is not a `str`: every key through `_key`."""
    out = {_key(key, walk): _prepare(item, walk, depth + 1) for key, item in value.items()}
    if len(out) != len(value):
        raise CanonicalJSONError(f"two keys of one object are written alike: {sorted(out)!r}")
    for key in out:
        if not key.isascii() and max(key) >= _UTF16_ORDER_SAFE:
            walk.fast = False
    return out


def _prepare_array(value: list[Any] | tuple[Any, ...], walk: _Walk, depth: int) -> list[Any]:
    out = [item if type(item) is str else _prepare(item, walk, depth + 1) for item in value]
    if type(value) is list and all(map(operator.is_, out, value)):
        return value
    return out


def _key(key: Any, walk: _Walk) -> str:
    if isinstance(key, str):
        return str.__str__(key)  # a str subclass (StrEnum): its text
    if walk.default is not None:
        converted = walk.default(key)
        if isinstance(converted, str):
            return str.__str__(converted)
    raise CanonicalJSONError(f"JSON object keys are strings, not {type(key).__name__}: {key!r}")


def _prepare_float(value: float, walk: _Walk) -> Any:
    if not math.isfinite(value):
        return _not_json(value, walk, 0)
    if value.is_integer():
        if abs(value) <= _JCS_INT_MAX:
            return int(value)
        walk.fast = False  # orjson `1e+16`, JCS `10000000000000000`
    elif _GAP_LOW <= abs(value) < _GAP_HIGH:
        walk.fast = False
    return value


def _prepare_other(value: Any, walk: _Walk, depth: int) -> Any:
    """Subclasses of the JSON types (StrEnum, IntEnum, a float subclass), other mappings and
    sequences as what they are; anything else through `default`."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return _prepare(int(value), walk, depth)
    if isinstance(value, float):
        return _prepare_float(float(value), walk)
    if isinstance(value, Mapping):
        return _prepare_object(value, walk, depth)
    if isinstance(value, list | tuple):
        return _prepare_array(value, walk, depth)
    return _not_json(value, walk, depth)


def _not_json(value: Any, walk: _Walk, depth: int) -> Any:
    if walk.default is None:
        raise CanonicalJSONError(f"{type(value).__name__} is not JSON: {value!r:.80}")
    inner = _Walk(None)  # what `default` returns must itself be JSON
    replaced = _prepare(walk.default(value), inner, depth)
    walk.fast = walk.fast and inner.fast
    return replaced


def _reference(value: Any) -> bytes:
    """RFC 8785 by the reference implementation, for a prepared value; this module writes the
    containers so that integers beyond the double's range keep their exact digits."""
    try:
        return b"".join(_reference_parts(value))
    except rfc8785.CanonicalizationError as exc:
        raise CanonicalJSONError(f"no canonical JSON form: {exc}") from exc


def _reference_parts(value: Any) -> list[bytes]:
    if type(value) is dict:
        parts = [b"{"]
        for i, key in enumerate(sorted(value, key=_utf16)):
            parts.extend((b"," if i else b"", rfc8785.dumps(key), b":"))
            parts.extend(_reference_parts(value[key]))
        parts.append(b"}")
        return parts
    if type(value) is list:
        parts = [b"["]
        for i, item in enumerate(value):
            if i:
                parts.append(b",")
            parts.extend(_reference_parts(item))
        parts.append(b"]")
        return parts
    if type(value) is int and abs(value) > _JCS_INT_MAX:
        return [str(value).encode()]  # the one extension: exact digits (see the docstring)
    return [rfc8785.dumps(value)]


def _utf16(key: str) -> bytes:
    try:
        return key.encode("utf-16-be")
    except UnicodeEncodeError as exc:  # a lone surrogate
        raise CanonicalJSONError(f"key {key!r} is not valid Unicode text") from exc
