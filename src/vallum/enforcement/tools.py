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

Arguments that arrive as text are read once (`read_arguments`): strictly, into a JSON object,
and the call that runs carries that object's canonical text (RFC 8785), never the text the model
wrote. Text that is not one JSON object (cut short, an array, a key twice) is refused with the
reason: a client that repairs or reads it its own way would run a call nobody checked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from vallum import strict_json
from vallum.bundle.gateway import Disclosure
from vallum.canonical import canonical_text
from vallum.enforcement import disclosure
from vallum.enforcement.approvals import ApprovalHolds
from vallum.exceptions import CanonicalJSONError, InputError
from vallum.ids import new_id
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


@dataclass(frozen=True, slots=True)
class Arguments:
    """Tool-call arguments read once: the object policies see and its canonical text, which is
    what the call carries from here on."""

    value: dict[str, Any]
    text: str


def read_arguments(text: str, *, max_depth: int = strict_json.DEFAULT_MAX_DEPTH) -> Arguments:
    """A model's tool-call arguments (JSON text) as one JSON object; empty text is `{}`.

    `InputError` says why text is refused (not JSON, not an object, a duplicate key, a number
    JSON cannot hold); `NestingTooDeep` (an `InputError`) when it nests deeper than `max_depth`.
    """
    value = strict_json.loads(text, max_depth=max_depth) if text.strip() else {}
    if not isinstance(value, dict):
        raise InputError(f"arguments are {_kind(value)}, not a JSON object")
    try:
        return Arguments(value, canonical_text(value))
    except CanonicalJSONError as exc:  # a lone surrogate
        raise InputError(f"arguments have no canonical form: {exc}") from None


def parse_arguments(text: str, *, max_depth: int = strict_json.DEFAULT_MAX_DEPTH) -> dict[str, Any]:
    """`read_arguments(text).value`."""
    return read_arguments(text, max_depth=max_depth).value


def refuse_unreadable(tool: str, problem: InputError) -> Notice:
    """The notice for a call whose arguments could not be read: refused, never delivered."""
    message = (
        f"{NOTICE_PREFIX} the call to {tool} was blocked: its arguments could not be checked "
        f"({problem})"
    )
    return Notice(tool, "denied", message, new_id(), None)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a boolean" if isinstance(value, bool) else "a number"


async def authorize_tool_call(
    event: Event,
    *,
    evaluate: Evaluate,
    holds: ApprovalHolds,
    approval: str | None = None,
    any_approval: bool = False,
    disclose: Disclosure = "minimal",
) -> Notice | None:
    """None when the call of `event` may run now; otherwise the notice that it was refused or
    held. `approval` names an approval the client was given for this exact call: a granted one
    releases it (once). With `any_approval`, for clients that cannot name one (an MCP client
    resends a call as the model wrote it), a granted approval for exactly this call (principal,
    session, tool, canonical arguments) releases it, once. The notice says why as far as
    `disclose` tells."""
    assert event.tool_call is not None
    tool = event.tool_call.name
    decision = await evaluate(event)
    what = verdict(decision)
    if what is Verdict.RUN:
        return None
    why = disclosure.explain(decision, disclose)
    because = f": {why}" if why else ""
    if what is Verdict.HOLD:
        if approval and await holds.release(approval, event, decision):
            return None
        if not approval and any_approval and await holds.release_matching(event, decision):
            return None
        hold = await holds.hold(event, decision)
        message = f"{NOTICE_PREFIX} {hold.message}{because}"
        return Notice(tool, "pending", message, decision.id, decision.evidence_id, hold.id)
    message = (
        f"{NOTICE_PREFIX} the call to {tool} was blocked{because} (evidence {decision.evidence_id})"
    )
    return Notice(tool, "denied", message, decision.id, decision.evidence_id)
