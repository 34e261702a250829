"""What every dashboard page shares: the app's state and the headers each response carries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from jinja2 import Environment
from starlette.responses import Response

from vallum.approvals.service import ApprovalService
from vallum.bundle.loader import Bundle
from vallum.dashboard.auth import LoginLimiter, Sessions
from vallum.storage.database import Database

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
R = TypeVar("R", bound=Response)


@dataclass
class Dashboard:
    bundle: Bundle
    db: Database
    approvals: ApprovalService
    sessions: Sessions
    limiter: LoginLimiter
    env: Environment


def secure(response: R) -> R:
    response.headers["content-security-policy"] = CSP
    response.headers["x-content-type-options"] = "nosniff"
    response.headers["referrer-policy"] = "same-origin"
    response.headers["x-frame-options"] = "DENY"
    response.headers["cache-control"] = "no-store"
    return response


def int_param(raw: str | None, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(raw))) if raw else default
    except ValueError:
        return default
