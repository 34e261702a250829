"""Fixtures for approvals: the example bundle with approvers, a fake clock, a service per DB."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from vallum.approvals import ApprovalService, HeldAction
from vallum.bundle.loader import Bundle
from vallum.bundle.schema import ApprovalRule, Approvals
from vallum.storage.database import Database

APPROVERS = {
    "user:fiona": ("finance",),
    "user:sam": ("support-lead",),
    "user:max": ("finance", "support-lead"),
    "agent:support-bot": ("finance",),  # may approve others' requests, never its own
}


class FakeClock:
    """UNIX seconds that only move when a test says so."""

    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def with_approvers(bundle: Bundle, rules: tuple[ApprovalRule, ...] | None = None) -> Bundle:
    approvals = Approvals(
        rules=bundle.config.approvals.rules if rules is None else rules, approvers=APPROVERS
    )
    config = bundle.config.model_copy(update={"approvals": approvals})
    return dataclasses.replace(bundle, config=config)


@pytest.fixture
def approvals_bundle(example_bundle: Bundle) -> Bundle:
    return with_approvers(example_bundle)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(
    approvals_bundle: Bundle, any_db: Database, clock: FakeClock
) -> Iterator[ApprovalService]:
    svc = ApprovalService.open(approvals_bundle, any_db, clock=clock)
    yield svc
    svc.close()


def refund(
    amount: float = 250, *, principal: str = "agent:support-bot", session: str = "s1"
) -> HeldAction:
    return HeldAction(
        principal=principal,
        session=session,
        tool="refund",
        arguments={"order_id": "ORD-12345678", "amount": amount},
        decision_id="d-" + str(amount),
        policies=("large-refund",),
        reasons=("large-refund: amount over 100",),
        bundle_version="v1",
    )
