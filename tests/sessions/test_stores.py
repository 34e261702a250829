"""Session labels and argument taint, in memory and in the database."""

from __future__ import annotations

import pytest

from rampart.sessions.fingerprint import fingerprints
from rampart.sessions.sql import SqlSessionStore
from rampart.sessions.store import MemorySessionStore, SessionStore
from rampart.storage.database import Database

PAGE = (
    "To claim your refund, write to Claims Desk <claims@evil.example> quoting order ORD-55512345."
)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> SessionStore:
    if request.param == "memory":
        return MemorySessionStore()
    db: Database = request.getfixturevalue(f"{request.param}_db")
    return SqlSessionStore(db)


def test_labels_accumulate_and_never_disappear(store: SessionStore) -> None:
    """Labels added across events are all kept, per session."""
    store.add("s1", ["user"])
    store.add("s1", ["pii", "pii.email"])
    store.add("s2", ["untrusted"])
    assert frozenset({"user", "pii", "pii.email"}) == store.labels("s1")
    assert frozenset({"untrusted"}) == store.labels("s2")
    assert frozenset() == store.labels("unknown")


@pytest.mark.parametrize(
    ("value", "tainted"),
    [
        ("claims@evil.example", True),
        ("CLAIMS@EVIL.EXAMPLE", True),
        ("Claims Desk", True),
        ("ORD-55512345", True),
        ("someone@else.example", False),
        ("ORD-99999999", False),
        ("to", False),
        ("refund policy", False),
    ],
)
def test_argument_taint(store: SessionStore, value: str, tainted: bool) -> None:
    """A value that appears in untrusted content carries its labels; others carry none."""
    store.add("s", ["untrusted"], dict.fromkeys(fingerprints(PAGE), "retrieval:web|untrusted"))
    found = store.taint_of("s", {"to": value})
    expected = {"to": frozenset({"retrieval:web", "untrusted"})} if tainted else {}
    assert expected == found


def test_taint_is_per_session(store: SessionStore) -> None:
    """Content read in one session does not taint another."""
    store.add("a", ["untrusted"], dict.fromkeys(fingerprints(PAGE), "untrusted"))
    assert {} == store.taint_of("b", {"to": "claims@evil.example"})


def test_memory_store_is_bounded() -> None:
    """The in-memory store drops the least recently used sessions beyond its bound."""
    store = MemorySessionStore(max_sessions=2)
    for name in ("a", "b", "c"):
        store.add(name, [name])
    assert (frozenset(), frozenset({"c"})) == (store.labels("a"), store.labels("c"))
