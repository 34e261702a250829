"""Where session labels and taint fingerprints live.

Labels only ever grow within a session. `MemorySessionStore` is the embedded default;
`SqlSessionStore` keeps them in the evidence database so separate processes (two `vallum check`
calls, several gateway replicas) share a session.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from cachetools import FIFOCache, LRUCache

from vallum.sessions.canonical_forms import is_plain
from vallum.sessions.fingerprint import (
    PAIR_MATCH_RATIO,
    Forms,
    Kind,
    all_value_fingerprints,
    forms,
)

DEFAULT_MAX_SESSIONS = 100_000
MAX_MARKS_PER_SESSION = 4096
USER = "user"  # the one label of a value the user named
TRUSTED = "trusted"  # a value a trusted source or tool returned
MIN_NAMED_DIGITS = 4  # shorter numbers in the user's text do not name a value


class SessionStore(Protocol):
    """Labels and taint fingerprints per session."""

    def labels(self, session: str) -> frozenset[str]:
        """Every label the session holds."""
        ...

    def add(
        self, session: str, labels: Iterable[str], taint: Mapping[int, str] | None = None
    ) -> None:
        """Add labels, and fingerprints of untrusted content (hash -> its labels, `|`-joined)."""
        ...

    def taint_of(self, session: str, values: Mapping[str, str]) -> dict[str, frozenset[str]]:
        """For each named value, the labels of the untrusted content it appears in."""
        ...


@runtime_checkable
class CheckMarks(Protocol):
    """Which content a session has already had checked, and by which decision.

    Marks live and expire with the session's labels, so a mark never outlives the labels its
    decision added: whoever skips a check because of a mark still finds those labels in place.
    Keys are opaque (`vallum.gateway.history` builds them); values are evidence ids.
    """

    def checked(self, session: str, keys: Sequence[str]) -> dict[str, str]:
        """The keys among `keys` that are marked, each with its decision's evidence id."""
        ...

    def mark_checked(self, session: str, marks: Mapping[str, str]) -> None:
        """Mark keys as checked by these decisions (evidence ids)."""
        ...


def match_taint(values: Mapping[str, str], lookup: Mapping[int, str]) -> dict[str, frozenset[str]]:
    """Shared matching rule: a value carries the labels of the content it appears in.

    A value appears in content of one kind when its single token, or at least PAIR_MATCH_RATIO
    of its token pairs, are among that kind's hashes. A value the user named carries `user` and
    nothing else; otherwise it carries the labels of the untrusted text and of the records it
    appears in, and `trusted` when a trusted source returned it too.
    """
    return _match(values, {name: forms(v) for name, v in values.items()}, lookup)


def _match(
    values: Mapping[str, str], prepared: Mapping[str, Forms], lookup: Mapping[int, str]
) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for name, raw in values.items():
        value = prepared[name]  # tokens and separator-free forms, once per value
        # a look-alike or invisibly altered value is matched as what it imitates for taint,
        # never credited with the standing of the user's or a trusted source's value
        plain = is_plain(raw)
        if plain and not _incidental(value) and _covered(value, Kind.USER, lookup):
            out[name] = frozenset({USER})
            continue
        found: set[str] = set()
        # a short id (`7`) a trusted source returned is its id: no one else chose the number
        if plain and _covered(value, Kind.TRUSTED, lookup):
            found.add(TRUSTED)
        for kind in (Kind.TEXT, Kind.RECORD):
            for joined in _covered(value, kind, lookup):
                found.update(joined.split("|"))
        if found:
            out[name] = frozenset(found)
    return out


