"""The replay of covered messages' fingerprints: bounded, and merged without losing a label."""

from __future__ import annotations

from vallum.gateway.history import Replay, TaintCache
from vallum.sessions.fingerprint import Kind, fingerprints
from vallum.sessions.store import MemorySessionStore


def test_the_cache_is_bounded_by_fingerprints_held() -> None:
    """Least recently used messages go first once the fingerprints held pass the bound; a
    message with more fingerprints than the whole cache is computed, never kept."""
    cache = TaintCache(max_hashes=100)
    computed: list[str] = []

    def taint(key: str, n: int) -> dict[int, str]:
        computed.append(key)
        return dict.fromkeys(range(n), "user")

    for key in ("a", "b", "c"):
        cache.get(key, lambda key=key: taint(key, 40))
    cache.get("c", lambda: taint("c", 40))  # held: not computed again
    cache.get("a", lambda: taint("a", 40))  # evicted by "c": computed again
    cache.get("huge", lambda: taint("huge", 500))
    cache.get("huge", lambda: taint("huge", 500))
    assert ["a", "b", "c", "a", "huge", "huge"] == computed


def test_replayed_fingerprints_reach_the_session_as_one_by_one_adds_would() -> None:
    """Grouped by labels, then written: the session ends with what adding each message's
    fingerprints in turn gives, a value seen by the user and in untrusted text included."""

    def fp(text: str, labels: str, kind: Kind = Kind.TEXT) -> dict[int, str]:
        return dict.fromkeys(fingerprints(text, kind), labels)

    web = "retrieval:web|untrusted"
    taints = [
        fp("please write to carol@partner.example", "user", Kind.USER),
        fp("mail carol@partner.example or mallory@evil.example", web),
        {**fp("dave@x.example", "untrusted"), **fp("erin@y.example", "user", Kind.USER)},
        {}, None,
    ]  # fmt: skip
    one_by_one, batched = MemorySessionStore(), MemorySessionStore()
    replay = Replay()
    for taint in taints:
        one_by_one.add("s", (), taint)
        replay.add(taint)
    for batch in replay.batches():
        batched.add("s", (), batch)
    assert [] == replay.batches()  # emptied
    values = {"carol": "carol@partner.example", "mallory": "mallory@evil.example",
              "dave": "dave@x.example", "erin": "erin@y.example"}  # fmt: skip
    expected = one_by_one.taint_of("s", values)
    assert {"user"} == expected["carol"] == expected["erin"]
    assert {"retrieval:web", "untrusted"} == expected["mallory"]
    assert "untrusted" in expected["dave"]
    assert expected == batched.taint_of("s", values)
