"""Where session labels and taint fingerprints live.

Labels only ever grow within a session. `MemorySessionStore` is the embedded default;
`SqlSessionStore` keeps them in the evidence database so separate processes (two `vallum check`
calls, several gateway replicas) share a session.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from vallum.sessions.fingerprint import PAIR_MATCH_RATIO, Kind, tokens, value_fingerprints

DEFAULT_MAX_SESSIONS = 100_000
MAX_MARKS_PER_SESSION = 4096
USER = "user"  # the one label of a value the user named
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
    appears in.
    """
    out: dict[str, frozenset[str]] = {}
    for name, value in values.items():
        if not _incidental(value) and _covered(value, Kind.USER, lookup):
            out[name] = frozenset({USER})
            continue
        found: set[str] = set()
        for kind in (Kind.TEXT, Kind.RECORD):
            for joined in _covered(value, kind, lookup):
                found.update(joined.split("|"))
        if found:
            out[name] = frozenset(found)
    return out


def merge_taint(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    """One value's labels from two stores, by the same rule: the user's if either says so."""
    return frozenset({USER}) if USER in a or USER in b else a | b


def _incidental(value: str) -> bool:
    """A short number (`13` of "June 13") is in the user's text by chance, not as a name."""
    toks = tokens(value)
    return len(toks) == 1 and toks[0].isdigit() and len(toks[0]) < MIN_NAMED_DIGITS


def _covered(value: str, kind: Kind, lookup: Mapping[int, str]) -> list[str]:
    """The stored label sets of the `kind` hashes that cover `value`; empty if they do not."""
    wanted, single = value_fingerprints(value, kind)
    hits = [lookup[h] for h in wanted if h in lookup]
    if not wanted or not hits:
        return []
    if (single and len(hits) == len(wanted)) or (
        not single and len(hits) / len(wanted) >= PAIR_MATCH_RATIO
    ):
        return hits
    return []


class MemorySessionStore:
    """In-process session state, bounded: the least recently used sessions are dropped first."""

    def __init__(self, max_sessions: int = DEFAULT_MAX_SESSIONS):
        self._max = max_sessions
        self._labels: OrderedDict[str, set[str]] = OrderedDict()
        self._taint: dict[str, dict[int, str]] = {}
        self._marks: dict[str, OrderedDict[str, str]] = {}
        self._lock = threading.Lock()

    def labels(self, session: str) -> frozenset[str]:
        with self._lock:
            found = self._labels.get(session)
            if found is None:
                return frozenset()
            self._labels.move_to_end(session)
            return frozenset(found)

    def add(
        self, session: str, labels: Iterable[str], taint: Mapping[int, str] | None = None
    ) -> None:
        with self._lock:
            self._labels.setdefault(session, set()).update(labels)
            self._labels.move_to_end(session)
            if taint:
                known = self._taint.get(session)
                if known is None:  # a new session's first content: nothing to merge with
                    self._taint[session] = dict(taint)
                else:
                    for h, joined in taint.items():
                        known[h] = _merge(known.get(h), joined)
            while len(self._labels) > self._max:
                old, _ = self._labels.popitem(last=False)
                self._taint.pop(old, None)
                self._marks.pop(old, None)

    def checked(self, session: str, keys: Sequence[str]) -> dict[str, str]:
        with self._lock:
            marks = self._marks.get(session)
            if not marks:
                return {}
            return {k: marks[k] for k in keys if k in marks}

    def mark_checked(self, session: str, marks: Mapping[str, str]) -> None:
        with self._lock:
            if session not in self._labels:  # evicted (or never seen): marks go with labels
                self._labels[session] = set()
            self._labels.move_to_end(session)
            known = self._marks.setdefault(session, OrderedDict())
            known.update(marks)
            while len(known) > MAX_MARKS_PER_SESSION:
                known.popitem(last=False)
            while len(self._labels) > self._max:
                old, _ = self._labels.popitem(last=False)
                self._taint.pop(old, None)
                self._marks.pop(old, None)

    def taint_of(self, session: str, values: Mapping[str, str]) -> dict[str, frozenset[str]]:
        with self._lock:
            known = dict(self._taint.get(session, {}))
        return match_taint(values, known)


def _merge(old: str | None, new: str) -> str:
    if old is None or old == new:
        return new
    return "|".join(sorted(set(old.split("|")) | set(new.split("|"))))
