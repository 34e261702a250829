"""Held tool calls: the seam the approvals workflow plugs into.

When a tool call's decision is `require_approval`, the gateway does not hand the call to the
client. It asks its `HoldQueue` to hold it and tells the client the call is pending, with the
hold's id (header `X-Vallum-Approval-Id` and `vallum.notices[].hold_id` in the body). A client
resumes by sending the same request again with `X-Vallum-Approval: ID`; the gateway asks the
queue to `release` that exact call, and passes it through once if the queue says so.

`PendingHolds`, the default until approvals exist, holds every call as pending under its
decision's evidence id and releases nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from vallum.model import Decision, Principal


@dataclass(frozen=True, slots=True)
class HeldCall:
    """The exact action held: who, in which session, which tool, which arguments."""

    principal: Principal
    session: str
    tool: str
    arguments: dict[str, Any]
    decision: Decision
    request_id: str

    @property
    def action_hash(self) -> str:
        """A hash of principal, session, tool and canonical arguments: what an approval binds."""
        canonical = json.dumps(
            [str(self.principal), self.session, self.tool, self.arguments],
            sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
        )  # fmt: skip
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Hold:
    id: str
    status: Literal["pending"]
    message: str


class HoldQueue(Protocol):
    async def hold(self, call: HeldCall) -> Hold:
        """Record that `call` waits for a human; return the hold the client is told about."""
        ...

    async def release(self, hold_id: str, call: HeldCall) -> bool:
        """Whether `hold_id` authorizes exactly `call` now (and consume it if so)."""
        ...


class PendingHolds:
    """Holds every call as pending, under its decision's evidence id; releases none."""

    async def hold(self, call: HeldCall) -> Hold:
        hold_id = call.decision.evidence_id or call.decision.id
        message = f"the call to {call.tool} needs approval; it is held as {hold_id}"
        return Hold(hold_id, "pending", message)

    async def release(self, hold_id: str, call: HeldCall) -> bool:
        return False
