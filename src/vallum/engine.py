"""The engine: `Engine.evaluate(event) -> Decision`, the one way every check flows.

    event ─> detectors (pure, per control) ─> findings over threshold ─> labels (taint)
          ─> Cedar authorization (context: findings, scores, labels, tool arguments)
          ─> decision (strictest enforced action) ─> evidence sink ─> caller acts

The caller chooses where the decision's evidence record goes: a `Sink` is any callable taking
the record (the log's `append`, a request's buffer written later in one transaction, or `None`
for a probe that must leave no record). Only the sink (and a database-backed session store,
when configured) does I/O. A detector that fails blocks unless its control says `fail_open`; a
policy that errors blocks; a sink that fails raises, so nothing proceeds unrecorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from vallum.argument_data import ArgumentText, argument_text, data_labels, delivery_labels
from vallum.authz.authorizer import Authorizer
from vallum.authz.values import typed_args
from vallum.bundle.controls import BuiltControl
from vallum.bundle.loader import Bundle
from vallum.detectors.base import Detector
from vallum.detectors.normalize import Normalized, normalize
from vallum.evidence.log import EvidenceLog
from vallum.evidence.record import decision_record
from vallum.exceptions import CanonicalJSONError, InputError
from vallum.ids import new_id
from vallum.labels import origin_labels
from vallum.model import (
    Action,
    Decision,
    Event,
    Finding,
    Mode,
    Principal,
    Reason,
    ReasonKind,
    Stage,
    Trust,
)
from vallum.provenance import USER_ROLES as USER_ROLES  # gateway.history reads it here
from vallum.provenance import History, arg_labels, empty_history, history, taint
from vallum.redaction import redact, redaction_targets
from vallum.sessions.history import FIRST_TIME, SessionHistory
from vallum.sessions.store import MemorySessionStore, SessionStore

SCORE_SCALE = 1000  # Cedar has no floats: scores reach policies as integers in [0, 1000]


Sink = Callable[[dict[str, Any]], object]
"""Where a decision's evidence record goes: called once with the record; raises if it cannot
keep it (then the decision is not returned)."""


class UseDefault(Enum):
    """The type of `DEFAULT_SINK`: "the sink the engine was built with"."""

    SINK = "the engine's own sink"


DEFAULT_SINK: Final = UseDefault.SINK


@dataclass(frozen=True, slots=True)
class _Scan:
    triggered: list[Finding]
    reasons: list[Reason]
    scores: dict[str, float]
    latency: dict[str, float]


class Engine:
    """Evaluates events against one bundle, keeping session labels and handing evidence on.

    `evidence` (a log) makes its `append` the default sink; `evaluate(event, sink=...)` chooses
    another for one call, and `sink=None` records nothing.

    >>> engine = Engine(load_bundle("policies/"), evidence=EvidenceLog(Database()))
    >>> engine.evaluate(Event(Stage.INPUT, Principal.parse("user:ann"), "s1", text="hi")).action
    <Action.ALLOW: 'allow'>
    """

    def __init__(
        self,
        bundle: Bundle,
        *,
        evidence: EvidenceLog | None = None,
        sessions: SessionStore | None = None,
        authorizer: Authorizer | None = None,
    ):
        self.bundle = bundle
        self.evidence = evidence
        self.sink: Sink | None = evidence.append if evidence is not None else None
        self.sessions: SessionStore = sessions if sessions is not None else MemorySessionStore()
        # Callers may pass one built for this bundle (the gateway's caches results).
        self.authorizer = (
            authorizer if authorizer is not None else Authorizer(bundle.policies, bundle.config)
        )
        # session history is read only when a policy can see it (vallum.sessions.history)
        self._history = self.authorizer.reads("history")
        self._first_time = any(f":{FIRST_TIME}" in p.text for p in bundle.policies)
        self._controls: dict[Stage, list[BuiltControl]] = {
            stage: [c for c in bundle.controls if c.applies_to(stage)] for stage in Stage
        }

    def evaluate(
        self,
        event: Event,
        *,
        sink: Sink | UseDefault | None = DEFAULT_SINK,
        record_extra: dict[str, Any] | None = None,
        cpu_budget_ms: float | None = None,
        keep_taint: Callable[[Mapping[int, str] | None], None] | None = None,
        fingerprint: bool = True,
    ) -> Decision:
        """Decide on `event`, hand its evidence record to `sink` and return the decision.

        `keep_taint` is handed the fingerprints the decision adds to the session (what `taint`
        computes), for a caller that replays them later. With `fingerprint=False` the decision is
        the same but adds none: the caller computes them (`taint`) and adds them itself, later
        (no decision on content reads fingerprints; only a later tool call does).

        `cpu_budget_ms` bounds the CPU time detectors may take (this thread's, checked before
        each detector runs): once spent, the detectors left are not run and the decision blocks
        with a reason of kind `budget`. Detectors are linear in the text, so one detector's
        overrun is bounded by the bundle's text limit."""
        target = self.sink if sink is DEFAULT_SINK else sink
        started = time.perf_counter()
        text, placed = self._subject(event)
        before = self.sessions.labels(event.session)
        scan = self._scan(text, event.stage, cpu_budget_ms)
        origin, trust = origin_labels(event, self.bundle.config)
        # a tool call's data, by argument; the addresses its destinations name label nothing
        calls = event.tool_call is not None and event.stage is Stage.TOOL_CALL
        data = data_labels(scan.triggered, placed, self._destinations(event)) if calls else None
        quiet = data.addresses if data is not None else frozenset()
        counted = [f for f in scan.triggered if f not in quiet] if quiet else scan.triggered
        added = origin | {label for f in counted for label in f.labels}
        labels = before | added
        reasons = list(scan.reasons)
        args: dict[str, set[str]] = {}
        past: History | None = None
        if event.tool_call is not None and event.stage is Stage.TOOL_CALL:
            config = self.bundle.config
            args = arg_labels(config, self.sessions, event, first_time=self._first_time)
            if self._history:
                past = history(config, self.sessions, event, labels)
        if data is not None:  # what the content detectors found in each argument, and `>:`
            outbound = delivery_labels(args, self._destinations(event))
            for arg, found in [*data.labels.items(), *outbound.items()]:
                args.setdefault(arg, set()).update(found)
        if event.model is not None and event.stage in (Stage.INPUT, Stage.OUTPUT):
            denied = self.model_access(event.principal, event.model)
            if denied is not None:
                reasons.append(denied)
        authz_start = time.perf_counter()
        context = self._context(event, labels, scan, args, trust)
        if self._history:
            context["history"] = past.context if past else empty_history(self.bundle.config)
        resource = _resource(event)
        result = self.authorizer.authorize(
            event.principal, event.stage.cedar_action, resource, context
        )
        scan.latency["authz"] = (time.perf_counter() - authz_start) * 1000
        reasons.extend(result.reasons)
        action = Action.strictest([r.action for r in reasons if r.enforced])
        redacted: str | None = None
        targets: tuple[Finding, ...] = ()
        if action is Action.REDACT:
            targets = redaction_targets(self.bundle.controls, scan.triggered, reasons)
            if targets:
                redacted = redact(text, targets)
            else:
                action = Action.BLOCK
                message = "redaction required but no exact span to redact: blocking instead"
                reasons.append(
                    Reason("redaction", Action.BLOCK, Mode.ENFORCE, message, ReasonKind.REDACTION)
                )
        if action is not Action.BLOCK:
            brought = (
                taint(self.bundle.config, self.sessions, event, text, origin, trust)
                if fingerprint
                else None
            )
            self.sessions.add(event.session, added, brought)
            if keep_taint is not None:
                keep_taint(brought)
            if past is not None and isinstance(self.sessions, SessionHistory):
                # a held call counts too (caps are reached sooner, never later); a destination
                # is known only once a call to it went through (a refused payee stays new)
                went = action in (Action.ALLOW, Action.REDACT)
                self.sessions.record_history(
                    event.session, past.increments, past.destinations if went else ()
                )
        else:
            labels = before
        scan.latency["total"] = (time.perf_counter() - started) * 1000
        decision_id = new_id()
        decision = Decision(
            id=decision_id,
            action=action,
            reasons=tuple(reasons),
            findings=tuple(scan.triggered),
            bundle_version=self.bundle.version,
            labels=tuple(sorted(labels)),
            latency_ms=scan.latency,
            redacted_text=redacted,
            scores=dict(scan.scores),
            # Its record carries the decision's id: once the sink has it, that is the evidence id.
            evidence_id=None if target is None else decision_id,
            redactions=targets,
        )
        if target is None:
            return decision
        record = decision_record(
            event,
            decision,
            self.bundle,
            scanned_text=text[: placed.delivered],  # not the joined values after it
            session_labels=tuple(sorted(before)),
            arg_labels={k: sorted(v) for k, v in args.items()},
            extra=record_extra,
        )
        target(record)  # raises if it cannot be kept: no decision without its evidence
        return decision

    def taint(self, event: Event) -> dict[int, str] | None:
        """The fingerprints a decision that does not block `event` adds to its session (what
        `evaluate` adds): to replay a decision taken before on the same content."""
        origin, trust = origin_labels(event, self.bundle.config)
        return taint(
            self.bundle.config, self.sessions, event, self._subject(event)[0], origin, trust
        )

    def labels_read(self, event: Event) -> frozenset[str] | None:
        """The session labels `event`'s decision can depend on: those the policies that can
        apply to its action and resource tell apart (None: any). Detectors read no label."""
        return self.authorizer.labels_read_for(event.stage.cedar_action, _resource(event))

    def _subject(self, event: Event) -> tuple[str, ArgumentText]:
        """The text detectors see; a tool call is seen as its name and canonical arguments, then
        its content values joined (`argument_data`), with where each argument lies."""
        placed = ArgumentText(event.text, (), len(event.text))
        if event.stage is Stage.TOOL_CALL:
            if event.tool_call is None:
                raise InputError("a tool_call event needs a tool call (name and arguments)")
            tool = self.bundle.config.tools.get(event.tool_call.name)
            try:  # a value JSON lacks (a date, a Decimal) is seen as its str, as it always was
                placed = argument_text(
                    event.tool_call.name,
                    event.tool_call.arguments,
                    tuple(tool.args) if tool else (),
                    self._destinations(event),
                )
            except CanonicalJSONError as exc:
                raise InputError(f"tool call arguments cannot be checked: {exc}") from None
        text = placed.text
        limit = self.bundle.config.limits.max_text_chars
        if placed.delivered > limit:  # what is delivered; the joined values are at most twice it
            raise InputError(
                f"content of {placed.delivered} characters exceeds the bundle's limit of {limit}"
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(f"content is not valid Unicode text (position {exc.start})") from None
        return text, placed

    def _destinations(self, event: Event) -> tuple[str, ...]:
        tool = self.bundle.config.tools.get(event.tool_call.name) if event.tool_call else None
        return tool.destinations if tool else ()

    def _scan(self, text: str, stage: Stage, cpu_budget_ms: float | None = None) -> _Scan:
        cpu_start = time.thread_time()
        skipped: list[str] = []
        results: dict[int, list[Finding] | Exception] = {}
        latency: dict[str, float] = {}
        scores: dict[str, float] = {}
        triggered: list[Finding] = []
        seen: set[Finding] = set()  # a set, not `in triggered`: dense text has many findings
        reasons: list[Reason] = []
        normal: Normalized | None = None  # made once, when a detector first reads it
        for control in self._controls[stage]:
            found = results.get(id(control.detector))
            if found is None and _spent(cpu_start, cpu_budget_ms):
                skipped.append(control.id)
                continue
            if found is None:
                if control.detector.normalized and normal is None:
                    normal = normalize(text)
                form = normal if control.detector.normalized else None
                found = _run(control.detector, text, form, stage, latency)
                results[id(control.detector)] = found
                if isinstance(found, list):
                    top = max((f.score for f in found), default=0.0)
                    scores[control.detector.id] = max(scores.get(control.detector.id, 0.0), top)
            cfg = control.config
            if isinstance(found, Exception):
                action = Action.ALLOW if cfg.fail_open else Action.BLOCK
                how = "failing open" if cfg.fail_open else "failing closed"
                message = f"detector failed, {how}: {found}"
                reasons.append(
                    Reason(control.id, action, cfg.mode, message, ReasonKind.DETECTOR_FAILED)
                )
                continue
            hits = [f for f in found if f.score >= cfg.threshold]
            if not hits:
                continue
            for f in hits:  # one hash per finding: the set grows only for a new one
                size = len(seen)
                seen.add(f)
                if len(seen) > size:
                    triggered.append(f)
            kinds = ", ".join(sorted({f.type for f in hits}))
            score = max(f.score for f in hits)
            message = f"{kinds} (score {score:.2f} >= {cfg.threshold:.2f})"
            reasons.append(Reason(control.id, cfg.action, cfg.mode, message, ReasonKind.DETECTOR))
        if skipped:
            message = (
                f"CPU budget of {cpu_budget_ms:g} ms spent before every check ran "
                f"(not run: {', '.join(skipped)}): failing closed"
            )
            reasons.append(Reason("budget", Action.BLOCK, Mode.ENFORCE, message, ReasonKind.BUDGET))
        return _Scan(triggered, reasons, scores, latency)

    def model_access(self, principal: Principal, model: str) -> Reason | None:
        """The reason `principal` may not use `model` (not in the inventory, or not for it), or
        None. Enforcement points that refuse a model before calling it ask this, the same rule
        the engine applies to every input and output event that names a model."""
        entry = self.bundle.config.models.get(model)
        if entry is None:
            message = f"model {model!r} is not in the bundle's inventory"
        elif not entry.allows(str(principal)):
            message = f"{principal} may not use model {model!r}"
        else:
            return None
        return Reason("inventory", Action.BLOCK, Mode.ENFORCE, message, ReasonKind.INVENTORY)

    def _context(
        self,
        event: Event,
        labels: frozenset[str],
        scan: _Scan,
        arg_labels: dict[str, set[str]],
        trust: Trust,
    ) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if event.tool_call is not None:
            tool = self.bundle.config.tools.get(event.tool_call.name)
            args = typed_args(event.tool_call.arguments, tool.args if tool else {})
        return {
            "stage": event.stage.value,
            "labels": sorted(labels),
            "findings": sorted({f.type for f in scan.triggered}),
            "scores": {k: round(v * SCORE_SCALE) for k, v in scan.scores.items()},
            "args": args,
            "arg_labels": sorted(
                f"{name}:{label}" for name, ls in arg_labels.items() for label in ls
            ),
            "trust": trust.value,
            "source": event.source or "",
        }


def _run(
    detector: Detector,
    text: str,
    normal: Normalized | None,
    stage: Stage,
    latency: dict[str, float],
) -> list[Finding] | Exception:
    """`detector`'s findings on `text`, read in `normal` form when given (spans mapped back)."""
    start = time.perf_counter()
    try:
        if normal is None:
            return detector.detect(text, stage)
        return normal.restore(detector.detect(normal.text, stage))
    except Exception as exc:  # a detector bug must become a decision, not a crash
        return exc
    finally:
        latency[detector.id] = latency.get(detector.id, 0.0) + (time.perf_counter() - start) * 1000


def _spent(cpu_start: float, budget_ms: float | None) -> bool:
    """Whether this thread's CPU time since `cpu_start` has used up `budget_ms` (None: never)."""
    return budget_ms is not None and (time.thread_time() - cpu_start) * 1000 >= budget_ms


def _resource(event: Event) -> tuple[str, str]:
    if event.stage in (Stage.TOOL_CALL, Stage.TOOL_RESULT):
        name = event.tool_call.name if event.tool_call else event.source or "unknown"
        return "Tool", name
    if event.stage is Stage.RETRIEVAL:
        return "Source", event.source or "unknown"
    return "Model", event.model or "unspecified"
