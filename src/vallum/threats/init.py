"""`vallum threats init`: a starting threat model derived from the bundle itself.

For every side-effecting tool, the injection-to-action threat (untrusted content makes the
agent call it); for every private data group and every tool that can carry data out, the
leakage threat. Each is probed (`trifecta.Prober`) from every entry of untrusted content, in
the attacker's variants; it is answered when every probe is blocked or held in enforce mode.
For a threat with a gap, a Cedar policy is proposed: validated against the bundle's Cedar
schema, then checked by running the failing probes again with the policy added. Only a
proposal that closes every gap is marked verified.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any

import cedarpy

from vallum.bundle.cedar_source import parse_statement
from vallum.bundle.loader import Bundle
from vallum.exceptions import PolicyError
from vallum.threats.trifecta import (
    Data,
    Entry,
    Probe,
    Prober,
    Trifecta,
    data_representatives,
    find_trifecta,
    representatives,
)

INIT_SCHEMA = 1
INJECTION_VARIANTS = ("destination copied from the content", "destination unseen anywhere")
LEAK_VARIANTS = tuple(f"{d}, data {e}" for d in ("destination copied", "destination unseen")
                      for e in ("as is", "base64-encoded"))  # fmt: skip
ANSWERED, PARTLY, UNANSWERED = "answered", "partly answered", "unanswered"
PROPOSAL_FILE = "threats-proposed.cedar"


@dataclass(frozen=True, slots=True)
class Proposal:
    id: str
    text: str
    verified: bool
    note: str


@dataclass(slots=True)
class Derived:
    """A threat derived from the bundle, with its probes and a proposal when it has a gap."""

    id: str
    kind: str  # injection | leakage
    title: str
    tool: str
    data: Data | None
    entries: list[Entry]
    data_members: list[Data] = field(default_factory=list)  # the data the probed one stands for
    probes: list[Probe] = field(default_factory=list)
    proposal: Proposal | None = None

    @property
    def status(self) -> str:
        held = sum(p.held for p in self.probes)
        return ANSWERED if held == len(self.probes) else PARTLY if held else UNANSWERED

    @property
    def answered_by(self) -> list[str]:
        return sorted({name for p in self.probes for name in p.by})

    @property
    def gaps(self) -> list[Probe]:
        return [p for p in self.probes if not p.held]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "title": self.title, "tool": self.tool,
            "data": None if self.data is None else self.data.name,
            "data_like": [d.name for d in self.data_members[1:]],
            "entries": [e.label for e in self.entries], "status": self.status,
            "answered_by": self.answered_by,
            "gaps": [{"entry": p.entry, "variant": p.variant, "action": p.action.value,
                      "monitored_by": list(p.monitored)} for p in self.gaps],
            "proposal": None if self.proposal is None else dataclasses.asdict(self.proposal),
        }  # fmt: skip


@dataclass(slots=True)
class InitReport:
    bundle: str
    version: str
    trifecta: Trifecta
    threats: list[Derived]

    def to_dict(self) -> dict[str, Any]:
        t = self.trifecta
        return {
            "schema": INIT_SCHEMA,
            "bundle": {"name": self.bundle, "version": self.version},
            "entries": [e.label for e in t.entries],
            "private_data": [d.name for d in t.data],
            "unprobed_data": t.unprobed,
            "exits": t.exits,
            "side_effects": t.actions,
            "threats": [d.to_dict() for d in self.threats],
        }


def derive(
    bundle: Bundle, extra_readers: tuple[str, ...] = (), *, group: bool = True
) -> InitReport:
    """Every injection and leakage threat of `bundle`, probed, with proposals for the gaps.

    `group=False` probes every entry and every record-reading tool on its own (the benchmark
    and the tests compare it with the grouped run, which must give the same answers)."""
    trifecta = find_trifecta(bundle, extra_readers)
    prober = Prober(bundle)
    read = prober.engine.authorizer
    entries = (
        representatives(bundle, trifecta.entries, read)
        if group
        else {e: [e] for e in trifecta.entries}
    )
    threats: list[Derived] = []
    if not trifecta.entries:
        return InitReport(bundle.name, bundle.version, trifecta, threats)
    for tool in trifecta.actions:
        title = f"Untrusted content steers a call to {tool}"
        threats.append(
            Derived(f"injection-to-{_slug(tool)}", "injection", title, tool, None, trifecta.entries)
        )
    data_groups = (
        data_representatives(bundle, trifecta.data, read)
        if group
        else {d: [d] for d in trifecta.data}
    )
    for data, same in data_groups.items():
        alike = f" (and {len(same) - 1} alike)" if len(same) > 1 else ""
        for tool in trifecta.exits:
            what = _data_title(data) + alike
            title = f"Untrusted content makes the agent send {what} out through {tool}"
            ident = f"leak-{_slug(data.name)}-via-{_slug(tool)}"
            threats.append(
                Derived(ident, "leakage", title, tool, data, trifecta.entries, list(same))
            )
    for threat in threats:
        variants = INJECTION_VARIANTS if threat.data is None else LEAK_VARIANTS
        for rep, members in entries.items():
            label = rep.label + (f" (and {len(members) - 1} alike)" if len(members) > 1 else "")
            for variant in variants:
                probe = prober.attempt(threat.tool, rep, threat.data, variant)
                threat.probes.append(dataclasses.replace(probe, entry=label))
        if threat.gaps:
            threat.proposal = propose(bundle, threat, entries)
    return InitReport(bundle.name, bundle.version, trifecta, threats)


def propose(bundle: Bundle, threat: Derived, entries: dict[Entry, list[Entry]]) -> Proposal | None:
    """The narrowest candidate policy that is schema-valid and closes every gap, else the last
    candidate tried with why it does not."""
    last: Proposal | None = None
    for ident, text in _candidates(bundle, threat):
        problem = schema_problem(bundle, text)
        if problem:
            last = Proposal(ident, text, False, f"not valid against the bundle's schema: {problem}")
            continue
        extended = dataclasses.replace(
            bundle, policies=(*bundle.policies, parse_statement(PROPOSAL_FILE, 1, text))
        )
        prober = Prober(extended)
        open_after = [
            (rep, variant)
            for rep in entries
            for variant in {g.variant for g in threat.gaps}
            if not prober.attempt(threat.tool, rep, threat.data, variant).held
        ]
        if not open_after:
            return Proposal(ident, text, True, "closes every probe that got through")
        last = Proposal(ident, text, False, f"{len(open_after)} probe(s) still get through")
    return last


def schema_problem(bundle: Bundle, text: str) -> str:
    """Why `text` is not a valid policy under the bundle's Cedar schema ('' when it is)."""
    try:
        schema = cedarpy.Schema.from_str(bundle.cedar_schema)
        result = cedarpy.validate_policies(text, schema)
    except ValueError as exc:
        return str(exc)
    return "; ".join(str(getattr(e, "error", e)) for e in result.errors)


