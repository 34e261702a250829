"""Approvals on SQLite and PostgreSQL: binding, single use, expiry, roles, evidence."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from vallum.approvals import ApprovalService, Status, action_hash
from vallum.exceptions import (
    ApprovalDenied,
    ApprovalError,
    ApprovalExpired,
    ApprovalForbidden,
    ApprovalPending,
)

from .conftest import FakeClock, refund


def _kinds(service: ApprovalService) -> list[str]:
    return [
        r.record["kind"]
        for r in service.store.evidence.iter_records()
        if r.record["kind"].startswith("approval.")
    ]


def test_hash_binds_every_part_of_the_call() -> None:
    """Changing principal, session, tool or any argument changes the hash; 100 == 100.0."""
    base = action_hash("agent:a", "s", "refund", {"amount": 100, "order_id": "1"})
    changed = {
        action_hash("agent:b", "s", "refund", {"amount": 100, "order_id": "1"}),
        action_hash("agent:a", "t", "refund", {"amount": 100, "order_id": "1"}),
        action_hash("agent:a", "s", "refunds", {"amount": 100, "order_id": "1"}),
        action_hash("agent:a", "s", "refund", {"amount": 101, "order_id": "1"}),
        action_hash("agent:a", "s", "refund", {"amount": 100, "order_id": "2"}),
    }
    same = action_hash("agent:a", "s", "refund", {"order_id": "1", "amount": 100.0})
    assert (5, base) == (len(changed - {base}), same)


def test_approved_call_goes_through_exactly_once(service: ApprovalService) -> None:
    """An approval releases its call once; a second use is refused."""
    held = refund()
    approval = service.hold(held)
    service.decide(approval.id, approver="user:fiona", approve=True, note="ok")
    used = service.release(approval.id, held)
    assert used is not None
    assert Status.USED == used.status
    with pytest.raises(ApprovalError, match="already been used"):
        service.release(approval.id, held)


def test_open_request_is_reused_for_the_same_call(service: ApprovalService) -> None:
    """Asking twice for the same call yields the same pending approval, and one record."""
    first = service.hold(refund())
    second = service.hold(refund())
    assert (first.id, ["approval.requested"]) == (second.id, _kinds(service))


def test_changed_argument_needs_a_new_approval(service: ApprovalService) -> None:
    """An approval given for amount 250 does not release amount 251."""
    approval = service.hold(refund(250))
    service.decide(approval.id, approver="user:fiona", approve=True)
    with pytest.raises(ApprovalError, match="different call"):
        service.release(approval.id, refund(251))
    assert service.release(None, refund(251)) is None


def test_pending_and_denied_do_not_release(service: ApprovalService) -> None:
    """A pending approval raises ApprovalPending; a denied one ApprovalDenied."""
    held = refund()
    approval = service.hold(held)
    with pytest.raises(ApprovalPending):
        service.release(approval.id, held)
    service.decide(approval.id, approver="user:fiona", approve=False, note="no")
    with pytest.raises(ApprovalDenied):
        service.release(approval.id, held)


def test_self_approval_is_refused(service: ApprovalService) -> None:
    """The principal that asked cannot approve, even holding the right role."""
    approval = service.hold(refund())
    with pytest.raises(ApprovalForbidden, match="own request"):
        service.decide(approval.id, approver="agent:support-bot", approve=True)
    assert Status.PENDING == service.get(approval.id).status  # type: ignore[union-attr]


def test_approver_needs_the_rules_role(service: ApprovalService) -> None:
    """A refund needs `finance`: support-lead and unknown principals may neither approve nor deny."""
    approval = service.hold(refund())
    for who, approve in (("user:sam", True), ("user:sam", False), ("user:nobody", True)):
        with pytest.raises(ApprovalForbidden, match="refunds: one of finance"):
            service.decide(approval.id, approver=who, approve=approve)
    decided = service.decide(approval.id, approver="user:max", approve=True)
    assert ("approved", "user:max") == (decided.status.value, decided.decided_by)


def test_pending_request_expires(service: ApprovalService, clock: FakeClock) -> None:
    """A request not decided within the rule's expiry (4h for refunds) expires, with evidence."""
    approval = service.hold(refund())
    clock.advance(4 * 3600 + 1)
    with pytest.raises(ApprovalExpired):
        service.decide(approval.id, approver="user:fiona", approve=True)
    assert Status.EXPIRED == service.get(approval.id).status  # type: ignore[union-attr]
    assert ["approval.requested", "approval.expired"] == _kinds(service)


def test_approved_but_unused_approval_expires(service: ApprovalService, clock: FakeClock) -> None:
    """An approval not used within its lifetime after approval cannot be used later."""
    held = refund()
    approval = service.hold(held)
    clock.advance(3600)
    service.decide(approval.id, approver="user:fiona", approve=True)
    clock.advance(4 * 3600 - 1)
    assert [] == [a.id for a in service.store.expire_due()]
    clock.advance(2)
    with pytest.raises(ApprovalExpired):
        service.release(approval.id, held)


def test_every_step_is_evidence_in_an_intact_chain(service: ApprovalService) -> None:
    """Request, decision and use are evidence records, and the chain verifies."""
    held = refund()
    approval = service.hold(held)
    service.decide(approval.id, approver="user:fiona", approve=True, note="customer called")
    service.release(approval.id, held)
    records = [r.record for r in service.store.evidence.iter_records()]
    approved = next(r for r in records if r["kind"] == "approval.approved")
    assert ["approval.requested", "approval.approved", "approval.used"] == _kinds(service)
    assert ("user:fiona", "customer called", approval.id) == (
        approved["approver"],
        approved["note"],
        approved["approval"]["id"],
    )
    assert 3 == service.store.evidence.verify().records


def test_single_use_under_a_race(service: ApprovalService) -> None:
    """Eight threads racing to use one approval: exactly one wins."""
    held = refund()
    approval = service.hold(held)
    service.decide(approval.id, approver="user:fiona", approve=True)

    def attempt(_: int) -> bool:
        try:
            return service.release(approval.id, held) is not None
        except ApprovalError:
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert (1, 1) == (results.count(True), _kinds(service).count("approval.used"))


def test_rule_naming_a_policy_covers_only_that_policy(service: ApprovalService) -> None:
    """An action no rule covers falls to the `admin` role, not to anyone."""
    held = refund()
    email = type(held)(
        principal=held.principal,
        session=held.session,
        tool="get_order",
        arguments={"order_id": "1"},
        decision_id="d",
    )
    approval = service.hold(email)
    assert (("default",), ("admin",)) == (tuple(r.id for r in approval.rules), approval.roles)
