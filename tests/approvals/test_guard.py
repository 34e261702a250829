"""`@guard.tool` with approvals: raise with the id, or wait; an approved call runs once."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from vallum.bundle.loader import Bundle
from vallum.exceptions import ApprovalDenied, ApprovalPending
from vallum.guard import Guard


@pytest.fixture
def guard(approvals_bundle: Bundle, tmp_path: Path) -> Guard:
    return Guard(
        approvals_bundle,
        principal="agent:support-bot",
        database_url=f"sqlite:///{tmp_path / 'g.db'}",
    )


def test_raise_then_resume_runs_exactly_once(guard: Guard) -> None:
    """The first call raises ApprovalPending(id); after approval the same call runs once."""
    runs: list[float] = []

    @guard.tool
    def refund(order_id: str, amount: float) -> str:
        runs.append(amount)
        return "refunded"

    assert guard.approvals is not None
    with guard.session("s1"):
        with pytest.raises(ApprovalPending) as pending:
            refund("ORD-12345678", 250)
        with pytest.raises(ApprovalPending) as again:
            refund("ORD-12345678", 250)  # still pending: same approval, not a new one
        guard.approvals.decide(pending.value.approval_id, approver="user:fiona", approve=True)
        result = refund("ORD-12345678", 250)
        with pytest.raises(ApprovalPending) as third:
            refund("ORD-12345678", 250)
    assert pending.value.approval_id == again.value.approval_id
    assert ("refunded", [250]) == (result, runs)
    assert pending.value.approval_id != third.value.approval_id


def test_wait_mode_runs_when_approved_in_another_thread(guard: Guard) -> None:
    """With wait_for_approval the call blocks until a human approves, then runs."""
    assert guard.approvals is not None
    service = guard.approvals

    @guard.tool(wait_for_approval=30)
    def refund(order_id: str, amount: float) -> str:
        return f"refunded {amount}"

    def approver() -> None:
        while not (pending := service.store.list()):
            threading.Event().wait(0.02)
        service.decide(pending[0].id, approver="user:fiona", approve=True)

    thread = threading.Thread(target=approver)
    thread.start()
    with guard.session("s2"):
        result = refund("ORD-12345678", 300)
    thread.join()
    assert "refunded 300" == result


def test_wait_mode_raises_when_denied(guard: Guard) -> None:
    """A denial wakes the waiting async call with ApprovalDenied; the tool never runs."""
    assert guard.approvals is not None
    service = guard.approvals
    ran: list[bool] = []

    @guard.tool(wait_for_approval=30)
    async def refund(order_id: str, amount: float) -> str:
        ran.append(True)
        return "refunded"

    async def main() -> None:
        async def deny() -> None:
            while not (pending := await asyncio.to_thread(service.store.list)):
                await asyncio.sleep(0.02)
            await asyncio.to_thread(
                service.decide, pending[0].id, approver="user:fiona", approve=False
            )

        with guard.session("s3"):
            await asyncio.gather(refund("ORD-12345678", 500), deny())

    with pytest.raises(ApprovalDenied):
        asyncio.run(main())
    assert [] == ran


def test_wait_mode_times_out_as_pending(guard: Guard) -> None:
    """Nobody decides within the timeout: ApprovalPending, and the approval stays open."""

    @guard.tool(wait_for_approval=0.05)
    def refund(order_id: str, amount: float) -> str:
        return "refunded"

    with guard.session("s4"), pytest.raises(ApprovalPending) as info:
        refund("ORD-12345678", 400)
    assert guard.approvals is not None
    assert "pending" == guard.approvals.get(info.value.approval_id).status.value  # type: ignore[union-attr]
