"""Session history in policy: counts and sums per tool and argument, sends after an untrusted
read, first-time destinations; the same on every store, and across replicas."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from vallum.bundle.loader import load_bundle
from vallum.engine import Engine
from vallum.model import Action, Event, Principal, Stage, ToolCall
from vallum.sessions.history import SessionHistory, destination_fingerprint
from vallum.sessions.sql import SqlSessionStore
from vallum.sessions.store import MemorySessionStore, SessionStore
from vallum.storage.database import Database

AGENT = Principal("agent", "bank-bot")
IBAN = "DE89370400440532013000"
OTHER = "GB29NWBK60161331926819"

POLICIES = """
@id("session-transfer-cap")
forbid (principal, action == Action::"tool.call", resource)
when {
  resource.side_effects &&
  context.history.totals["send_money:amount"] + context.history.totals["schedule:amount"] > 1000
};

@id("sends-after-untrusted")
@obligation("require_approval")
forbid (principal, action == Action::"tool.call", resource == Tool::"send_money")
when { context.history.after_untrusted["send_money"] > 2 };

@id("first-time-payee")
@obligation("require_approval")
forbid (principal, action == Action::"tool.call", resource == Tool::"schedule")
when {
  context.arg_labels.contains("recipient:first-time") &&
  context.history.totals["schedule:amount"] > 100
};
"""

HISTORY_TYPE = """
type History = {
  calls: { send_money: Long, schedule: Long },
  after_untrusted: { send_money: Long, schedule: Long },
  totals: { "send_money:amount": Long, "schedule:amount": Long },
};
"""


def _stores(request: pytest.FixtureRequest, kind: str) -> tuple[SessionStore, SessionStore]:
    """Two stores on one backend: two replicas (memory: the same store twice)."""
    if kind == "memory":
        one = MemorySessionStore()
        return one, one
    if kind == "redis":
        from vallum.sessions.redis import RedisSessionStore

        first: RedisSessionStore = request.getfixturevalue("redis_session_store")
        return first, RedisSessionStore(first._redis, prefix=first._prefix)
    db: Database = request.getfixturevalue(f"{kind}_db")
    return SqlSessionStore(db), SqlSessionStore(db)


@pytest.fixture(params=["memory", "sqlite", "postgres", "redis"])
def replicas(request: pytest.FixtureRequest) -> tuple[SessionStore, SessionStore]:
    return _stores(request, request.param)


def test_counters_add_up_across_replicas(replicas: tuple[SessionStore, SessionStore]) -> None:
    """Each replica's increments land; either replica reads the sum."""
    a, b = replicas
    assert isinstance(a, SessionHistory) and isinstance(b, SessionHistory)
    a.record_history("h1", {"calls:send_money": 1, "sum:send_money:amount": 400.5}, [1, 2])
    b.record_history("h1", {"calls:send_money": 1, "sum:send_money:amount": 100}, [3])
    b.record_history("h2", {"calls:send_money": 1}, [])
    assert {"calls:send_money": 2.0, "sum:send_money:amount": 500.5} == a.counters("h1")
    assert {1, 3} == b.seen_destinations("h1", [1, 3, 4])
    assert set() == a.seen_destinations("h2", [1])


