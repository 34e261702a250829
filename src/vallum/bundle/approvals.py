"""The parts of `approvals:` in `vallum.yaml` beyond the rules: approvers and the webhook.

Approvers are principals (`KIND:ID`) with roles; an approval rule names the roles that may
decide the actions it covers. The webhook URL is usually a secret (a Slack incoming webhook), so
`url_env` names the environment variable that holds it; `url` is for local receivers.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vallum.model import PRINCIPAL_KINDS

DEFAULT_WEBHOOK_ATTEMPTS = 5
DEFAULT_WEBHOOK_BACKOFF_S = 1.0
DEFAULT_WEBHOOK_MAX_BACKOFF_S = 60.0
DEFAULT_WEBHOOK_TIMEOUT_S = 5.0


class WebhookConfig(BaseModel):
    """Where new approval requests are announced (Slack-compatible JSON), and how persistently."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str | None = Field(default=None, pattern=r"^https?://")
    url_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    max_attempts: int = Field(default=DEFAULT_WEBHOOK_ATTEMPTS, ge=1, le=20)
    backoff_s: float = Field(default=DEFAULT_WEBHOOK_BACKOFF_S, gt=0)
    max_backoff_s: float = Field(default=DEFAULT_WEBHOOK_MAX_BACKOFF_S, gt=0)
    timeout_s: float = Field(default=DEFAULT_WEBHOOK_TIMEOUT_S, gt=0)
    dashboard_url: str | None = Field(default=None, pattern=r"^https?://")

    @model_validator(mode="after")
    def _one_target(self) -> WebhookConfig:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of `url` or `url_env`")
        return self


def check_approvers(value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Every approver key is a principal `KIND:ID`; every role a non-empty name."""
    for principal, roles in value.items():
        kind, sep, ident = principal.partition(":")
        if not (sep and kind in PRINCIPAL_KINDS and ident):
            raise ValueError(
                f"approver {principal!r} must be KIND:ID ({', '.join(PRINCIPAL_KINDS)})"
            )
        if any(not role.strip() for role in roles):
            raise ValueError(f"approver {principal!r} has an empty role name")
    return value
