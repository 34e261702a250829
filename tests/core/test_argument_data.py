"""Data leaving through tool arguments (issue 12, finding 6): PII and secrets in what a call
carries are found in every argument, placed, forbidden on external delivery whoever wrote them,
and redacted in evidence; the recipient's own address is not data leaving."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from vallum.argument_data import argument_text
from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.exceptions import ToolBlocked
from vallum.guard import Guard
from vallum.model import Action, Event, Principal, Stage, ToolCall

AGENT = Principal.parse("agent:support-bot")
CARD = "4111 1111 1111 1111"
SH = "\u00ad"
# Outside the company, on the example bundle's `partners` allowlist: where these emails go is
# proven, so what is tested here is only the data they carry.
EXTERNAL = "ann.lee@partner.example"


def call(engine: Engine, args: dict[str, Any], session: str = "fresh") -> tuple[Action, list[str]]:
    event = Event(Stage.TOOL_CALL, AGENT, session, tool_call=ToolCall("send_email", args))
    decision = engine.evaluate(event, sink=None)
    policies = [str(r.policy_id) for r in decision.reasons if r.enforced and r.policy_id]
    return decision.action, sorted(policies)


@pytest.fixture
def engine(example_bundle: Bundle) -> Engine:
    return Engine(example_bundle)


LEAKS = {
    "card in the body": {"to": EXTERNAL, "subject": "Details", "body": f"Card {CARD}"},
    "third party's address": {"to": EXTERNAL, "subject": "Hi", "body": "ask bob@corp.example.org"},
    "card split across subject and body": {"to": EXTERNAL, "subject": "4111 1111", "body": "1111 1111"},
    "address split across body and subject": {"to": EXTERNAL, "subject": "@corp.example.org", "body": "bob.smith"},
    "card in a nested object": {
        "to": EXTERNAL, "subject": "s", "body": "b",
        "attachments": [{"name": "a.txt", "data": {"card": "4111-1111-1111-1111"}}],
    },
    "card in a list": {"to": EXTERNAL, "subject": "s", "body": ["see below", "4111111111111111"]},
    "obfuscated card": {"to": EXTERNAL, "subject": "s", "body": "card ٤١١١" + SH + "١١١١ ١١١١ ١١١١"},
    "full-width recipient": {"to": "ａｎｎ＠ｇｍａｉｌ．ｃｏｍ", "subject": "s", "body": f"card {CARD}"},
    "card inside the recipient field": {"to": f"{EXTERNAL}, {CARD}", "subject": "s", "body": "b"},
    "unreadable recipient": {"to": "ann at gmail", "subject": "s", "body": f"card {CARD}"},
}  # fmt: skip


@pytest.mark.parametrize("args", LEAKS.values(), ids=LEAKS.keys())
def test_pii_in_an_external_email_is_blocked_in_a_fresh_session(
    engine: Engine, args: dict[str, Any]
) -> None:
    """PII in any content argument (split, nested, listed, obfuscated, or beside the address in
    `to`) of an email to anyone outside the company is forbidden, with no PII read before."""
    action, policies = call(engine, args)
    assert (Action.BLOCK, True) == (action, "pii-in-external-email" in policies)


QUIET = {
    "plain external email": {"to": EXTERNAL, "subject": "Your order", "body": "It has shipped."},
    "the recipient's address quoted": {
        "to": f"Ann Lee <{EXTERNAL}>", "subject": "Order", "body": f"Dear {EXTERNAL}, it shipped.",
    },
    "several recipients": {"to": f"{EXTERNAL}, bob@partner.example", "subject": "Hi", "body": "Thanks"},
    "PII to the company": {"to": "billing@acme.example", "subject": "s", "body": f"card {CARD}"},
    "order numbers and amounts": {"to": EXTERNAL, "subject": "ORD-12345678", "body": "Refund of 129.99 on 2024-03-15, ref 1234 5678"},
}  # fmt: skip


@pytest.mark.parametrize("args", QUIET.values(), ids=QUIET.keys())
def test_ordinary_emails_are_not_data_leaving(engine: Engine, args: dict[str, Any]) -> None:
    """An address in `to` is where the email goes, not data it carries; PII to the company's own
    domains stays inside; numbers that are not data are not data."""
    assert (Action.ALLOW, []) == call(engine, args)


def test_an_address_traced_nowhere_is_held_not_blocked_for_data(engine: Engine) -> None:
    """The same ordinary email to an address seen nowhere in the session waits for a human
    (`unproven-destination`): a destination hold, not data leaving."""
    args = {**QUIET["plain external email"], "to": "ann.lee@gmail.com"}
    assert (Action.REQUIRE_APPROVAL, ["unproven-destination"]) == call(engine, args)


def test_the_recipient_address_alone_does_not_label_the_session(engine: Engine) -> None:
    """Sending to an external address does not make the session a PII session: the next
    external email is not blocked for holding PII."""
    call(engine, QUIET["plain external email"], session="twice")
    assert (Action.ALLOW, []) == call(engine, QUIET["plain external email"], session="twice")


def test_a_secret_in_any_argument_is_blocked_even_internally(engine: Engine) -> None:
    """A key in a tool call leaves nowhere, inside the company either."""
    args = {
        "to": "billing@acme.example",
        "subject": "key",
        "body": "AKIA" + SH + "IOSFODNN7EXAMPLE",
    }
    assert Action.BLOCK == call(engine, args)[0]


def test_arguments_are_redacted_in_evidence(engine: Engine) -> None:
    """With `evidence.content: redacted`, addresses and numbers in arguments (the recipient
    too) are kept redacted, and the joined values checked after the call are not kept."""
    records: list[dict[str, Any]] = []
    args = {
        "to": "billing@acme.example",
        "subject": "re: " + EXTERNAL,
        "body": "call +1 415 555 0100",
    }
    event = Event(Stage.TOOL_CALL, AGENT, "ev", tool_call=ToolCall("send_email", args))
    engine.evaluate(event, sink=records.append)
    [record] = records
    assert {
        "to": "[REDACTED:pii.email]",
        "subject": "re: [REDACTED:pii.email]",
        "body": "call [REDACTED:pii.phone]",
    } == record["tool"]["arguments"]
    stored = record["content"]["text"]
    assert [] == [x for x in ("555", "gmail", "\n") if x in stored]


def test_each_argument_is_placed_where_its_canonical_value_lies() -> None:
    """Argument spans point at each value in the canonical text, nested and escaped ones too."""
    args = {"b": {"x": [1, 'é"']}, "a": "q", "\u00e9": "z"}
    placed = argument_text("t", args, (), ())
    assert [("a", '"q"'), ("b", '{"x":[1,"é\\""]}'), ("\u00e9", '"z"')] == [
        (name, placed.text[s:e]) for name, s, e in placed.spans
    ]


def test_the_sdk_refuses_an_email_carrying_a_card(example_dir: Path, tmp_path: Path) -> None:
    """Through @guard.tool: the function never runs when its body carries a card number."""
    guard = Guard(
        example_dir, principal="agent:support-bot", database_url=f"sqlite:///{tmp_path / 'g.db'}"
    )
    sent: list[str] = []

    @guard.tool
    def send_email(to: str, subject: str, body: str) -> str:
        sent.append(to)
        return "sent"

    with guard.session("sdk-fresh"), pytest.raises(ToolBlocked, match="pii-in-external-email"):
        send_email(EXTERNAL, "Your card", "on file: " + CARD.replace(" ", "\u200b"))
    with guard.session("sdk-fresh-2"):
        assert "sent" == send_email(EXTERNAL, "Your order", "It has shipped.")
    assert [EXTERNAL] == sent


@pytest.mark.parametrize("value", [100.00001, Decimal("100.00001")])
def test_an_over_precise_refund_is_not_rounded_under_the_limit(engine: Engine, value: Any) -> None:
    """`amount > 100.0` holds a refund; 100.00001 rounded to four places would have passed.
    The comparison fails on the opaque value and the forbid blocks (fails closed)."""
    event = Event(
        Stage.TOOL_CALL,
        AGENT,
        "precise",
        tool_call=ToolCall("refund", {"order_id": "ORD-12345678", "amount": value}),
    )
    assert Action.BLOCK == engine.evaluate(event, sink=None).action
