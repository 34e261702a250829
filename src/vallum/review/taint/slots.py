"""Taint per element of containers addressed by constants: `lst[1]`, `map["keyB"]`,
`conf.get("section", "keyA")`.

A container holding request data in one element and constants in the others hands out the
constant when code reads that element: `lst = ["safe", param]; bar = lst[0]` is safe. Slots live
in the taint environment beside the whole container's taint (which stays the union), under
`name[<repr of the key>]`, and are kept honest through the mutations that move elements: `pop`,
`insert`, `append`, `remove`, `sort`, `reverse`, `clear`. Anything not understood forgets the
slots, so reads fall back to the whole container.
"""

from __future__ import annotations

from vallum.review.taint.consts import UNKNOWN
from vallum.review.taint.labels import CLEAN, Env, Taint

MOVES = frozenset({"pop", "insert", "append", "remove", "sort", "reverse", "clear", "set", "get"})


def key(container: str, value: object) -> str:
    return f"{container}[{value!r}]"


def forget(env: Env, container: str) -> None:
    """Drop every slot of `container` (its elements moved in a way not followed)."""
    prefix = f"{container}["
    for name in [k for k in env if k.startswith(prefix)]:
        del env[name]


def fill(env: Env, container: str, elements: list[tuple[object, Taint]]) -> None:
    """`container = [a, b]` or `{"k": a}`: one slot per position or literal key."""
    forget(env, container)
    for index, taint in elements:
        env[key(container, index)] = taint


def _positions(env: Env, container: str) -> dict[int, Taint]:
    prefix = f"{container}["
    out: dict[int, Taint] = {}
    for name, taint in env.items():
        inner = name[len(prefix) : -1] if name.startswith(prefix) else ""
        if inner.lstrip("-").isdigit():
            out[int(inner)] = taint
    return out


def move(
    env: Env, container: str, method: str, values: list[object], taints: list[Taint]
) -> Taint | None:
    """Follow one method call on a container; the taint it returns when a slot decides it."""
    if method == "get":  # `conf.get("s", "keyA")`, `map.get("keyA", default)`
        if len(values) >= 2 and UNKNOWN not in values[:2]:
            found = env.get(key(container, (values[0], values[1])))
            if found is not None:
                return found
        if values and values[0] is not UNKNOWN:
            found = env.get(key(container, values[0]))
            if found is not None:
                return found | (taints[1] if len(taints) > 1 else CLEAN)
        return None
    if method == "set" and len(values) >= 2 and all(v is not UNKNOWN for v in values[:-1]):
        wanted = values[0] if len(values) == 2 else tuple(values[:-1])
        env[key(container, wanted)] = taints[-1]  # `conf.set("s", "keyB", param)`
        return None
    if method in {"clear", "remove", "sort", "reverse"}:
        forget(env, container)
        return None
    slots = _positions(env, container)
    if not slots:
        if method == "pop" and values and values[0] is not UNKNOWN:
            return env.pop(key(container, values[0]), None)  # `map.pop("keyB")`
        return None
    if method == "pop" and (not values or values[0] is not UNKNOWN):
        index = max(slots) if not values else values[0]
        if not isinstance(index, int) or index not in slots:
            forget(env, container)
            return None
        popped = slots.pop(index)
        _renumber(env, container, {i - (i > index): t for i, t in slots.items()})
        return popped
    if method == "insert" and len(values) == 2 and isinstance(values[0], int) and values[0] >= 0:
        at = values[0]
        moved = {i + (i >= at): t for i, t in slots.items()}
        moved[min(at, len(slots))] = taints[1]
        _renumber(env, container, moved)
        return None
    if method == "append" and len(taints) == 1:
        env[key(container, max(slots) + 1)] = taints[0]
        return None
    forget(env, container)  # `pop(i)` with an unknown `i`, `insert` at a negative index
    return None


def _renumber(env: Env, container: str, slots: dict[int, Taint]) -> None:
    forget(env, container)
    for index, taint in slots.items():
        env[key(container, index)] = taint
