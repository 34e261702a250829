"""Which events raise an alert. `AlertRules` is a telemetry observer (it reads each finished
request's decisions) and also checks waiting approvals when asked (`check_approvals`).

Rates (`control_rate`) are counted per replica, in memory: with N replicas a burst spread evenly
alerts once it reaches `count` on one of them.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vallum.approvals.model import Approval
from vallum.bundle.alerts import AlertRule, AlertsConfig
from vallum.model import Decision, Reason, ReasonKind
from vallum.telemetry.observer import FinishedRequest, effect


@dataclass(frozen=True, slots=True)
class Alert:
    rule: str
    severity: str
    summary: str
    key: str  # alerts with the same key are deduplicated
    send_to: tuple[str, ...]
    evidence_ids: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "summary": self.summary,
            "key": self.key,
            "evidence_ids": list(self.evidence_ids),
            "details": self.details,
            "created_at": self.created_at,
        }


class AlertRules:
    """Turns finished requests into alerts and hands them to `submit`."""

    def __init__(
        self,
        config: AlertsConfig,
        submit: Callable[[Alert], None],
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.config = config
        self._submit = submit
        self._clock = clock
        self._seen: dict[tuple[str, str], deque[float]] = {}

    def observe(self, done: FinishedRequest) -> None:
        request_id = str(done.record.get("id", ""))
        for rule in self.config.rules:
            if rule.when == "evidence_write_failed" and done.evidence_error:
                self._submit(
                    _alert(
                        rule,
                        f"evidence for request {request_id} could not be written: "
                        f"{done.evidence_error}",
                        f"{rule.id}",
                        (request_id,),
                        {"request_id": request_id},
                    )
                )
                continue
            for decision, reason in _reasons(done.decisions):
                self._match(rule, decision, reason, request_id)

    def check_approvals(self, pending: Iterable[Approval], now: float | None = None) -> None:
        """Alert on each approval waiting longer than an `approval_waiting` rule allows."""
        now = time.time() if now is None else now
        rules = [r for r in self.config.rules if r.when == "approval_waiting"]
        for approval in pending:
            waited = now - approval.created_at
            for rule in rules:
                if waited >= rule.older_than_s:
                    self._submit(
                        _alert(
                            rule,
                            f"approval {approval.id} ({approval.tool}) has waited "
                            f"{int(waited)} s for a decision",
                            f"{rule.id}:{approval.id}",
                            (approval.decision_id,),
                            {
                                "approval_id": approval.id,
                                "tool": approval.tool,
                                "waited_s": int(waited),
                            },
                        )
                    )

    def _match(self, rule: AlertRule, decision: Decision, reason: Reason, request_id: str) -> None:
        named = reason.control in rule.controls or (reason.policy_id or "") in rule.controls
        if rule.controls and not named:
            return
        which = reason.policy_id or reason.control
        evidence = (decision.id, request_id)
        if rule.when == "policy_error" and reason.kind is ReasonKind.POLICY_ERROR:
            self._submit(
                _alert(
                    rule,
                    f"policy evaluation failed: {reason.message}",
                    f"{rule.id}:{which}",
                    evidence,
                    _details(reason, request_id),
                )
            )
        if effect(reason) != "acted":  # failed, monitor-only, or allowed
            return
        if rule.when == "control_acted":
            self._submit(
                _alert(
                    rule,
                    f"{which} {reason.action.value}ed: {reason.message}",
                    f"{rule.id}:{which}",
                    evidence,
                    _details(reason, request_id),
                )
            )
        elif rule.when == "control_rate":
            now = self._clock()
            times = self._seen.setdefault((rule.id, which), deque())
            times.append(now)
            while times and times[0] <= now - rule.window_s:
                times.popleft()
            if len(times) >= rule.count:
                self._submit(
                    _alert(
                        rule,
                        f"{which} acted {len(times)} times in {int(rule.window_s)} s",
                        f"{rule.id}:{which}",
                        evidence,
                        _details(reason, request_id),
                    )
                )
                times.clear()


def _reasons(decisions: Iterable[Decision]) -> Iterable[tuple[Decision, Reason]]:
    for decision in decisions:
        for reason in decision.reasons:
            yield decision, reason


def _details(reason: Reason, request_id: str) -> dict[str, Any]:
    return {"request_id": request_id, **reason.to_dict()}


def _alert(
    rule: AlertRule,
    summary: str,
    key: str,
    evidence_ids: tuple[str, ...],
    details: dict[str, Any],
) -> Alert:
    return Alert(rule.id, rule.severity, summary, key, rule.send_to, evidence_ids, details)
