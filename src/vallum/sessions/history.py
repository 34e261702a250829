"""Session history for policies: what side effects a session has already had.

Per session, counters keyed `calls:TOOL`, `after_untrusted:TOOL` and `sum:TOOL:ARG` (the sum of
a numeric argument), and the fingerprints of every destination a side effect went to. Policies
read them as `context.history` (this call included, every key of the bundle's side-effecting
tools present, sums rounded up to whole units: Cedar has no floats) and the `ARG:first-time`
label of a destination this session never sent anything to before:

    forbid (principal, action == Action::"tool.call", resource == Tool::"send_money")
    when { context.history.totals["send_money:amount"] > 1000 };

Stores that keep history (memory, SQL, Redis) implement `SessionHistory`; increments are atomic
in each (one dict under a lock, `INSERT ... ON CONFLICT DO UPDATE value = value + excluded`,
`HINCRBYFLOAT`), so replicas sharing a database or a Redis count every call once.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, runtime_checkable

from vallum.bundle.schema import BundleConfig, Tool
from vallum.sessions.fingerprint import Kind, hashes, squash_value, tokens

CALLS = "calls"
AFTER_UNTRUSTED = "after_untrusted"
SUM = "sum"
FIRST_TIME = "first-time"
_NUMERIC = frozenset({"number", "integer"})


@runtime_checkable
class SessionHistory(Protocol):
    """Counters and destinations per session."""

    def counters(self, session: str) -> dict[str, float]:
        """Every counter of the session (absent ones are 0)."""
        ...

    def seen_destinations(self, session: str, fingerprints: Sequence[int]) -> set[int]:
        """Those of `fingerprints` the session already sent something to."""
        ...

    def record_history(
        self, session: str, increments: Mapping[str, float], destinations: Iterable[int]
    ) -> None:
        """Add to counters and remember destinations, atomically per key."""
        ...


def destination_fingerprint(value: str) -> int:
    """One hash per destination in canonical form (`DE89 3704 ...` and `DE893704...` are one)."""
    form = squash_value(value) or " ".join(tokens(value))
    return hashes([f"destination\x00{form}"], Kind.TRUSTED, squashed=True)[0]


def increments(
    tool_name: str, tool: Tool, arguments: Mapping[str, Any], untrusted: bool
) -> dict[str, float]:
    """What one side-effecting call adds to the counters."""
    out = {f"{CALLS}:{tool_name}": 1.0}
    if untrusted:
        out[f"{AFTER_UNTRUSTED}:{tool_name}"] = 1.0
    for arg, kind in tool.args.items():
        amount = _amount(arguments.get(arg)) if kind in _NUMERIC else None
        if amount is not None:
            out[f"{SUM}:{tool_name}:{arg}"] = amount
    return out


def _amount(value: Any) -> float | None:
    """A numeric argument's size, whatever type carries it (`2500`, `2500.0`, `"2,500.00"`,
    `Decimal`); a negative amount counts by its size. None if it is no finite number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = Decimal(value.strip().replace(",", "").replace("_", ""))
        except InvalidOperation:
            return None
    if not isinstance(value, numbers.Real | Decimal):
        return None
    number = float(value)
    return abs(number) if math.isfinite(number) else None


def history_context(config: BundleConfig, counters: Mapping[str, float]) -> dict[str, Any]:
    """`context.history`: `calls`, `after_untrusted` (per tool) and `totals` (per `TOOL:ARG`),
    this call included; every key of every side-effecting tool present."""
    calls: dict[str, int] = {}
    after: dict[str, int] = {}
    totals: dict[str, int] = {}
    for name, tool in config.tools.items():
        if not tool.side_effects:
            continue
        calls[name] = int(counters.get(f"{CALLS}:{name}", 0))
        after[name] = int(counters.get(f"{AFTER_UNTRUSTED}:{name}", 0))
        for arg, kind in tool.args.items():
            if kind in _NUMERIC:
                # rounded up: a cap is never slipped under by fractions
                totals[f"{name}:{arg}"] = math.ceil(counters.get(f"{SUM}:{name}:{arg}", 0.0))
    return {"calls": calls, AFTER_UNTRUSTED: after, "totals": totals}
