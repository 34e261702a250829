"""Which context attributes a set of Cedar policies can read.

A policy sees the request context only through the expressions written in it. When every use
of `context` is an attribute access (`context.labels`, `context["args"]`) or an attribute test
(`context has args`), the policies can observe nothing but those attributes: a context cut
down to them gets exactly the same answers, errors included (an attribute a policy reads is kept
whole, or is missing in both). Any other use (`context == {...}`, `context` passed as a value)
reads the whole record, and then nothing is cut.

The engine builds a rich context for every decision (stage, labels, findings, detector scores,
arguments ...). Cutting it to what the bundle reads makes each Cedar call cheaper (Cedar parses
the context it is given on every call) and makes equal requests look equal to the answer cache:
a policy that never mentions `scores` does not vary with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_CONTEXT = {"Var": "context"}
_ATTRIBUTE_OPS = (".", "has")


def context_attributes(policies: Iterable[dict[str, Any]]) -> frozenset[str] | None:
    """The context attributes `policies` (Cedar JSON policy bodies) read; None if they may read
    the whole context."""
    found: set[str] = set()
    for policy in policies:
        if not _collect(policy, found):
            return None
    return frozenset(found)


def _collect(node: Any, found: set[str]) -> bool:
    """Add the attributes `node` reads to `found`; False if it uses the context whole."""
    if isinstance(node, list):
        return all(_collect(item, found) for item in node)
    if not isinstance(node, dict):
        return True
    if node == _CONTEXT:
        return False  # reached only where it is not the target of an attribute access
    for key, value in node.items():
        if key in _ATTRIBUTE_OPS and isinstance(value, dict) and value.get("left") == _CONTEXT:
            name = _first_attribute(value.get("attr"))
            if name is None:
                return False
            found.add(name)
            rest = {k: v for k, v in value.items() if k not in ("left", "attr")}
            if not _collect(rest, found):
                return False
        elif not _collect(value, found):
            return False
    return True


def _first_attribute(attr: Any) -> str | None:
    """`context has a.b` may come as a path: the context attribute is its first step."""
    if isinstance(attr, str):
        return attr
    if isinstance(attr, list) and attr and isinstance(attr[0], str):
        return attr[0]
    return None


_LABELS = {".": {"left": _CONTEXT, "attr": "labels"}}
_SET_TESTS = ("containsAny", "containsAll")


def label_literals(policies: Iterable[dict[str, Any]]) -> frozenset[str] | None:
    """The labels `policies` can tell apart; None if they may read `context.labels` otherwise.

    When every use of `context.labels` is `.contains("x")`, `.containsAny([...])` or
    `.containsAll([...])` over string literals, a policy's answer for a set of labels S is its
    answer for S cut down to those literals: each test has the same truth value on both (and
    none can error on a set of strings). Any other use (`isEmpty()`, `==`, a label taken from
    elsewhere) may see the whole set, and then nothing is cut. Policies that never read
    `context.labels` give the empty set.
    """
    found: set[str] = set()
    for policy in policies:
        if not _collect_labels(policy, found):
            return None
    return frozenset(found)


def _collect_labels(node: Any, found: set[str]) -> bool:
    if isinstance(node, list):
        return all(_collect_labels(item, found) for item in node)
    if not isinstance(node, dict):
        return True
    if node in (_LABELS, _CONTEXT):
        return False  # read other than through a literal test (or the whole context)
    for key, value in node.items():
        if isinstance(value, dict) and value.get("left") == _LABELS:
            literals = _literals(key, value.get("right"))
            if literals is None:
                return False
            found.update(literals)
        elif key in _ATTRIBUTE_OPS and isinstance(value, dict) and value.get("left") == _CONTEXT:
            if key == "." and value.get("attr") in ("labels", ["labels"]):
                return False  # `context.labels` read whole (not the receiver of a test)
            # Another attribute, or `context has labels` (always true): reads no label.
        elif not _collect_labels(value, found):
            return False
    return True


def _literals(op: str, right: Any) -> list[str] | None:
    """The string literals a label test compares with, or None if it is not such a test."""
    if not isinstance(right, dict):
        return None
    if op == "contains" and isinstance(right.get("Value"), str):
        return [right["Value"]]
    items = right.get("Set")
    if op in _SET_TESTS and isinstance(items, list):
        values = [item.get("Value") if isinstance(item, dict) else None for item in items]
        if all(isinstance(v, str) for v in values):
            return [v for v in values if isinstance(v, str)]
    return None
