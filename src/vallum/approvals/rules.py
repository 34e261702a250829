"""Which approval rules cover a held action, and whether an approver satisfies them.

A rule covers an action when its `tools` name the tool (or are empty) and its `policies` name
one of the Cedar policies that asked for approval (or are empty): "refunds over 100 need
finance" is a rule naming the `large-refund` policy. Every covering rule must be satisfied: the
approver needs one of each rule's roles, and the request expires at the shortest
`expires_after`. An action no rule covers is not left open to anyone: it falls to the
`admin` role with the default expiry.
"""

from __future__ import annotations

from collections.abc import Mapping

from vallum.approvals.model import HeldAction, RuleRef
from vallum.bundle.schema import DEFAULT_APPROVAL_EXPIRY, ApprovalRule, parse_duration

FALLBACK_RULE = "default"
FALLBACK_ROLE = "admin"


def covering_rules(
    rules: tuple[ApprovalRule, ...], action: HeldAction
) -> tuple[tuple[RuleRef, ...], float]:
    """The rules that cover `action` and the request's lifetime in seconds."""
    matched = [
        rule
        for rule in rules
        if (not rule.tools or action.tool in rule.tools)
        and (not rule.policies or set(rule.policies) & set(action.policies))
    ]
    if not matched:
        ttl = parse_duration(DEFAULT_APPROVAL_EXPIRY).total_seconds()
        return (RuleRef(FALLBACK_RULE, (FALLBACK_ROLE,)),), ttl
    ttl = min(parse_duration(rule.expires_after).total_seconds() for rule in matched)
    return tuple(RuleRef(rule.id, tuple(rule.roles)) for rule in matched), ttl


def missing_rules(rules: tuple[RuleRef, ...], roles: frozenset[str]) -> list[RuleRef]:
    """The rules `roles` does not satisfy (empty when the approver may decide)."""
    return [rule for rule in rules if not roles & set(rule.roles)]


def roles_of(approvers: Mapping[str, tuple[str, ...]], principal: str) -> frozenset[str]:
    """The roles configured for `principal` under `approvals.approvers`."""
    return frozenset(approvers.get(principal, ()))
