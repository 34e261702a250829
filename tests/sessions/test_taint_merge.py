"""A session's fingerprints merged in bulk give what merging them one hash at a time gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vallum.sessions.store import MemorySessionStore, _merge

LABELS = st.sampled_from(
    ["user", "untrusted", "retrieval:web|untrusted", "trusted", "record|tool:crm"]
)
TAINTS = st.lists(st.dictionaries(st.integers(0, 40), LABELS, max_size=30), max_size=6)


@given(TAINTS)
def test_bulk_merge_equals_one_hash_at_a_time(taints: list[dict[int, str]]) -> None:
    """Hashes both hold get the union of their labels; new ones are copied; none is lost."""
    store = MemorySessionStore()
    expected: dict[int, str] = {}
    for taint in taints:
        store.add("s", (), taint)
        for h, joined in taint.items():
            expected[h] = _merge(expected.get(h), joined)
    held = store._sessions.get("s")
    assert expected == (held.taint if held is not None else {})
