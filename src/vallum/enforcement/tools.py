"""Tool calls a model asks for: decided, then run, held for a human, or refused.

    call ─> Event(tool_call) ─> Engine.evaluate ─> allow ──────────────> the call runs
                                               ├─> require_approval ─> held (or released once,
                                               │                        when the client resends
                                               │                        it with an approval id)
                                               └─> block (or a redaction that cannot apply to
                                                   arguments) ─────────> refused, with the reason

Every enforcement point that sees tool calls (the gateway's model routes, the MCP proxy, the
SDK's `@guard.tool`) takes this path, so a call is held or refused the same way wherever it was
made, and the client hears the same explanation with the evidence id.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from vallum.enforcement.approvals import ApprovalHolds
from vallum.model import Action, Decision, Event

NOTICE_PREFIX = "[vallum]"
Evaluate = Callable[[Event], Awaitable[Decision]]


class Verdict(StrEnum):
    """What an enforcement point does with a tool call, given the engine's decision on it."""

    RUN = "run"
    HOLD = "hold"
    REFUSE = "refuse"


def verdict(decision: Decision) -> Verdict:
    """The one rule every enforcement point applies to a decision on a tool call: allowed calls
    run, calls that need approval are held, and everything else is refused (a block, and a
    redaction too: arguments cannot be delivered redacted, so a call that would need one does
    not run)."""
    if decision.action is Action.ALLOW:
        return Verdict.RUN
    if decision.action is Action.REQUIRE_APPROVAL:
        return Verdict.HOLD
    return Verdict.REFUSE


@dataclass(frozen=True, slots=True)
class Notice:
    """What the client is told about a tool call that was refused or held."""

    tool: str
    status: Literal["denied", "pending"]
    message: str
    decision_id: str
    evidence_id: str | None
    hold_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "status": self.status,
            "message": self.message,
            "decision_id": self.decision_id,
            "evidence_id": self.evidence_id,
            "hold_id": self.hold_id,
        }


def parse_arguments(text: str) -> dict[str, Any]:
    """A model's tool-call arguments (JSON text) as the mapping policies see."""
    try:
        value = json.loads(text) if text.strip() else {}
    except ValueError:
        return {"_unparsed": text}
    return value if isinstance(value, dict) else {"_value": value}


async def authorize_tool_call(
    event: Event, *, evaluate: Evaluate, holds: ApprovalHolds, approval: str | None = None
) -> Notice | None:
    """None when the call of `event` may run now; otherwise the notice that it was refused or
    held. `approval` names an approval the client was given for this exact call: a granted one
    releases it (once)."""
    assert event.tool_call is not None
    tool = event.tool_call.name
    decision = await evaluate(event)
    what = verdict(decision)
    if what is Verdict.RUN:
        return None
    if what is Verdict.HOLD:
        if approval and await holds.release(approval, event, decision):
            return None
        hold = await holds.hold(event, decision)
        message = f"{NOTICE_PREFIX} {hold.message}: {decision.explain()}"
        return Notice(tool, "pending", message, decision.id, decision.evidence_id, hold.id)
    message = f"{NOTICE_PREFIX} the call to {tool} was blocked: {decision.explain()} (evidence {decision.evidence_id})"
    return Notice(tool, "denied", message, decision.id, decision.evidence_id)