def _candidates(bundle: Bundle, threat: Derived) -> list[tuple[str, str]]:
    tool = bundle.config.tools[threat.tool]
    scope = f'forbid (principal, action == Action::"tool.call", resource == Tool::{_cedar(threat.tool)})'
    hold = '@obligation("require_approval")\n'
    out = []
    if threat.data is not None:
        labels = ", ".join(_cedar(label) for label in threat.data.labels)
        ident = f"no-{_slug(threat.data.name)}-via-{_slug(threat.tool)}-after-untrusted"
        body = f'when {{ context.labels.contains("untrusted") && context.labels.containsAny([{labels}]) }};'
        out.append((ident, f"@id({_cedar(ident)})\n{scope}\n{body}"))
    elif tool.destinations:
        names = ", ".join(
            _cedar(f"{d}:{kind}") for d in tool.destinations for kind in ("untrusted", "unproven")
        )
        ident = f"hold-{_slug(threat.tool)}-to-unproven-destination"
        body = f"when {{ context.arg_labels.containsAny([{names}]) }};"
        out.append((ident, f"@id({_cedar(ident)})\n{hold}{scope}\n{body}"))
    ident = f"hold-{_slug(threat.tool)}-after-untrusted"
    body = 'when { context.labels.contains("untrusted") };'
    out.append((ident, f"@id({_cedar(ident)})\n{hold}{scope}\n{body}"))
    return out


def _cedar(value: str) -> str:
    """A Cedar string literal (names come from vallum.yaml: quoted, never spliced raw)."""
    if any(ord(c) < 0x20 for c in value):
        raise PolicyError(f"name {value!r} holds a control character: no policy proposed")
    return json.dumps(value, ensure_ascii=False)


def _slug(name: str) -> str:
    return (
        re.sub(r"[^A-Za-z0-9]+", "-", name.removeprefix("tool:").removeprefix("data."))
        .strip("-")
        .lower()
    )


def _data_title(data: Data) -> str:
    if data.tool is not None:
        return f"records read by {data.tool}"
    named = {"pii": "personal data", "secret": "credentials"}
    return named.get(data.name, f"{data.name.removeprefix('data.')} data")
