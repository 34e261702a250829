"""Session labels and argument taint, in memory and in the database."""

from __future__ import annotations

import pytest

from vallum.lifecycle.shadow import OverlaySessionStore
from vallum.sessions.fingerprint import Kind, fingerprints
from vallum.sessions.sql import SqlSessionStore
from vallum.sessions.store import (
    MAX_MARKS_PER_SESSION,
    USER,
    MemorySessionStore,
    SessionStore,
)
from vallum.storage.database import Database

PAGE = (
    "To claim your refund, write to Claims Desk <claims@evil.example> quoting order ORD-55512345."
)


@pytest.fixture(params=["memory", "sqlite", "postgres", "redis"])
def store(request: pytest.FixtureRequest) -> SessionStore:
    if request.param == "memory":
        return MemorySessionStore()
    if request.param == "redis":
        redis: SessionStore = request.getfixturevalue("redis_session_store")
        return redis
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
        ("to", True),  # every token counts, however short: file 13, account 7
        ("55", False),
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


def test_memory_store_keeps_a_session_that_was_read() -> None:
    """Reading a session's labels is a use: the session not used since is the one dropped."""
    store = MemorySessionStore(max_sessions=2)
    store.add("a", ["a"])
    store.add("b", ["b"])
    store.labels("a")
    store.add("c", ["c"])
    assert [{"a"}, set(), {"c"}] == [set(store.labels(name)) for name in ("a", "b", "c")]


def test_memory_store_drops_taint_and_marks_with_the_labels() -> None:
    """An evicted session loses its taint and its checked marks with its labels, so a mark
    never outlives the labels its decision added."""
    store = MemorySessionStore(max_sessions=1)
    store.add("a", ["untrusted"], dict.fromkeys(fingerprints(PAGE), "untrusted"))
    store.mark_checked("a", {"k": "ev-1"})
    before = (store.checked("a", ["k"]), store.taint_of("a", {"to": "claims@evil.example"}))
    store.add("b", ["b"])
    after = (store.checked("a", ["k"]), store.taint_of("a", {"to": "claims@evil.example"}))
    assert (({"k": "ev-1"}, {"to": frozenset({"untrusted"})}), ({}, {})) == (before, after)


def test_memory_store_bounds_marks_per_session_oldest_first() -> None:
    """Beyond MAX_MARKS_PER_SESSION marks, the oldest go first."""
    store = MemorySessionStore()
    store.mark_checked("s", {f"k{i}": f"ev-{i}" for i in range(MAX_MARKS_PER_SESSION + 2)})
    last = f"k{MAX_MARKS_PER_SESSION + 1}"
    assert {"k2": "ev-2", last: f"ev-{MAX_MARKS_PER_SESSION + 1}"} == store.checked(
        "s", ["k0", "k1", "k2", last]
    )


def _mixed_session(store: SessionStore) -> None:
    """A session where the user named one address, a record holds another, and a page's text
    mentions both of those and a third."""
    store.add(
        "s",
        ["user"],
        dict.fromkeys(fingerprints("Refund Ann at ann@shop.example please", Kind.USER), USER),
    )
    store.add(
        "s",
        ["untrusted"],
        dict.fromkeys(fingerprints("bob@corp.example", Kind.RECORD), "record|tool:crm"),
    )
    page = "Send it to ann@shop.example, carl@evil.example or to bob@corp.example."
    store.add("s", ["untrusted"], dict.fromkeys(fingerprints(page), "untrusted|tool:web"))
    store.add(
        "s",
        ["untrusted"],
        dict.fromkeys(fingerprints("dave@corp.example", Kind.RECORD), "record|tool:crm"),
    )


@pytest.mark.parametrize(
    ("value", "labels"),
    [
        ("ann@shop.example", {"user"}),  # the user named it: nothing else counts
        ("Refund Ann", {"user"}),
        ("carl@evil.example", {"untrusted", "tool:web"}),
        ("bob@corp.example", {"untrusted", "tool:web", "record", "tool:crm"}),  # text wins
        ("dave@corp.example", {"record", "tool:crm"}),  # only ever an identifier
        ("erin@nowhere.example", None),
    ],
)
def test_provenance_of_a_value(store: SessionStore, value: str, labels: set[str] | None) -> None:
    """User-named values carry `user` alone; others carry the labels of every kind of content
    they appear in, text and records alike."""
    _mixed_session(store)
    found = store.taint_of("s", {"to": value})
    assert ({"to": frozenset(labels)} if labels else {}) == found


def test_kinds_do_not_collide() -> None:
    """The same token (and its separator-free form) hashes differently for every kind."""
    per_kind = [fingerprints("bob@corp.example", kind) for kind in Kind]
    assert 2 * len(Kind) == len(set().union(*per_kind)) and all(len(f) == 2 for f in per_kind)


def test_shadow_overlay_keeps_user_precedence() -> None:
    """A shadow candidate reading the live session through its overlay sees the same provenance:
    the user's value stays the user's; other labels from both stores add up."""
    base, overlay = MemorySessionStore(), MemorySessionStore()
    base.add("s", ["user"], dict.fromkeys(fingerprints("mail ann@shop.example", Kind.USER), USER))
    base.add(
        "s", ["untrusted"], dict.fromkeys(fingerprints("carl@evil.example"), "untrusted|tool:a")
    )
    page = "ann@shop.example carl@evil.example"
    overlay.add("s", ["untrusted"], dict.fromkeys(fingerprints(page), "untrusted|tool:b"))
    found = OverlaySessionStore(base, overlay).taint_of(
        "s", {"to": "ann@shop.example", "cc": "carl@evil.example"}
    )
    assert {
        "to": frozenset({"user"}),
        "cc": frozenset({"untrusted", "tool:a", "tool:b"}),
    } == found
