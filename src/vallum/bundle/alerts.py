"""The `gateway.alerts:` section of `vallum.yaml`: when to escalate, and to whom.

    gateway:
      alerts:
        destinations:
          oncall: {kind: pagerduty, routing_key_env: PAGERDUTY_ROUTING_KEY}
          team:   {kind: slack, url_env: SLACK_WEBHOOK_URL}
          siem:   {kind: json, url: https://siem.internal/hooks/vallum}
        rules:
          - {id: exfiltration-blocked, when: control_acted, controls: [exfiltration], send_to: [oncall, team]}
          - {id: injection-burst, when: control_rate, controls: [injection], count: 20, window_s: 300, send_to: [team]}
          - {id: policy-errors, when: policy_error, send_to: [oncall]}
          - {id: approvals-waiting, when: approval_waiting, older_than_s: 900, send_to: [team]}
          - {id: evidence-failing, when: evidence_write_failed, send_to: [oncall]}

Webhook URLs and routing keys that are secrets are read from the environment (`url_env`,
`routing_key_env`), never written in the bundle.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AlertWhen = Literal[
    "control_acted", "control_rate", "policy_error", "approval_waiting", "evidence_write_failed"
]
DestinationKind = Literal["slack", "json", "pagerduty"]
PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_ENV = r"^[A-Za-z_][A-Za-z0-9_]*$"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AlertDestination(_Model):
    kind: DestinationKind
    url: str | None = Field(default=None, pattern=r"^https?://")
    url_env: str | None = Field(default=None, pattern=_ENV)
    routing_key_env: str | None = Field(default=None, pattern=_ENV)  # PagerDuty only

    @model_validator(mode="after")
    def _reachable(self) -> AlertDestination:
        if self.kind == "pagerduty":
            if self.routing_key_env is None:
                raise ValueError("a pagerduty destination needs routing_key_env")
        elif (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url or url_env")
        return self


class AlertRule(_Model):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    when: AlertWhen
    controls: tuple[str, ...] = ()  # control ids; empty = any control (control_* rules)
    count: int = Field(default=1, ge=1)  # control_rate: this many acts ...
    window_s: float = Field(default=300.0, gt=0)  # ... within this window
    older_than_s: float = Field(default=900.0, gt=0)  # approval_waiting
    severity: Literal["critical", "error", "warning", "info"] = "error"
    send_to: tuple[str, ...] = Field(min_length=1)


class AlertsConfig(_Model):
    destinations: dict[str, AlertDestination] = Field(default_factory=dict)
    rules: tuple[AlertRule, ...] = ()
    dedup_s: float = Field(default=300.0, ge=0)  # the same alert key is sent once per this
    check_interval_s: float = Field(default=30.0, gt=0)  # how often waiting approvals are checked

    @model_validator(mode="after")
    def _known_destinations(self) -> AlertsConfig:
        for rule in self.rules:
            unknown = [d for d in rule.send_to if d not in self.destinations]
            if unknown:
                known = ", ".join(sorted(self.destinations)) or "none"
                raise ValueError(
                    f"rule {rule.id!r} sends to unknown destination(s) {', '.join(unknown)} "
                    f"(known: {known})"
                )
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("alert rule ids must be unique")
        return self
