"""The `dashboard:` section of `vallum.yaml`: who may log in to `/ui`, and how sessions behave.

Users log in with a name and password; only an argon2id hash of the password is kept here
(`vallum dashboard hash-password` makes one). A user's roles are those of its principal under
`approvals.approvers`, so one list says who may approve what, whether through the dashboard, the
CLI or the HTTP API. An admin token (`VALLUM_DASHBOARD_TOKEN`) also opens the dashboard, read
only unless its principal has roles. With neither, the dashboard stays closed.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vallum.model import PRINCIPAL_KINDS

DEFAULT_SESSION_TTL_S = 8 * 3600
DEFAULT_LOGIN_ATTEMPTS = 5
DEFAULT_LOGIN_WINDOW_S = 300
DEFAULT_ADMIN_PRINCIPAL = "user:admin"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DashboardUser(_Model):
    """A person who may log in: the principal they act as, and their password's argon2id hash."""

    principal: str
    password_hash: str = Field(pattern=r"^\$argon2id\$")

    @field_validator("principal")
    @classmethod
    def _principal(cls, value: str) -> str:
        kind, sep, ident = value.partition(":")
        if not (sep and kind in PRINCIPAL_KINDS and ident):
            raise ValueError(f"principal {value!r} must be KIND:ID")
        return value


class DashboardConfig(_Model):
    """Login, session and cookie settings for the dashboard under `/ui`.

    `secure_cookies`: `auto` marks cookies Secure when the request arrived over TLS (directly or
    through a trusted proxy), `always` whatever the scheme. `trusted_proxies`: the addresses or
    networks of reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed
    (none by default: the client is the peer that connected). Failed logins are counted per
    login name and client address, so behind a proxy this list is what tells clients apart.
    """

    users: dict[str, DashboardUser] = Field(default_factory=dict)
    admin_principal: str = DEFAULT_ADMIN_PRINCIPAL
    session_ttl_s: int = Field(default=DEFAULT_SESSION_TTL_S, gt=0)
    login_attempts: int = Field(default=DEFAULT_LOGIN_ATTEMPTS, ge=1)
    login_window_s: int = Field(default=DEFAULT_LOGIN_WINDOW_S, gt=0)
    secure_cookies: Literal["auto", "always"] = "auto"
    trusted_proxies: tuple[str, ...] = ()

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted proxy {entry!r} is not an IP address or network"
                ) from None
        return value
