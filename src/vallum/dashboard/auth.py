"""Dashboard logins: who may enter, signed session cookies, CSRF tokens, login rate limits.

A session is a cookie holding the login name, the principal, an expiry and a random nonce,
signed with HMAC-SHA256 (`VALLUM_DASHBOARD_SECRET`, or a random per-process key, which ends
every session on restart and does not carry across replicas). Roles are looked up on every
request from the bundle, so removing someone from `approvals.approvers` takes effect at once.
The CSRF token is an HMAC of the session nonce: every state-changing request must carry it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from vallum.bundle.dashboard import DashboardConfig
from vallum.dashboard.passwords import Passwords

ADMIN_LOGIN = "admin"
log = logging.getLogger("vallum.dashboard.auth")


@dataclass(frozen=True, slots=True)
class User:
    """Someone logged in: their login name and the principal they act as."""

    login: str
    principal: str
    nonce: str
    expires: float


class Sessions:
    """Issues and checks signed session cookies and their CSRF tokens; checks passwords with
    `passwords` (argon2id)."""

    def __init__(
        self,
        config: DashboardConfig,
        *,
        admin_token: str | None,
        secret: str | None,
        clock: Callable[[], float] = time.time,
        passwords: Passwords | None = None,
    ):
        self.config = config
        self.admin_token = admin_token
        self._key = (secret or secrets.token_hex(32)).encode()
        self.clock = clock
        self.passwords = passwords if passwords is not None else Passwords()

    @property
    def enabled(self) -> bool:
        """Never open by default: a login needs configured users or an admin token."""
        return bool(self.config.users) or bool(self.admin_token)

    def check_login(self, login: str, password: str) -> User | None:
        """The user for a correct name and password (or the admin token), else None."""
        if login == ADMIN_LOGIN and self.admin_token and login not in self.config.users:
            if hmac.compare_digest(password.encode(), self.admin_token.encode()):
                return self._new(login, self.config.admin_principal)
            return None
        user = self.config.users.get(login)
        if user is None:
            self.passwords.burn_time(password)
            return None
        if not self.passwords.verify(password, user.password_hash):
            return None
        if self.passwords.needs_rehash(user.password_hash):
            log.warning(
                "dashboard user %r has a password hash with outdated parameters: make a new one "
                "with `vallum dashboard hash-password`",
                login,
            )
        return self._new(login, user.principal)

    def _new(self, login: str, principal: str) -> User:
        expires = self.clock() + self.config.session_ttl_s
        return User(login, principal, secrets.token_urlsafe(16), expires)

    def encode(self, user: User) -> str:
        body = json.dumps(
            {"u": user.login, "p": user.principal, "n": user.nonce, "e": user.expires},
            separators=(",", ":"),
        ).encode()
        payload = base64.urlsafe_b64encode(body).decode().rstrip("=")
        return f"{payload}.{self._sign(payload)}"

    def decode(self, cookie: str | None) -> User | None:
        """The user a cookie names, if its signature holds, it has not expired, and the user
        still exists with the same principal."""
        if not cookie or "." not in cookie:
            return None
        payload, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            user = User(str(data["u"]), str(data["p"]), str(data["n"]), float(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        if user.expires <= self.clock():
            return None
        if user.login in self.config.users:
            return user if self.config.users[user.login].principal == user.principal else None
        if user.login == ADMIN_LOGIN and self.admin_token:
            return user
        return None

    def csrf_token(self, user: User) -> str:
        return self._sign(f"csrf|{user.nonce}")

    def check_csrf(self, user: User, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(user))

    def _sign(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()


class LoginLimiter:
    """At most `attempts` failed logins per client address and per login name in `window_s`."""

    def __init__(self, attempts: int, window_s: float, clock: Callable[[], float] = time.monotonic):
        self.attempts = attempts
        self.window_s = window_s
        self.clock = clock
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def retry_after(self, *keys: str) -> int:
        """Seconds until these keys may try again; 0 when they may now."""
        now = self.clock()
        wait = 0.0
        for key in keys:
            times = self._failures.get(key)
            if not times:
                continue
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if len(times) >= self.attempts:
                wait = max(wait, times[0] + self.window_s - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._failures[key].append(now)

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)
