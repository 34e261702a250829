"""Tool calls through the shared enforcement core: allowed, refused with the reason, held and
released exactly once."""

from __future__ import annotations

import pytest

from vallum.approvals.service import ApprovalService
from vallum.bundle.loader import Bundle
from vallum.enforcement.approvals import ApprovalHolds
from vallum.enforcement.tools import (
    NOTICE_PREFIX,
    Verdict,
    authorize_tool_call,
    parse_arguments,
    verdict,
)
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.model import Action, Decision, Event, Principal, Stage, ToolCall
from vallum.storage.database import Database

AGENT = Principal("agent", "support-bot")


@pytest.fixture
def parts(example_bundle: Bundle, sqlite_db: Database) -> tuple[Engine, ApprovalHolds]:
    engine = Engine(example_bundle, evidence=EvidenceLog(sqlite_db))
    return engine, ApprovalHolds(ApprovalService.open(example_bundle, sqlite_db, notify=False))


def _event(name: str, who: Principal = AGENT, **args: object) -> Event:
    return Event(Stage.TOOL_CALL, who, "s", tool_call=ToolCall(name, args))


async def _authorize(
    parts: tuple[Engine, ApprovalHolds], event: Event, approval: str | None = None
):  # type: ignore[no-untyped-def]
    engine, holds = parts
    decisions: list[Decision] = []

    async def evaluate(e: Event) -> Decision:
        decisions.append(engine.evaluate(e))
        return decisions[-1]

    notice = await authorize_tool_call(event, evaluate=evaluate, holds=holds, approval=approval)
    return notice, decisions[-1]


@pytest.mark.asyncio
async def test_an_allowed_call_runs(parts: tuple[Engine, ApprovalHolds]) -> None:
    """A small refund is allowed: no notice, and the decision was recorded."""
    notice, decision = await _authorize(parts, _event("refund", order_id="ORD-1", amount=20))
    assert (None, True) == (notice, decision.evidence_id is not None)


@pytest.mark.asyncio
async def test_a_refused_call_names_the_policy_and_the_evidence(
    parts: tuple[Engine, ApprovalHolds],
) -> None:
    """A call a policy forbids is refused with that policy and the evidence id in the notice."""
    event = _event("refund", Principal("user", "ann"), order_id="ORD-1", amount=20)
    notice, decision = await _authorize(parts, event)
    assert notice is not None
    assert ("denied", decision.evidence_id) == (notice.status, notice.evidence_id)
    assert notice.message.startswith(f"{NOTICE_PREFIX} the call to refund was blocked: ")
    assert decision.explain() in notice.message


@pytest.mark.asyncio
async def test_a_held_call_is_released_once_after_approval(
    parts: tuple[Engine, ApprovalHolds],
) -> None:
    """A large refund is held; once approved, resending it with the id runs it, and only once."""
    _, holds = parts
    event = _event("refund", order_id="ORD-1", amount=1000)
    held, _ = await _authorize(parts, event)
    assert held is not None and held.status == "pending" and held.hold_id is not None
    holds.service.decide(held.hold_id, approver="user:fiona", approve=True)
    released, _ = await _authorize(parts, event, approval=held.hold_id)
    again, _ = await _authorize(parts, event, approval=held.hold_id)
    assert (None, "pending") == (released, again.status if again else None)


@pytest.mark.asyncio
async def test_an_approval_for_another_call_does_not_release(
    parts: tuple[Engine, ApprovalHolds],
) -> None:
    """An approval binds its exact call: another amount is held again, saying why."""
    _, holds = parts
    held, _ = await _authorize(parts, _event("refund", order_id="ORD-1", amount=1000))
    assert held is not None and held.hold_id is not None
    holds.service.decide(held.hold_id, approver="user:fiona", approve=True)
    other, _ = await _authorize(
        parts, _event("refund", order_id="ORD-1", amount=5000), held.hold_id
    )
    assert other is not None and other.status == "pending" and other.hold_id != held.hold_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ("", {}),
        ("[1]", {"_value": [1]}),
        ('{"a": 1', {"_unparsed": '{"a": 1'}),
    ],
)
def test_arguments_as_policies_see_them(text: str, expected: dict[str, object]) -> None:
    """Arguments parse to a mapping; anything else is kept so that policies can see it."""
    assert expected == parse_arguments(text)


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (Action.ALLOW, Verdict.RUN),
        (Action.REQUIRE_APPROVAL, Verdict.HOLD),
        (Action.BLOCK, Verdict.REFUSE),
        (Action.REDACT, Verdict.REFUSE),
    ],
)
def test_one_rule_for_every_enforcement_point(action: Action, expected: Verdict) -> None:
    """Allowed calls run, held calls wait, and blocks and redactions (arguments cannot be
    delivered redacted) are refused."""
    assert expected == verdict(Decision("d", action, (), (), "v", (), {}))
