"""Replay: recorded events through a candidate bundle, listing every decision that would change.

Events are rebuilt from evidence records in chain order. Each replayed session starts with the
labels the record says it held (`session_labels_before`), then grows as the candidate decides.

What redaction costs replay (the bundle's `evidence.content`):

- `full`: events replay as they happened (secret values were never kept, so a secrets control
  sees `[REDACTED:secret...]` markers instead).
- `redacted` (default): PII, secrets and custom data classes are replaced by `[REDACTED:type]`
  markers. Replay puts a stand-in value of the same class back (a reserved-domain e-mail address,
  a test card number, a documentation IP address...), so the built-in PII detectors fire again
  as they did; an e-mail stand-in is external, except in a tool argument the original decision
  labelled `email.internal` only (a recipient at the organisation: its stand-in is on the
  organisation's first domain), and secrets and custom data classes have no stand-in. Tool-call
  arguments are kept redacted too (a recipient's address included), so such calls are lossy. Such records are marked `lossy`, and the labels the original decision recorded are
  carried into the replayed session, so taint policies ("no external email once the session
  holds PII") still see them. A change on a lossy record that involves a data-class control is
  suspect: check it before trusting it.
- `none`: only hashes are kept; text events cannot be replayed and are counted as skipped. Tool
  calls have no stored arguments either and are skipped too.

Replay is a what-if on recorded inputs: it cannot know how an agent would have continued had the
candidate decided differently earlier in a session.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.evidence.log import StoredRecord
from vallum.evidence.record import KIND_DECISION
from vallum.exceptions import InputError
from vallum.model import Action, Decision, Event, Principal, Stage, ToolCall
from vallum.sessions.store import MemorySessionStore

REDACTION_MARK = "[REDACTED:"
_MARKER = re.compile(r"\[REDACTED:([a-z0-9_.\-]+)\]")
# Values each built-in data class detector recognises, from reserved or documentation ranges.
STAND_INS = {
    "pii.email": "replayed.person@example.com",
    "pii.phone": "+1 202 555 0143",
    "pii.payment_card": "4111 1111 1111 1111",
    "pii.iban": "GB82 WEST 1234 5698 7654 32",
    "pii.us_ssn": "123-45-6789",
    "pii.ip_address": "192.0.2.44",
}


def restore_stand_ins(text: str, email: str = STAND_INS["pii.email"]) -> str:
    """Redaction markers replaced by stand-in values of their class (unknown classes stay);
    `email` is the address to put back for an e-mail."""
    stand_ins = {**STAND_INS, "pii.email": email}
    return _MARKER.sub(lambda m: stand_ins.get(m.group(1), m.group(0)), text)


def _restore_arguments(
    arguments: dict[str, Any],
    arg_labels: dict[str, Any],
    domains: tuple[str, ...],
    allowlists: Mapping[str, tuple[str, ...]],
) -> dict[str, Any]:
    """A tool call's kept arguments with stand-ins for their markers. An argument the original
    decision labelled `email.internal` only (a recipient at the organisation) gets an address
    on the organisation's first domain, so replay sees it internal as it was; one it found on
    an allowlist (`allowlisted:NAME`) gets an address on that list."""

    def walk(value: Any, email: str) -> Any:
        if isinstance(value, str):
            return restore_stand_ins(value, email) if REDACTION_MARK in value else value
        if isinstance(value, dict):
            return {k: walk(v, email) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, email) for v in value]
        return value

    out = {}
    for name, value in arguments.items():
        labels = set(arg_labels.get(name) or ())
        internal = domains and "email.internal" in labels and "email.external" not in labels
        email = f"replayed.person@{domains[0]}" if internal else STAND_INS["pii.email"]
        listed = [
            entry
            for label in sorted(labels)
            if label.startswith("allowlisted:")
            for entry in allowlists.get(label.removeprefix("allowlisted:"), ())
        ]
        if not internal and listed and "@" in listed[0]:
            email = "replayed.person" + listed[0][1:] if listed[0][0] == "*" else listed[0]
        out[name] = walk(value, email)
    return out


@dataclass(frozen=True, slots=True)
class Change:
    record_id: str
    seq: int
    created_at: str
    principal: str
    session: str
    stage: str
    tool: str | None
    before: str
    after: str
    controls: tuple[str, ...]
    lossy: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "seq": self.seq,
            "created_at": self.created_at,
            "principal": self.principal,
            "session": self.session,
            "stage": self.stage,
            "tool": self.tool,
            "before": self.before,
            "after": self.after,
            "controls": list(self.controls),
            "lossy": self.lossy,
        }


@dataclass(slots=True)
class ReplayReport:
    candidate: Bundle
    replayed: int = 0
    lossy: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    changes: list[Change] = field(default_factory=list)

    def by_control(self) -> list[dict[str, Any]]:
        groups: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for change in self.changes:
            for control in change.controls:
                groups[control][f"{change.before}->{change.after}"] += 1
        return [
            {
                "control": control,
                "count": sum(moves.values()),
                "changes": dict(sorted(moves.items())),
            }
            for control, moves in sorted(groups.items(), key=lambda kv: -sum(kv[1].values()))
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidate": {"name": self.candidate.name, "version": self.candidate.version},
            "replayed": self.replayed,
            "changed": len(self.changes),
            "lossy": self.lossy,
            "skipped": dict(self.skipped),
            "by_control": self.by_control(),
            "changes": [c.to_dict() for c in self.changes],
        }


def replay(
    records: Iterable[StoredRecord],
    candidate: Bundle,
    *,
    since: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReplayReport:
    """Run every decision record (created at or after `since`) through `candidate`."""
    sessions = MemorySessionStore()
    engine = Engine(candidate, evidence=None, sessions=sessions)
    report = ReplayReport(candidate)
    seen: set[str] = set()
    cutoff = since.isoformat(timespec="microseconds") if since is not None else None
    for stored in records:
        record = stored.record
        if progress is not None:
            progress(1)
        if record.get("kind") != KIND_DECISION:
            continue
        if cutoff is not None and str(record.get("created_at", "")) < cutoff:
            continue
        config = candidate.config
        event, why = rebuild_event(record, config.organization.email_domains, config.allowlists)
        if event is None:
            report.skipped[why] += 1
            continue
        if event.session not in seen:
            seen.add(event.session)
            sessions.add(event.session, record.get("session_labels_before", []))
        lossy = REDACTION_MARK in _kept_text(record)
        try:
            decision = engine.evaluate(event)
        except InputError as exc:
            report.skipped[f"cannot evaluate: {exc}"] += 1
            continue
        report.replayed += 1
        if lossy:
            report.lossy += 1
            sessions.add(event.session, record.get("labels", []))
        before = str(record.get("action", ""))
        if decision.action.value != before:
            report.changes.append(_change(stored, record, event, decision, lossy))
    return report


def rebuild_event(
    record: dict[str, Any],
    domains: tuple[str, ...] = (),
    allowlists: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[Event | None, str]:
    """The event a decision record describes, or None and why it cannot be rebuilt (`domains`:
    the organisation's e-mail domains, for stand-ins of internal recipients; `allowlists`: the
    bundle's, for stand-ins of recipients found on one)."""
    try:
        stage = Stage(record["stage"])
        principal = Principal.parse(str(record["principal"]))
    except (KeyError, ValueError, InputError):
        return None, "malformed record"
    content = record.get("content") or {}
    tool = record.get("tool") or {}
    call = None
    if stage is Stage.TOOL_CALL:
        if "arguments" not in tool:
            return None, "tool arguments not kept (evidence.content: none, or an older record)"
        arguments = _restore_arguments(
            dict(tool["arguments"]), tool.get("arg_labels") or {}, domains, allowlists or {}
        )
        call = ToolCall(str(tool.get("name", "")), arguments)
        text = ""
    else:
        if "text" not in content:
            return None, "content not kept (evidence.content: none)"
        text = restore_stand_ins(str(content["text"]))
        if tool.get("name"):
            call = ToolCall(str(tool["name"]), {})
    prompt = record.get("prompt") or {}
    event = Event(
        stage,
        principal,
        str(record.get("session", "")),
        text=text,
        tool_call=call,
        source=record.get("source"),
        model=record.get("model"),
        prompt=prompt.get("id") if isinstance(prompt, dict) else None,
        metadata={str(k): str(v) for k, v in (record.get("metadata") or {}).items()},
    )
    return event, ""


def _kept_text(record: dict[str, Any]) -> str:
    content = record.get("content") or {}
    return str(content.get("text", ""))


def _keys(reasons: Iterable[Any]) -> set[str]:
    """Which controls acted, as `control` or `cedar:POLICY_ID`, enforced only."""
    out = set()
    for r in reasons:
        action = r["action"] if isinstance(r, dict) else r.action.value
        mode = r["mode"] if isinstance(r, dict) else r.mode.value
        if action == Action.ALLOW.value or mode != "enforce":
            continue
        control = r["control"] if isinstance(r, dict) else r.control
        policy = r.get("policy_id") if isinstance(r, dict) else r.policy_id
        out.add(f"{control}:{policy}" if policy else str(control))
    return out


def _change(
    stored: StoredRecord, record: dict[str, Any], event: Event, decision: Decision, lossy: bool
) -> Change:
    old = _keys(record.get("reasons", []))
    new = _keys(decision.reasons)
    controls = sorted(old ^ new) or sorted(new | old) or ["(none)"]
    return Change(
        record_id=stored.id,
        seq=stored.seq,
        created_at=str(record.get("created_at", "")),
        principal=str(event.principal),
        session=event.session,
        stage=event.stage.value,
        tool=event.tool_call.name if event.tool_call else None,
        before=str(record.get("action", "")),
        after=decision.action.value,
        controls=tuple(controls),
        lossy=lossy,
    )