def merge_taint(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    """One value's labels from two stores, by the same rule: the user's if either says so."""
    return frozenset({USER}) if USER in a or USER in b else a | b


def _incidental(value: Forms) -> bool:
    """A short number (`13` of "June 13") is in the user's text by chance, not as a name."""
    toks = value.toks
    return len(toks) == 1 and toks[0].isdigit() and len(toks[0]) < MIN_NAMED_DIGITS


def _covered(value: Forms, kind: Kind, lookup: Mapping[int, str]) -> list[str]:
    """The stored label sets of the `kind` hashes that cover `value`; empty if they do not.
    A value whose separator-free form was seen separator-free is covered, however it was split."""
    for squashed in value.hashed(kind, squashed=True):
        if squashed in lookup:
            return [lookup[squashed]]
    wanted, single = value.hashed(kind, squashed=False), len(value.toks) == 1
    hits = [lookup[h] for h in wanted if h in lookup]
    if not wanted or not hits:
        return []
    if (single and len(hits) == len(wanted)) or (
        not single and len(hits) / len(wanted) >= PAIR_MATCH_RATIO
    ):
        return hits
    return []


@dataclass(slots=True)
class _Session:
    """What the memory store keeps per session; dropped as one when the session is evicted."""

    labels: set[str] = field(default_factory=set)
    taint: dict[int, str] = field(default_factory=dict)
    counters: dict[str, float] = field(default_factory=dict)  # sessions/history.py
    destinations: set[int] = field(default_factory=set)
    # Checked content: the oldest marks go first beyond MAX_MARKS_PER_SESSION.
    marks: FIFOCache[str, str] = field(default_factory=lambda: FIFOCache(MAX_MARKS_PER_SESSION))


class MemorySessionStore:
    """In-process session state, bounded: the least recently used sessions (read or written)
    are dropped first, their labels, taint and marks together (a `cachetools.LRUCache`)."""

    def __init__(self, max_sessions: int = DEFAULT_MAX_SESSIONS):
        self._sessions: LRUCache[str, _Session] = LRUCache(max_sessions)
        self._lock = threading.Lock()  # cachetools caches are not thread-safe

    def labels(self, session: str) -> frozenset[str]:
        with self._lock:
            found = self._sessions.get(session)  # a read is a use
            return frozenset() if found is None else frozenset(found.labels)

    def add(
        self, session: str, labels: Iterable[str], taint: Mapping[int, str] | None = None
    ) -> None:
        with self._lock:
            state = self._session(session)
            state.labels.update(labels)
            if taint:
                if not state.taint:  # a new session's first content: nothing to merge with
                    state.taint = dict(taint)
                else:
                    _merge_into(state.taint, taint)

    def checked(self, session: str, keys: Sequence[str]) -> dict[str, str]:
        with self._lock:
            found = self._sessions.get(session)
            if found is None or not found.marks:
                return {}
            marks = found.marks
            return {k: marks[k] for k in keys if k in marks}

    def mark_checked(self, session: str, marks: Mapping[str, str]) -> None:
        # An evicted (or never seen) session starts again: marks live and go with labels.
        with self._lock:
            self._session(session).marks.update(marks)

    def taint_of(self, session: str, values: Mapping[str, str]) -> dict[str, frozenset[str]]:
        # only the hashes these values can need, read under the lock (never a copy of the
        # session's whole taint: that was the cost of every lookup on a long session)
        prepared = {name: forms(v) for name, v in values.items()}
        wanted = {h for f in prepared.values() for h in all_value_fingerprints(f)}
        with self._lock:
            found = self._sessions.get(session)
            taint = found.taint if found is not None else {}
            known = {h: taint[h] for h in wanted if h in taint}
        return _match(values, prepared, known)

    def counters(self, session: str) -> dict[str, float]:
        with self._lock:
            found = self._sessions.get(session)
            return {} if found is None else dict(found.counters)

    def seen_destinations(self, session: str, fingerprints: Sequence[int]) -> set[int]:
        with self._lock:
            found = self._sessions.get(session)
            return set() if found is None else found.destinations.intersection(fingerprints)

    def record_history(
        self, session: str, increments: Mapping[str, float], destinations: Iterable[int]
    ) -> None:
        with self._lock:
            state = self._session(session)
            for key, amount in increments.items():
                state.counters[key] = state.counters.get(key, 0.0) + amount
            state.destinations.update(destinations)

    def _session(self, session: str) -> _Session:
        """The session's state, created if new; marked as the most recently used."""
        state = self._sessions.get(session)
        if state is None:
            state = self._sessions[session] = _Session()
        return state


def _merge_into(known: dict[int, str], taint: Mapping[int, str]) -> None:
    """`known[h] = _merge(known.get(h), joined)` for every hash of `taint`, with the hashes both
    hold found by one set intersection and the rest copied by one `update` (a message's
    fingerprints are mostly new to its session: thousands of hashes for a few KB)."""
    both = {
        h: _merge(known[h], taint[h]) for h in taint.keys() & known.keys() if known[h] != taint[h]
    }
    known.update(taint)
    known.update(both)


def _merge(old: str | None, new: str) -> str:
    if old is None or old == new:
        return new
    return "|".join(sorted(set(old.split("|")) | set(new.split("|"))))
