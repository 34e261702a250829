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
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

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
    """Failed logins counted per (login name, client address), with backoff.

    Keyed by the pair, so failures from one address lock out only the names tried from it
    (not everyone behind a shared proxy), and nobody elsewhere can lock out a named approver.
    Backoff: `attempts` failures in `window_s` lock the pair out; twice as many in four times
    the window lock it out for longer, and so on for `BACKOFF_TIERS` tiers. An address that
    fails for many names (password spraying) is stopped by a looser per-address bound.
    Counting is the `limits` library's moving window, in process by default or in Redis
    (`LoginLimiter.redis`, when `VALLUM_REDIS_URL` is set) so it holds across replicas: an
    attacker spreading guesses over replicas behind a load balancer meets one count. If Redis
    cannot be reached, logins wait (the limiter fails closed) rather than go uncounted.
    """

    BACKOFF_TIERS = 3
    ADDRESS_FACTOR = 10  # failures per window from one address, across every name

    KEY_PREFIX = "vallum-login"

    def __init__(self, attempts: int, window_s: float, storage: Storage | None = None):
        self._limiter = MovingWindowRateLimiter(storage if storage is not None else MemoryStorage())
        window = max(1, int(window_s))
        self._window = window
        self._pair = tuple(
            RateLimitItemPerSecond(attempts * 2**tier, window * 4**tier)
            for tier in range(self.BACKOFF_TIERS)
        )
        self._address = RateLimitItemPerSecond(attempts * self.ADDRESS_FACTOR, window)

    @classmethod
    def redis(
        cls, attempts: int, window_s: float, url: str, *, key_prefix: str = KEY_PREFIX
    ) -> LoginLimiter:
        """Counts kept in Redis at `url`, shared by every replica using the same server."""
        storage = RedisStorage(url, key_prefix=key_prefix, wrap_exceptions=True)
        return cls(attempts, window_s, storage)

    def _limits(self, name: str, address: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        pair = ("login", address, name)
        return [*((item, pair) for item in self._pair), (self._address, ("login-from", address))]

    def retry_after(self, name: str, address: str) -> int:
        """Seconds until `name` may try again from `address`; 0 when it may now."""
        now = time.time()
        wait = 0.0
        try:
            for item, keys in self._limits(name, address):
                if not self._limiter.test(item, *keys):
                    reset = self._limiter.get_window_stats(item, *keys).reset_time
                    wait = max(wait, reset - now)
        except StorageError as exc:  # no count, no login: fail closed
            log.error("login limiter storage unreachable, refusing logins: %s", exc)
            return self._window
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, name: str, address: str) -> None:
        try:
            for item, keys in self._limits(name, address):
                self._limiter.hit(item, *keys)
        except StorageError as exc:
            log.error("login limiter storage unreachable, a failure went uncounted: %s", exc)

    def succeeded(self, name: str, address: str) -> None:
        try:
            for item in self._pair:
                self._limiter.clear(item, "login", address, name)
        except StorageError as exc:
            log.error("login limiter storage unreachable: %s", exc)
