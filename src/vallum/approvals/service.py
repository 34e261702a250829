"""The approvals workflow as enforcement points use it: hold, decide, wait, release.

held = service.held_action(event, decision)      # a require_approval decision on a tool call
approval = service.hold(held)                    # pending, bound to the action hash
service.decide(approval.id, approver="user:fiona", approve=True)
service.release(approval.id, held)               # the same call, once; then never again
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from vallum.approvals.model import Approval, HeldAction, Status
from vallum.approvals.rules import covering_rules, missing_rules, roles_of
from vallum.approvals.store import ApprovalStore
from vallum.bundle.loader import Bundle
from vallum.exceptions import (
    ApprovalDenied,
    ApprovalError,
    ApprovalExpired,
    ApprovalNotFound,
    ApprovalPending,
)
from vallum.model import Action, Decision, Event
from vallum.storage.database import Database

if TYPE_CHECKING:
    from vallum.approvals.webhook import WebhookNotifier

DEFAULT_POLL_S = 0.25


class ApprovalService:
    """Approvals for one bundle: its rules say who decides, its approvers who holds which role."""

    def __init__(
        self,
        bundle: Bundle,
        store: ApprovalStore,
        *,
        notifier: WebhookNotifier | None = None,
    ):
        self.bundle = bundle
        self.store = store
        self.notifier = notifier

    @classmethod
    def open(
        cls,
        bundle: Bundle,
        database: Database,
        *,
        notify: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> ApprovalService:
        """A service on `database`, notifying the bundle's webhook when `notify` is true."""
        store = ApprovalStore(database, bundle_name=bundle.name, clock=clock)
        webhook = bundle.config.approvals.webhook
        notifier = None
        if notify and webhook is not None:
            # the webhook client (httpx) is imported only by bundles that configure one
            from vallum.approvals.webhook import WebhookNotifier

            notifier = WebhookNotifier.from_config(webhook)
        return cls(bundle, store, notifier=notifier)

    def close(self) -> None:
        if self.notifier is not None:
            self.notifier.close()

    # Enforcement points.
    def held_action(self, event: Event, decision: Decision) -> HeldAction:
        """The action a `require_approval` decision on a tool call holds."""
        if event.tool_call is None:
            raise ApprovalError("only tool calls can be held for approval")
        call = event.tool_call
        return held_from(decision, str(event.principal), event.session, call.name, call.arguments)

    def hold(self, action: HeldAction) -> Approval:
        """The pending approval for `action` (an open one for the same call is reused)."""
        rules, ttl_s = covering_rules(self.bundle.config.approvals.rules, action)
        approval, created = self.store.request(action, rules, ttl_s)
        if created and self.notifier is not None:
            self.notifier.notify(approval)
        return approval

    def release(self, approval_id: str | None, action: HeldAction) -> Approval | None:
        """Use an approval for exactly `action`: the one named, or any approved for it.

        With an id, raises when that approval may not be used (pending, denied, expired, used,
        or given for another call); without, returns None when no approval is ready.
        """
        if approval_id is not None:
            return self.store.consume(approval_id, action.action_hash, used_by=action.decision_id)
        return self.store.consume_matching(action.action_hash, used_by=action.decision_id)

    def wait(
        self,
        approval_id: str,
        timeout_s: float,
        *,
        poll_s: float = DEFAULT_POLL_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Approval:
        """Block until the approval is decided; raise if denied, expired or still pending."""
        deadline = time.monotonic() + timeout_s
        while True:
            approval = self._current(approval_id)
            if approval.status is not Status.PENDING:
                return _decided(approval)
            if time.monotonic() >= deadline:
                raise ApprovalPending(approval_id, f"approval {approval_id} is still pending")
            sleep(min(poll_s, max(0.0, deadline - time.monotonic())))

    async def await_decision(
        self, approval_id: str, timeout_s: float, *, poll_s: float = DEFAULT_POLL_S
    ) -> Approval:
        """`wait` for async callers: polls off the event loop, sleeps on it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            approval = await asyncio.to_thread(self._current, approval_id)
            if approval.status is not Status.PENDING:
                return _decided(approval)
            if loop.time() >= deadline:
                raise ApprovalPending(approval_id, f"approval {approval_id} is still pending")
            await asyncio.sleep(min(poll_s, max(0.0, deadline - loop.time())))

    # Approvers.
    def roles_of(self, principal: str) -> frozenset[str]:
        return roles_of(self.bundle.config.approvals.approvers, principal)

    def may_decide(self, approval: Approval, principal: str) -> bool:
        """Whether `principal` could decide `approval` now (for showing buttons; `decide`
        checks again)."""
        return (
            approval.status is Status.PENDING
            and principal != approval.principal
            and not missing_rules(approval.rules, self.roles_of(principal))
        )

    def decide(self, approval_id: str, *, approver: str, approve: bool, note: str = "") -> Approval:
        """Approve or deny as `approver`, whose roles come from `approvals.approvers`."""
        return self.store.decide(
            approval_id,
            approver=approver,
            roles=self.roles_of(approver),
            approve=approve,
            note=note,
        )

    def list(self, *, status: Status | None = None, limit: int = 100) -> list[Approval]:
        """Approvals, newest first, after expiring those past their time."""
        self.store.expire_due()
        return self.store.list(status=status, limit=limit)

    def get(self, approval_id: str) -> Approval | None:
        self.store.expire_due()
        return self.store.get(approval_id)

    def _current(self, approval_id: str) -> Approval:
        approval = self.get(approval_id)
        if approval is None:
            raise ApprovalNotFound(f"no approval {approval_id!r}")
        return approval


def held_from(
    decision: Decision, principal: str, session: str, tool: str, arguments: Mapping[str, Any]
) -> HeldAction:
    """The held action for a decision on a tool call, naming the policies that asked."""
    held = [r for r in decision.reasons if r.enforced and r.action is Action.REQUIRE_APPROVAL]
    return HeldAction(
        principal=principal,
        session=session,
        tool=tool,
        arguments=dict(arguments),
        decision_id=decision.evidence_id or decision.id,
        policies=tuple(r.policy_id or r.control for r in held),
        reasons=tuple(r.summary() for r in held),
        bundle_version=decision.bundle_version,
    )


def _decided(approval: Approval) -> Approval:
    if approval.status is Status.DENIED:
        raise ApprovalDenied(
            approval.id, f"approval {approval.id} was denied by {approval.decided_by}"
        )
    if approval.status is Status.EXPIRED:
        raise ApprovalExpired(approval.id)
    return approval
