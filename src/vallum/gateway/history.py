"""Checking each message of a conversation once per session, not once per request.

Chat clients resend the whole history with every request. Without this, a 50-turn conversation
re-scans 100 old messages and writes 100 decision records per request. Instead, once a
request's evidence is committed, each message it allowed is marked in the session store:
key -> the evidence id of the decision that allowed it. A later request of the same session
skips a message whose key is marked, and its request record lists
`covered: [{"message": index, "decision": evidence_id}]`, so the evidence still says which
decision covered every message.

The key is a hash of everything the decision depended on: the bundle version, the labels the
policies could tell apart (the session's, plus those the message itself adds:
`Decision.labels`, cut to the labels tested by the policies that can apply to the message's
action and resource: `Engine.labels_read`, `Authorizer.labels_read_for`; a bundle whose labels
only matter to tool calls keys model requests by no label at all),
principal, stage, role, source, tool, model, prompt and the text. A later request looks a
message up under the session's current labels, cut the same way; since a message's own labels
are already in the session, a hit means the policies would see the same context as far as they
can tell. Same key, same decision (detectors and policies are pure, and the policies' answer
for any labels is their answer for those labels cut to the ones they test), so reusing it
weakens nothing:

- labels the policies do not test (`model`, added by every answer; `user`) change no key: the
  turn after an answer does not check the history again; nor do labels tested only by
  policies that cannot apply to the message (`pii`, in a bundle that tests it on tool calls);
- labels only grow; when a label the policies test appears, the keys change and history is
  checked again once under the new labels (a session sees a handful of such changes);
- the labels a decision added stay in the session store, and marks live and expire with them
  (`vallum.sessions.store.CheckMarks`);
- only allows and redactions are marked: blocks, approvals and decisions where a detector
  failed open are taken again every time; a redaction's mark keeps the redacted text (it holds
  no more than what is forwarded upstream), which a covered message is delivered as;
- marks are written after the evidence they point to is committed, so they never name a
  record that does not exist;
- with several replicas sharing Redis they share marks; with separate stores each replica
  has its own; a missing mark only means the message is checked again.

Without a session header each request is a session of its own, so its history starts empty.
Marks then live in a scope per principal and opening message (`content_scope`: a
conversation resent turn after turn, bounded and expiring like any session's) and carry the
labels the decision added (`labels_key`); a message found there is covered and what its check
left in the session is put in the request's session, as its check would have: its labels, and
for a message whose check leaves fingerprints (what the user wrote when a tool call can follow,
retrieved documents, tool results: `shareable` is false), those fingerprints, computed from the
message as it is now (`Engine.taint`: a pure function of the event) and kept in a bounded cache
(`TaintCache`), so a conversation resent turn after turn is fingerprinted once per process.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from cachetools import LRUCache

from vallum.bundle.schema import BundleConfig
from vallum.engine import USER_ROLES
from vallum.labels import origin_labels
from vallum.model import Action, Decision, Event, Stage

_LABELS_SUFFIX = "/labels"
_REDACTED_SUFFIX = "/redacted"
MAX_REDACTED_CHARS = 65_536  # a longer redacted message is redacted again each time
TAINT_CACHE_HASHES = 500_000  # fingerprints kept for replay, all messages together (~40 MB)

if TYPE_CHECKING:
    from vallum.gateway.context import RequestContext


def visible(labels: Iterable[str], read: frozenset[str] | None) -> frozenset[str]:
    """The labels a decision depends on: those the policies test (`read`; None: all)."""
    return frozenset(labels) if read is None else read.intersection(labels)


def mark_key(bundle_version: str, labels: Iterable[str], event: Event) -> str:
    """The key under which `event`'s decision is remembered for its session."""
    tool = event.tool_call.name if event.tool_call is not None else ""
    parts = (
        bundle_version,
        "|".join(sorted(labels)),
        str(event.principal),
        event.stage.value,
        str(event.metadata.get("role", "")),
        event.source or "",
        tool,
        event.model or "",
        event.prompt or "",
    )
    digest = hashlib.sha256("\x1f".join(parts).encode())
    digest.update(b"\x1e")
    digest.update(event.text.encode(errors="surrogatepass"))
    return digest.hexdigest()[:40]


