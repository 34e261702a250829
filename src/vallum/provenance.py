"""Provenance for the engine: what an event brings into its session, where each argument of a
tool call came from, and what side effects the session already had.

- `taint`: fingerprints of content entering the session (the user's words, a trusted source's,
  untrusted text, and records whose fields the bundle declares); a private tool's text read
  after untrusted content entered the session is `exposed` as well;
- `arg_labels`: per argument, the labels of the content it appears in and its positive
  provenance (`vallum.labels.destination_labels`), `ARG:unproven-link` for a link or address a
  side effect's text relays that traces to no one, `ARG:first-time` for a destination the
  session never sent anything to before;
- `History`: `context.history` for policies and the record of each side effect
  (`vallum.sessions.history`).

The engine calls these and applies no provenance rule of its own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import re2

from vallum.bundle.schema import BundleConfig
from vallum.detectors.normalize import normalize
from vallum.labels import (
    EXPOSED,
    TRUSTED,
    UNPROVEN_LINK,
    UNTRUSTED,
    UNTRUSTED_LINK,
    Piece,
    arg_pieces,
    classify_args,
    destination_labels,
    positive,
    record_labels,
)
from vallum.model import Event, Stage, Trust
from vallum.sessions.fingerprint import Kind, fingerprints, tokens
from vallum.sessions.history import (
    FIRST_TIME,
    SessionHistory,
    destination_fingerprint,
    history_context,
    increments,
)
from vallum.sessions.records import split_result
from vallum.sessions.store import USER, SessionStore

USER_ROLES = frozenset({"user", "system", "developer"})  # input roles whose values are the user's
# A side effect's content carries exposed data when one of its clauses (at least this many
# words between punctuation) or one distinctive token (letters and digits mixed, or a long
# number) was read exposed. A clause of fewer words ("see you soon") names no one's data.
_CLAUSE = re2.compile(r"[.!?;:,()\[\]{}<>\"\n]+")
_CLAUSE_TOKENS = 4
_MAX_PARTS = 512
_DISTINCT = re2.compile(r"[a-z0-9]*(?:[0-9][a-z0-9]*[a-z]|[a-z][a-z0-9]*[0-9])[a-z0-9]*|[0-9]{8,}")
_DISTINCT_CHARS = 6


def taint(
    config: BundleConfig,
    sessions: SessionStore,
    event: Event,
    text: str,
    origin: set[str],
    trust: Trust,
) -> dict[int, str] | None:
    """Fingerprints of what this event brings into the session, for argument taint."""
    if event.stage is Stage.INPUT:
        # Only what a person wrote names values for the user: an assistant turn replayed in
        # the history may repeat untrusted text, and must not launder it. No tools (in the
        # bundle, or none can follow in this session), no need.
        role = event.metadata.get("role", "user")
        if role not in USER_ROLES or not config.tools or not event.tools_may_follow:
            return None
        return dict.fromkeys(fingerprints(text, Kind.USER), USER)
    if event.stage not in (Stage.RETRIEVAL, Stage.TOOL_RESULT):
        return None
    if trust is not Trust.UNTRUSTED:  # what a trusted source says is a destination's proof
        if not config.tools:
            return None
        return dict.fromkeys(fingerprints(text, Kind.TRUSTED), TRUSTED)
    tool = config.tools.get(event.tool_call.name) if event.tool_call else None
    # private data read once untrusted text was in the session (which may have asked for the
    # read): where it goes is no longer only the user's choice
    if (
        tool is not None
        and tool.private
        and event.stage is Stage.TOOL_RESULT
        and UNTRUSTED in sessions.labels(event.session)
    ):
        origin = origin | {EXPOSED}
    if tool is None or not tool.record_fields or event.stage is not Stage.TOOL_RESULT:
        return dict.fromkeys(fingerprints(text), "|".join(sorted(origin)))
    split = split_result(text, tool.record_fields)
    out = dict.fromkeys(
        {h for value in split.records for h in fingerprints(value, Kind.RECORD)},
        "|".join(sorted(record_labels(origin))),
    )
    out.update(dict.fromkeys(fingerprints("\n".join(split.text)), "|".join(sorted(origin))))
    # fields only a trusted party writes (the user's own ids), unless untrusted text chose
    # what was looked up: an id found by a name the attacker wrote is the attacker's choice
    if tool.trusted_record_fields and not _steered(sessions, event):
        vouched = split_result(text, tool.trusted_record_fields).records
        out.update(
            dict.fromkeys({h for v in vouched for h in fingerprints(v, Kind.TRUSTED)}, TRUSTED)
        )
    return out


def _steered(sessions: SessionStore, event: Event) -> bool:
    """Whether a look-up's text arguments (a name, a query) came from untrusted text."""
    if event.tool_call is None:
        return False
    values = {
        k: p.value
        for k, p in arg_pieces(event.tool_call.arguments).items()
        if not p.value.replace(".", "", 1).isdigit()
    }
    found = sessions.taint_of(event.session, values) if values else {}
    return any(UNTRUSTED in labels for labels in found.values())