def test_concurrent_increments_are_not_lost(replicas: tuple[SessionStore, SessionStore]) -> None:
    """Two replicas incrementing at once: every increment counts (no read-modify-write)."""
    a, b = replicas
    assert isinstance(a, SessionHistory) and isinstance(b, SessionHistory)

    def work(store: SessionHistory) -> None:
        for _ in range(25):
            store.record_history("h3", {"calls:send_money": 1}, [])

    threads = [threading.Thread(target=work, args=(s,)) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 50.0 == a.counters("h3")["calls:send_money"]


@pytest.fixture
def engine_factory(bundle_copy: Path) -> object:
    config_file = bundle_copy / "vallum.yaml"
    config = yaml.safe_load(config_file.read_text())
    for name in ("send_money", "schedule"):
        config["tools"][name] = {
            "args": {"recipient": "string", "amount": "number"},
            "side_effects": True,
            "destinations": ["recipient"],
        }
    config["tools"]["read_mail"] = {"args": {}, "results": "untrusted"}
    config["controls"] = []
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    (bundle_copy / "policies.cedar").write_text(
        (bundle_copy / "policies.cedar").read_text() + POLICIES
    )
    schema = bundle_copy / "schema.cedarschema"
    text = schema.read_text().replace(
        "type VallumContext = {", HISTORY_TYPE + "type VallumContext = {\n  history: History,"
    )
    schema.write_text(text)
    bundle = load_bundle(bundle_copy)

    def build(store: SessionStore) -> Engine:
        return Engine(bundle, sessions=store)

    return build


def _send(engine: Engine, amount: object, tool: str = "send_money", to: str = IBAN) -> Action:
    call = ToolCall(tool, {"recipient": to, "amount": amount})
    return engine.evaluate(Event(Stage.TOOL_CALL, AGENT, "s", tool_call=call), sink=None).action


def _say(engine: Engine, text: str) -> None:
    engine.evaluate(Event(Stage.INPUT, AGENT, "s", text=text), sink=None)


@pytest.mark.parametrize(
    "amounts",
    [
        [400, 400, 400],
        [400.0, "400", Decimal("400")],  # odd types
        ["400", "4e2", 400.004],  # a string the model wrote, an exponent, fractions round up
        [-400, 400, 400],  # a negative amount counts by its size
    ],
)
def test_session_total_caps_transfers(engine_factory: object, amounts: list[object]) -> None:
    """Total transferred this session: the transfer that crosses 1,000 is blocked."""
    engine = engine_factory(MemorySessionStore())  # type: ignore[operator]
    _say(engine, f"Pay {IBAN} and {OTHER} as agreed")
    assert [Action.ALLOW, Action.ALLOW, Action.BLOCK] == [_send(engine, a) for a in amounts]


def test_total_counts_every_route(engine_factory: object) -> None:
    """The cap sums both money tools: splitting the transfer across them does not pass."""
    engine = engine_factory(MemorySessionStore())  # type: ignore[operator]
    _say(engine, f"Pay {IBAN} as agreed")
    assert Action.ALLOW == _send(engine, 600)
    assert Action.BLOCK == _send(engine, 600, tool="schedule")


def test_cap_holds_across_replicas(request: pytest.FixtureRequest, engine_factory: object) -> None:
    """Two gateway replicas on one database share the session's total."""
    a, b = _stores(request, "sqlite")
    one, two = engine_factory(a), engine_factory(b)  # type: ignore[operator]
    _say(one, f"Pay {IBAN} as agreed")
    assert Action.ALLOW == _send(one, 600)
    assert Action.BLOCK == _send(two, 600)


def test_sends_after_an_untrusted_read_are_counted(engine_factory: object) -> None:
    engine = engine_factory(MemorySessionStore())  # type: ignore[operator]
    _say(engine, f"Pay {IBAN} as agreed")
    assert [Action.ALLOW, Action.ALLOW] == [_send(engine, 10), _send(engine, 10)]
    call = ToolCall("read_mail", {})
    engine.evaluate(
        Event(Stage.TOOL_RESULT, AGENT, "s", text="weekly newsletter", tool_call=call), sink=None
    )
    after = [_send(engine, 10) for _ in range(3)]
    assert [Action.ALLOW, Action.ALLOW, Action.REQUIRE_APPROVAL] == after


def test_first_time_destination(engine_factory: object) -> None:
    """A payee this session never paid is `first-time`, however its IBAN is written; a payee
    whose call was held stays new (retrying does not make it known)."""
    engine = engine_factory(MemorySessionStore())  # type: ignore[operator]
    _say(engine, f"Pay {IBAN} and {OTHER} please")
    assert Action.ALLOW == _send(engine, 50, "schedule")  # first time, small: now known
    spaced = " ".join(IBAN[i : i + 4] for i in range(0, len(IBAN), 4))
    assert Action.ALLOW == _send(engine, 200, "schedule", spaced)  # same payee, written otherwise
    assert Action.REQUIRE_APPROVAL == _send(engine, 20, "schedule", OTHER)  # new, total over 100
    assert Action.REQUIRE_APPROVAL == _send(engine, 20, "schedule", OTHER)  # held: still new
    assert destination_fingerprint(spaced) == destination_fingerprint(IBAN)
    assert destination_fingerprint(OTHER) != destination_fingerprint(IBAN)