def reusable(decision: Decision) -> bool:
    """Whether a later request may rely on this decision instead of taking it again: an allow,
    or a redaction whose redacted text is kept with the mark (`redacted_key`), so the message is
    delivered redacted exactly as a new check would redact it."""
    if decision.action is Action.REDACT:
        text = decision.redacted_text
        if text is None or len(text) > MAX_REDACTED_CHARS:
            return False
    elif decision.action is not Action.ALLOW:
        return False
    return decision.evidence_id is not None and not decision.detector_failed


def redacted_key(key: str) -> str:
    """The key of the redacted text of the redaction marked under `key`."""
    return key + _REDACTED_SUFFIX


def content_scope(ctx: RequestContext, events: Sequence[Event | None]) -> str:
    """Where a one-off request's marks live: shared by its principal's one-off requests that
    open with the same message (a conversation resent turn after turn), so they are bounded and
    expire like one session's (a scope per principal would grow without end)."""
    opening = next((e.text for e in events if e is not None), "")
    digest = hashlib.sha256(opening.encode(errors="surrogatepass")).hexdigest()[:32]
    return f"~content:{ctx.principal}:{digest}"


def shareable(event: Event, config: BundleConfig) -> bool:
    """Whether checking `event` leaves nothing behind but labels (see the module docstring)."""
    if event.stage is not Stage.INPUT:
        return False
    role = event.metadata.get("role", "user")
    return role not in USER_ROLES or not config.tools or not event.tools_may_follow


def added_labels(event: Event, decision: Decision, config: BundleConfig) -> frozenset[str]:
    """The labels a decision on `event` added to its session: origin and findings."""
    origin, _ = origin_labels(event, config)
    return frozenset(origin).union(*(f.labels for f in decision.findings))


def labels_key(key: str) -> str:
    """The key of the labels the decision marked under `key` added."""
    return key + _LABELS_SUFFIX


def encode_labels(labels: Iterable[str]) -> str:
    return "\n".join(sorted(labels))


def decode_labels(value: str) -> frozenset[str]:
    return frozenset(label for label in value.split("\n") if label)


Taint = Mapping[int, str]


class TaintCache:
    """The fingerprints of messages checked before, by content: bounded by the number of
    fingerprints held (the least recently used message goes first), safe across threads."""

    def __init__(self, max_hashes: int = TAINT_CACHE_HASHES):
        self._cache: LRUCache[str, Taint | None] = LRUCache(
            max_hashes, getsizeof=lambda taint: 1 + len(taint or ())
        )
        self._lock = threading.Lock()

    def put(self, key: str, taint: Taint | None) -> None:
        if taint is None or len(taint) + 1 <= self._cache.maxsize:  # else larger than the cache
            with self._lock:
                self._cache[key] = taint

    def get(self, key: str, compute: Callable[[], Taint | None]) -> Taint | None:
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        taint = compute()
        self.put(key, taint)
        return taint


def taint_key(key: str, event: Event) -> str:
    """The cache key of `event`'s fingerprints: its mark, and whether a tool call can follow
    (what the user wrote is fingerprinted only then)."""
    return f"{key}/{int(event.tools_may_follow)}"


class Replay:
    """Fingerprints of covered messages, to add to the request's session in as few calls as the
    store needs: grouped by the labels they carry (a store merges one group into an empty
    session by a copy), a message whose fingerprints carry several label sets on its own."""

    def __init__(self) -> None:
        self.groups: dict[str, set[int]] = {}
        self.mixed: list[Taint] = []

    def add(self, taint: Taint | None) -> None:
        if not taint:
            return
        values = set(taint.values())
        if len(values) == 1:
            self.groups.setdefault(values.pop(), set()).update(taint)
        else:
            self.mixed.append(taint)

    def batches(self) -> list[Taint]:
        """What to add to the session (each with no labels: those were added already); empty
        afterwards."""
        out: list[Taint] = [dict.fromkeys(hashes, joined) for joined, hashes in self.groups.items()]
        out += self.mixed
        self.groups, self.mixed = {}, []
        return out
