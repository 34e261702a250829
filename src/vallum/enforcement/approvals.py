"""Holding tool calls for a human, for enforcement points that answer asynchronously.

A `require_approval` decision on a tool call becomes a pending approval bound to the call's
action hash (`vallum.approvals.model.action_hash`: principal, session, tool, canonical
arguments). The client learns the approval's id; resending the same call with that id releases
it once the approval is granted. Approvals live in the database of the `ApprovalService`, so
with PostgreSQL an approval given through any replica (or the CLI, or the dashboard) releases a
call held by another.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass

from cachetools import LRUCache

from vallum.approvals.model import HeldAction
from vallum.approvals.service import ApprovalService
from vallum.exceptions import ApprovalError
from vallum.model import Decision, Event

MAX_REMEMBERED = 1000
ONE_OFF_SESSION = "request-"  # a session an enforcement point made for one request only


@dataclass(frozen=True, slots=True)
class Hold:
    """A held call as the client is told about it."""

    id: str
    message: str


class ApprovalHolds:
    """Holds calls as approvals and releases each approved call once."""

    def __init__(self, service: ApprovalService):
        self.service = service
        # Why a resumed call was not released, keyed by action hash, for the next hold message.
        self._refusals: LRUCache[str, str] = LRUCache(maxsize=MAX_REMEMBERED)

    async def hold(self, event: Event, decision: Decision) -> Hold:
        """Record that the call of `event` waits for a human; the hold the client is told of."""
        action = self.service.held_action(event, decision)
        approval = await asyncio.to_thread(self.service.hold, action)
        roles = " or ".join(approval.roles)
        tool = action.tool
        message = f"the call to {tool} needs approval by {roles}; it is held as {approval.id}"
        refused = self._refusals.pop(action.action_hash, None)
        if refused:
            message = f"{refused}; {message}"
        return Hold(approval.id, message)

    async def release(self, hold_id: str, event: Event, decision: Decision) -> bool:
        """Whether approval `hold_id` authorizes exactly this call now (consumed if so)."""
        action = self.service.held_action(event, decision)
        try:
            await asyncio.to_thread(self._release, hold_id, action)
        except ApprovalError as exc:
            self._refusals[action.action_hash] = str(exc)
            return False
        return True

    async def release_matching(self, event: Event, decision: Decision) -> bool:
        """Whether a granted approval for exactly this call exists (consumed if so)."""
        action = self.service.held_action(event, decision)
        try:
            used = await asyncio.to_thread(self.service.release, None, action)
        except ApprovalError:
            return False
        return used is not None

    def _release(self, hold_id: str, action: HeldAction) -> None:
        # Without a named session every request is a session of its own, so the resent request
        # cannot share the held one's: the approval then binds principal, tool and arguments, and
        # the resent request stands in for the held one (which carried no other session state).
        approval = self.service.get(hold_id)
        if (
            approval is not None
            and _one_off(approval.session, approval.principal)
            and _one_off(action.session, action.principal)
        ):
            action = dataclasses.replace(action, session=approval.session)
        self.service.release(hold_id, action)


def _one_off(session: str, principal: str) -> bool:
    return session.startswith(f"{principal}/{ONE_OFF_SESSION}")
