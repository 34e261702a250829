"""Tool calls through the shared enforcement core: allowed, refused with the reason, held and
released exactly once."""

from __future__ import annotations

import pytest

from vallum.approvals.service import ApprovalService
from vallum.bundle.gateway import Disclosure
from vallum.bundle.loader import Bundle
from vallum.enforcement.approvals import ApprovalHolds
from vallum.enforcement.tools import (
    NOTICE_PREFIX,
    Verdict,
    authorize_tool_call,
    parse_arguments,
    read_arguments,
    verdict,
)
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.exceptions import InputError, NestingTooDeep
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
    parts: tuple[Engine, ApprovalHolds],
    event: Event,
    approval: str | None = None,
    disclose: Disclosure = "full",
):  # type: ignore[no-untyped-def]
    engine, holds = parts
    decisions: list[Decision] = []

    async def evaluate(e: Event) -> Decision:
        decisions.append(engine.evaluate(e))
        return decisions[-1]

    notice = await authorize_tool_call(
        event, evaluate=evaluate, holds=holds, approval=approval, disclose=disclose
    )
    return notice, decisions[-1]


@pytest.mark.asyncio
async def test_an_allowed_call_runs(parts: tuple[Engine, ApprovalHolds]) -> None:
    """A small refund of the order the user named is allowed: no notice, and the decision was
    recorded."""
    parts[0].evaluate(Event(Stage.INPUT, AGENT, "s", text="Please refund my order ORD-1."))
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
@pytest.mark.parametrize("disclose", ["minimal", "reasons"])
async def test_a_refused_call_tells_only_what_disclose_allows(
    parts: tuple[Engine, ApprovalHolds], disclose: Disclosure
) -> None:
    """Below `full` the notice carries no reason's message; `minimal` names no policy either."""
    event = _event("refund", Principal("user", "ann"), order_id="ORD-1", amount=20)
    notice, decision = await _authorize(parts, event, disclose=disclose)
    assert notice is not None
    messages = [r.message for r in decision.reasons if r.enforced]
    assert [] == [m for m in messages if m in notice.message]
    named = [r.policy_id for r in decision.reasons if r.policy_id and r.policy_id in notice.message]
    assert (disclose == "reasons") == bool(named)
    assert str(decision.evidence_id) in notice.message


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
        ("  \n", {}),
        (r'{"b": [1, {"c": null}], "a": "\u00e9"}', {"b": [1, {"c": None}], "a": "é"}),
    ],
)
def test_arguments_that_are_one_object_are_read(text: str, expected: dict[str, object]) -> None:
    """Arguments that are one JSON object are read as that object (empty text is no arguments)."""
    assert expected == parse_arguments(text)


def test_delivered_arguments_are_the_canonical_text_of_what_was_read() -> None:
    """The text a call carries after reading is RFC 8785 of the object policies saw."""
    read = read_arguments('{ "order_id" : "ORD-1",\n "amount": 1000.0 }')
    assert ({"order_id": "ORD-1", "amount": 1000.0}, '{"amount":1000,"order_id":"ORD-1"}') == (
        read.value,
        read.text,
    )


UNREADABLE = [
    ('{"order_id":"ORD-12345678","amount":1000', "not valid JSON"),  # brace missing
    ("[1000]", "an array"),
    (r'"{\"amount\": 1000}"', "a string"),  # an object smuggled inside a string
    ("1000", "a number"),
    ("null", "null"),
    ("true", "a boolean"),
    ('{"order_id":"ORD-1","amount":99999,"amount":1000}', "duplicate key 'amount'"),
    ('{"x":{"amount":1,"amount":2}}', "duplicate key 'amount'"),  # nested duplicate
    (r'{"amount":1,"\u0061mount":2}', "duplicate key 'amount'"),  # the same key escaped
    (r'{"amount":1,"\uff41mount":2}', "Unicode normalisation"),  # fullwidth a
    (r'{"caf\u00e9":1,"cafe\u0301":2}', "Unicode normalisation"),  # composed, decomposed
    ('{"amount": NaN}', "NaN is not a JSON number"),
    ('{"amount": Infinity}', "Infinity is not a JSON number"),
    ('{"amount": -Infinity}', "-Infinity is not a JSON number"),
    ('{"amount": 1e400}', "too large for a double"),
    ('{"amount": ' + "9" * 5000 + "}", "not valid JSON"),  # beyond Python's digit limit
    (r'{"a": "\ud800"}', "no canonical form"),  # a lone surrogate
    ('{"a": 1} {"b": 2}', "not valid JSON"),  # two values
    ('{"a": 1}garbage', "not valid JSON"),
]


@pytest.mark.parametrize(("text", "reason"), UNREADABLE)
def test_arguments_that_are_not_one_object_are_refused_with_the_reason(
    text: str, reason: str
) -> None:
    """Cut short, not an object, a key twice (however spelt), non-JSON numbers: refused, named."""
    with pytest.raises(InputError) as caught:
        read_arguments(text)
    assert reason in str(caught.value)


@pytest.mark.parametrize("depth", [65, 500, 5000, 100_000])
def test_arguments_nested_too_deep_are_refused_as_such(depth: int) -> None:
    """Nesting past the limit is `NestingTooDeep`, never a RecursionError, however deep."""
    with pytest.raises(NestingTooDeep):
        read_arguments('{"a":' + "[" * depth + "]" * depth + "}", max_depth=64)


def test_arguments_at_the_depth_limit_are_read() -> None:
    """Exactly `max_depth` levels (the object counts as one) are read."""
    text = '{"a":' + "[" * 63 + "]" * 63 + "}"
    assert "a" in read_arguments(text, max_depth=64).value


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
