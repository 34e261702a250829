"""The shapes that flow through Vallum: events in, findings and decisions out.

An enforcement point builds an `Event`; `Engine.evaluate` returns a `Decision`. Everything here is
immutable and carries no behaviour beyond small conveniences, so it can be logged, compared and
serialised without surprises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from vallum.exceptions import InputError


class Stage(StrEnum):
    """Where in the flow content is checked."""

    INPUT = "input"
    RETRIEVAL = "retrieval"
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    OUTPUT = "output"

    @property
    def cedar_action(self) -> str:
        """The Cedar action id this stage is authorized as."""
        return _CEDAR_ACTIONS[self]


_CEDAR_ACTIONS = {
    Stage.INPUT: "llm.request",
    Stage.RETRIEVAL: "retrieval.ingest",
    Stage.TOOL_CALL: "tool.call",
    Stage.TOOL_RESULT: "tool.result",
    Stage.OUTPUT: "output.deliver",
}


class Action(StrEnum):
    """What the enforcement point must do. Ordered from least to most restrictive."""

    ALLOW = "allow"
    REDACT = "redact"
    REQUIRE_APPROVAL = "require_approval"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @staticmethod
    def strictest(actions: list[Action]) -> Action:
        return max(actions, key=lambda a: a.severity, default=Action.ALLOW)


_SEVERITY = {Action.ALLOW: 0, Action.REDACT: 1, Action.REQUIRE_APPROVAL: 2, Action.BLOCK: 3}


class Mode(StrEnum):
    """`enforce` acts; `monitor` records what it would have done and changes nothing."""

    ENFORCE = "enforce"
    MONITOR = "monitor"


class ReasonKind(StrEnum):
    """What produced a reason: enforcement points branch on this, never on message text."""

    DETECTOR = "detector"  # a control's detector found something over its threshold
    DETECTOR_FAILED = "detector_failed"  # a detector raised; its control failed open or closed
    POLICY = "policy"  # a Cedar policy matched (or none did: default deny), or an obligation
    POLICY_ERROR = "policy_error"  # a Cedar policy errored or Cedar could not decide: closed
    INVENTORY = "inventory"  # the model is not in the inventory, or not for this principal
    REDACTION = "redaction"  # redaction was required but cannot be applied: blocked instead
    BUDGET = "budget"  # the CPU budget ran out before every detector ran: closed


class Trust(StrEnum):
    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"


PRINCIPAL_KINDS = ("app", "agent", "user")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who acts: an app, an agent or a user. Written `KIND:ID`, e.g. `agent:support-bot`."""

    kind: str
    id: str

    @classmethod
    def parse(cls, text: str) -> Principal:
        kind, sep, ident = text.partition(":")
        if not sep or kind not in PRINCIPAL_KINDS or not ident:
            raise InputError(
                f"principal {text!r} must be KIND:ID with KIND one of {', '.join(PRINCIPAL_KINDS)}"
            )
        return cls(kind=kind, id=ident)

    @property
    def cedar_type(self) -> str:
        return self.kind.capitalize()

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a detector saw in a piece of text.

    `type` is what was found (`injection`, `pii.email`, `secret.aws_access_key`); `score` is in
    [0, 1]; `start`/`end` locate it in the text (both 0 when it concerns the whole text);
    `labels` are the session labels it adds (data classes such as `pii`, `pii.email`, `secret`).
    `detail` is safe to store: it never contains a secret value.
    """

    detector: str
    type: str
    score: float
    start: int = 0
    end: int = 0
    labels: tuple[str, ...] = ()
    detail: str = ""

    @property
    def has_span(self) -> bool:
        return self.end > self.start

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "type": self.type,
            "score": round(self.score, 4),
            "start": self.start,
            "end": self.end,
            "labels": list(self.labels),
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool invocation: the tool's name and its arguments as decoded JSON."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """One thing to decide on: content or a tool call at a stage, for a principal in a session.

    `source` names the retrieval source (stage `retrieval`); for `tool_result`, `tool` names the tool
    that produced `text` and `source`, when set, the MCP server that ran it. `model` and `prompt` tie the decision to the inventory for evidence.
    `tools_may_follow=False` says no tool call can follow in this session (the gateway: a request
    without `tools` in a session of its own); the engine then skips remembering what the user
    wrote, which only argument provenance uses. Without it a later tool call is judged more
    strictly (nothing it carries counts as the user's), never less.
    """

    stage: Stage
    principal: Principal
    session: str
    text: str = ""
    tool_call: ToolCall | None = None
    source: str | None = None
    model: str | None = None
    prompt: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    tools_may_follow: bool = True


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a decision was taken: which control, which policy, in which mode, doing what.

    `kind` says what produced it (a detector, a failed detector, a Cedar policy, ...).
    """

    control: str
    action: Action
    mode: Mode
    message: str
    kind: ReasonKind
    policy_id: str | None = None

    @property
    def enforced(self) -> bool:
        return self.mode is Mode.ENFORCE

    def summary(self) -> str:
        """`policy-or-control: message`, the form every explanation uses."""
        return f"{self.policy_id or self.control}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "kind": self.kind.value,
            "action": self.action.value,
            "mode": self.mode.value,
            "message": self.message,
            "policy_id": self.policy_id,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's answer for one event.

    `action` is what the enforcement point must do; `reasons` include monitor-mode controls that
    would have acted (they do not change `action`). `redacted_text` is set when `action` is
    `redact`, and `redactions` are the findings it cut out (in the coordinates of the text the
    engine saw), so an enforcement point applying the decision to a window of a stream cuts the
    same spans without restating the engine's rule. `latency_ms` maps each detector id (and
    `authz`, `total`) to milliseconds.
    `scores` maps each detector id that ran to its highest score in [0, 1], over threshold or not
    (evaluations compute ROC curves from it).
    """

    id: str
    action: Action
    reasons: tuple[Reason, ...]
    findings: tuple[Finding, ...]
    bundle_version: str
    labels: tuple[str, ...]
    latency_ms: Mapping[str, float]
    redacted_text: str | None = None
    evidence_id: str | None = None
    scores: Mapping[str, float] = field(default_factory=dict)
    redactions: tuple[Finding, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.action is Action.ALLOW

    @property
    def detector_failed(self) -> bool:
        """Whether any detector failed (open or closed) while this decision was taken."""
        return any(r.kind is ReasonKind.DETECTOR_FAILED for r in self.reasons)

    def explain(self) -> str:
        """The enforced reasons behind `action`, one line (the action itself if none).

        >>> decision.explain()
        'injection: injection (score 0.97 >= 0.85)'
        """
        enforced = [r for r in self.reasons if r.enforced and r.action is self.action]
        return "; ".join(r.summary() for r in enforced) or self.action.value

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "findings": [f.to_dict() for f in self.findings],
            "bundle_version": self.bundle_version,
            "labels": list(self.labels),
            "latency_ms": {k: round(v, 4) for k, v in self.latency_ms.items()},
            "redacted_text": self.redacted_text,
            "evidence_id": self.evidence_id,
        }