def arg_labels(
    config: BundleConfig, sessions: SessionStore, event: Event, *, first_time: bool = False
) -> dict[str, set[str]]:
    """Labels per argument of a tool call (`ARG:LABEL` in `context.arg_labels`)."""
    assert event.tool_call is not None
    pieces = arg_pieces(event.tool_call.arguments)
    # addresses read as detectors read them: `ａｎｎ＠ｇｍａｉｌ．ｃｏｍ` is external too
    whole = {key: normalize(p.value).text for key, p in pieces.items() if key == p.arg}
    out = classify_args(whole, config)
    found = sessions.taint_of(event.session, {k: p.value for k, p in pieces.items()})
    for key, labels in found.items():
        piece = pieces[key]
        if not piece.link:
            out.setdefault(piece.arg, set()).update(labels - {TRUSTED})
        elif UNTRUSTED in labels:
            out.setdefault(piece.arg, set()).add(UNTRUSTED_LINK)
    tool = config.tools.get(event.tool_call.name)
    for arg, proof in destination_labels(tool, pieces, found, config).items():
        out.setdefault(arg, set()).update(proof)
    if tool is not None and tool.side_effects:
        # a link a side effect relays must trace somewhere too: one seen nowhere whole (split
        # across sentences, reassembled by the model) is as unproven as a destination
        for key, piece in pieces.items():
            if piece.link and not positive(piece.value, found.get(key, frozenset()), config):
                out.setdefault(piece.arg, set()).add(UNPROVEN_LINK)
    if tool is not None and tool.side_effects:
        for arg in _exposed_carried(sessions, event, tool.destinations, pieces):
            out.setdefault(arg, set()).add(EXPOSED)
    if first_time and isinstance(sessions, SessionHistory):
        for arg, values in destinations(config, event).items():
            seen = sessions.seen_destinations(event.session, values)
            if any(v not in seen for v in values):
                out.setdefault(arg, set()).add(FIRST_TIME)
    return out


def _exposed_carried(
    sessions: SessionStore, event: Event, destinations: tuple[str, ...], pieces: dict[str, Piece]
) -> set[str]:
    """The content arguments of a side effect that carry exposed private data somewhere inside
    them: a clause of it (text between punctuation, at least `_CLAUSE_TOKENS` words), or one
    distinctive token (a key, an account number), whatever the model wrote around it. Only once
    the session read untrusted text (nothing is exposed before)."""
    if UNTRUSTED not in sessions.labels(event.session):
        return set()
    values: dict[str, str] = {}
    for key, piece in pieces.items():
        if key != piece.arg or piece.arg in destinations:
            continue
        text = unicodedata.normalize("NFKC", piece.value)
        parts = {c for c in _CLAUSE.split(text) if len(tokens(c)) >= _CLAUSE_TOKENS}
        parts.update(
            t for t in tokens(text) if len(t) >= _DISTINCT_CHARS and _DISTINCT.fullmatch(t)
        )
        for i, part in enumerate(sorted(parts)[:_MAX_PARTS]):
            values[f"{piece.arg}\x00part{i}"] = part
    if not values:
        return set()
    found = sessions.taint_of(event.session, values)
    return {key.split("\x00", 1)[0] for key, labels in found.items() if EXPOSED in labels}


def destinations(config: BundleConfig, event: Event) -> dict[str, list[int]]:
    """The destination fingerprints of a tool call, per destination argument (each item of a
    list on its own)."""
    if event.tool_call is None:
        return {}
    tool = config.tools.get(event.tool_call.name)
    if tool is None:
        return {}
    out: dict[str, list[int]] = {}
    for arg in tool.destinations:
        value = event.tool_call.arguments.get(arg)
        items = value if isinstance(value, list | tuple) else [] if value is None else [value]
        prints = [destination_fingerprint(str(v)) for v in items if str(v).strip()]
        if prints:
            out[arg] = prints
    return out


@dataclass(slots=True)
class History:
    """One tool call's session history: read before the decision, recorded after it."""

    context: dict[str, Any] = field(default_factory=dict)
    increments: dict[str, float] = field(default_factory=dict)
    destinations: list[int] = field(default_factory=list)


def history(
    config: BundleConfig, sessions: SessionStore, event: Event, labels: frozenset[str]
) -> History | None:
    """`context.history` for a side-effecting call, this call included (None when the store
    keeps no history or the call has no side effects)."""
    if event.tool_call is None or not isinstance(sessions, SessionHistory):
        return None
    tool = config.tools.get(event.tool_call.name)
    if tool is None or not tool.side_effects:
        return None
    adds = increments(event.tool_call.name, tool, event.tool_call.arguments, UNTRUSTED in labels)
    counters = sessions.counters(event.session)
    for key, amount in adds.items():
        counters[key] = counters.get(key, 0.0) + amount
    found = destinations(config, event)
    return History(
        history_context(config, counters), adds, [h for hs in found.values() for h in hs]
    )


def empty_history(config: BundleConfig) -> dict[str, Any]:
    """`context.history` of an event that is no side effect: every key present, all 0."""
    return history_context(config, {})
