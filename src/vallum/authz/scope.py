"""Whether a Cedar policy's scope can hold for an action on a resource.

Cedar checks a policy's scope (`principal`, `action`, `resource`) before its conditions: a
policy whose scope does not hold is not satisfied and its conditions are never evaluated (so
it cannot error either). Evaluating only the policies whose scope can hold for a request gives
Cedar's answer to the whole set, at a cost that grows with the policies that concern the tool
or model asked about, not with the bundle. This module says which those are, from the
policy's Cedar JSON, and errs towards keeping a policy: any scope it does not read exactly
(`in` a group, an unknown operator) is kept for every request, so a slice is never missing a
policy that could apply.
"""

from __future__ import annotations

from typing import Any


def may_apply(policy: dict[str, Any], action: str, resource: tuple[str, str]) -> bool:
    """Whether `policy`'s action and resource scope can hold for `action` on `resource`
    (`(type, id)`). True whenever unsure."""
    return _action_may(policy.get("action"), action) and _resource_may(
        policy.get("resource"), resource
    )


def _action_may(scope: Any, action: str) -> bool:
    if not isinstance(scope, dict) or scope.get("op") != "==":
        return True  # `All`, `in` (action groups) or anything else: kept
    entity = scope.get("entity")
    if not isinstance(entity, dict) or entity.get("type") != "Action":
        return True
    return bool(entity.get("id") == action)


def _resource_may(scope: Any, resource: tuple[str, str]) -> bool:
    if not isinstance(scope, dict):
        return True
    op = scope.get("op")
    if op == "==":
        entity = scope.get("entity")
        if not isinstance(entity, dict) or "type" not in entity or "id" not in entity:
            return True
        return (entity["type"], entity["id"]) == resource
    if op == "is" and isinstance(scope.get("entity_type"), str):
        return bool(scope["entity_type"] == resource[0])  # and `in`, if any, may hold
    return True  # `All`, `in` (a hierarchy) or anything else: kept
