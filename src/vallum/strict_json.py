"""JSON read once, strictly: what every enforcement point parses before it checks anything.

What is checked must be what is delivered, and two readers of the same text must never see two
values. So text that readers disagree on is refused, with the reason, rather than read one way:

- a key twice in one object (`{"amount": 99999, "amount": 1000}`: Python keeps the last, other
  parsers the first), and keys that differ only by Unicode normalisation (NFKC: `"amount"` and
  its fullwidth form, `"é"` composed and decomposed), which a normalising reader merges;
- `NaN`, `Infinity` and numbers too large for a double (`1e400`), which are not JSON values;
- nesting deeper than `max_depth` (a deep value exhausts the stack of every recursive reader
  after this one: the engine, canonical JSON, evidence), raised as `NestingTooDeep`.

Every refusal is an `InputError` whose message says what was wrong and where it starts.
"""

from __future__ import annotations

import json
import math
import unicodedata
from typing import Any

from vallum.exceptions import InputError, NestingTooDeep

DEFAULT_MAX_DEPTH = 64


def loads(text: str | bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """The one JSON value of `text`, read strictly (see the module docstring).

    >>> loads('{"amount": 1, "amount": 2}')
    Traceback (most recent call last):
    ...
    vallum.exceptions.InputError: duplicate key 'amount' in a JSON object
    """
    try:
        value = json.loads(
            text, object_pairs_hook=_object, parse_constant=_constant, parse_float=_float
        )
    except RecursionError:
        raise NestingTooDeep(f"JSON nested deeper than {max_depth} levels") from None
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}") from None
    if _may_nest_deeper(text, max_depth):
        _check_depth(value, max_depth)
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise InputError(f"duplicate key {key!r} in a JSON object")
    if len(value) > 1 and not "".join(value).isascii():
        forms: dict[str, str] = {}
        for key in value:
            form = unicodedata.normalize("NFKC", key)
            if form in forms:
                raise InputError(
                    f"keys {forms[form]!r} and {key!r} in one JSON object differ only by "
                    "Unicode normalisation"
                )
            forms[form] = key
    return value


def _constant(token: str) -> Any:
    raise InputError(f"{token} is not a JSON number")


def _float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise InputError(f"the number {token[:40]} is too large for a double")
    return value


def _may_nest_deeper(text: str | bytes, max_depth: int) -> bool:
    """False when `text` has too few brackets to nest deeper than `max_depth` (one C-speed
    count, so ordinary bodies skip the walk)."""
    if isinstance(text, bytes):
        return text.count(b"[") + text.count(b"{") > max_depth
    return text.count("[") + text.count("{") > max_depth


def _check_depth(value: Any, max_depth: int) -> None:
    """Raise `NestingTooDeep` when containers nest deeper than `max_depth` (iteratively: the
    value may already be deeper than the stack allows)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise NestingTooDeep(f"JSON nested deeper than {max_depth} levels")
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))


def depth_exceeds(value: Any, max_depth: int) -> bool:
    """Whether an already-parsed value nests deeper than `max_depth` (scalars are depth 0)."""
    if not isinstance(value, dict | list):
        return False
    try:
        _check_depth(value, max_depth)
    except NestingTooDeep:
        return True
    return False
