"""The approvals workflow behind the gateway's hold seam (`HoldQueue`).

A held tool call becomes a pending approval bound to its action hash; resending the request
with `X-Vallum-Approval: ID` releases the same call once the approval is granted. Approvals
live in the gateway's database, so with PostgreSQL an approval given through any replica (or
the CLI, or the dashboard) releases a call held by another.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import OrderedDict
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.routing import Route

from vallum.approvals.api import approval_routes
from vallum.approvals.model import HeldAction
from vallum.approvals.service import ApprovalService, held_from
from vallum.exceptions import ApprovalError
from vallum.gateway.holds import HeldCall, Hold
from vallum.model import Principal

if TYPE_CHECKING:
    from vallum.gateway.gateway import Gateway

MAX_REMEMBERED = 1000
ONE_OFF_SESSION = "request-"  # `handler.session_of` without a session header


class ApprovalHolds:
    """A `HoldQueue` that holds calls as approvals and releases each approved call once."""

    def __init__(self, service: ApprovalService):
        self.service = service
        # Why a resumed call was not released, keyed by action hash, for the next hold message.
        self._refusals: OrderedDict[str, str] = OrderedDict()

    async def hold(self, call: HeldCall) -> Hold:
        action = _action(call)
        approval = await asyncio.to_thread(self.service.hold, action)
        roles = " or ".join(approval.roles)
        message = f"the call to {call.tool} needs approval by {roles}; it is held as {approval.id}"
        refused = self._refusals.pop(action.action_hash, None)
        if refused:
            message = f"{refused}; {message}"
        return Hold(approval.id, "pending", message)

    async def release(self, hold_id: str, call: HeldCall) -> bool:
        action = _action(call)
        try:
            await asyncio.to_thread(self._release, hold_id, action)
        except ApprovalError as exc:
            self._refusals[action.action_hash] = str(exc)
            while len(self._refusals) > MAX_REMEMBERED:
                self._refusals.popitem(last=False)
            return False
        return True

    def _release(self, hold_id: str, action: HeldAction) -> None:
        # Without X-Vallum-Session every request is a session of its own, so the resent request
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


def _action(call: HeldCall) -> HeldAction:
    return held_from(call.decision, str(call.principal), call.session, call.tool, call.arguments)


def approval_api(gw: Gateway) -> list[Route]:
    """The approvals API routes, authenticating approvers as gateway callers are."""

    async def authenticate(request: Request) -> Principal:
        token = gw.auth.credential(
            request.headers.get("authorization"), request.headers.get("x-api-key")
        )
        return await asyncio.to_thread(gw.auth.authenticate, token)

    return approval_routes(gw.approvals, authenticate)
