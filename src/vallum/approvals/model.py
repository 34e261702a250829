"""What an approval is: the exact action it binds, who may decide it, and where it stands.

pending ──approve──> approved ──use (once)──> used
   │                    └──────────────────> expired   (not used in time)
   ├──deny────> denied
   └──────────> expired                                (not decided in time)
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from vallum.canonical import canonical_text

ACTION_HASH_VERSION = 2  # 2: arguments as RFC 8785 text


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    USED = "used"
    EXPIRED = "expired"


def canonical_arguments(arguments: Mapping[str, Any]) -> str:
    """One JSON text per set of arguments: RFC 8785 (`vallum.canonical`), so numbers compare by
    value (`100` and `100.0` are one amount) and keys sort alike however they arrived.

    A value JSON cannot hold (a `Decimal`, a date, NaN) is written as its `str`, as before:
    an enforcement point may hold a call whose arguments came from Python, not from JSON.
    """
    return canonical_text(dict(arguments), default=str)


def action_hash(principal: str, session: str, tool: str, arguments: Mapping[str, Any]) -> str:
    """SHA-256 over principal, session, tool and canonical arguments: what an approval binds.

    Change any of them (one argument, one digit) and the hash, hence the approval, differs.
    Version 2 hashes RFC 8785 text (version 1 used `json.dumps`: some floats, such as `1e-05`,
    were written otherwise); a pending approval hashed by version 1 no longer matches its call
    and is asked for again, which fails closed.
    """
    body = canonical_text([ACTION_HASH_VERSION, principal, session, tool])
    return hashlib.sha256(f"{body}\n{canonical_arguments(arguments)}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RuleRef:
    """An approval rule in force when the request was made: the approver needs one of `roles`."""

    id: str
    roles: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "roles": list(self.roles)}


@dataclass(frozen=True, slots=True)
class HeldAction:
    """A tool call that a decision held, as an enforcement point saw it."""

    principal: str
    session: str
    tool: str
    arguments: Mapping[str, Any]
    decision_id: str
    policies: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    bundle_version: str = ""

    @property
    def action_hash(self) -> str:
        return action_hash(self.principal, self.session, self.tool, self.arguments)


@dataclass(frozen=True, slots=True)
class Approval:
    """One approval request and its state. Times are UNIX seconds."""

    id: str
    action_hash: str
    status: Status
    principal: str
    session: str
    tool: str
    arguments: dict[str, Any]
    decision_id: str
    rules: tuple[RuleRef, ...]
    reasons: tuple[str, ...]
    bundle_version: str
    created_at: float
    expires_at: float
    ttl_s: float
    decided_by: str | None = None
    decided_at: float | None = None
    note: str | None = None
    used_at: float | None = None
    used_by: str | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role named by the rules (an approver needs one role from each rule)."""
        return tuple(sorted({role for rule in self.rules for role in rule.roles}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "action_hash": self.action_hash,
            "principal": self.principal,
            "session": self.session,
            "tool": self.tool,
            "arguments": self.arguments,
            "decision_id": self.decision_id,
            "rules": [r.to_dict() for r in self.rules],
            "reasons": list(self.reasons),
            "bundle_version": self.bundle_version,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
            "note": self.note,
            "used_at": self.used_at,
            "used_by": self.used_by,
        }
