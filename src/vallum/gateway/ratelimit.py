"""Per-principal rate limits: requests and tokens per minute, in a moving window, and a token
budget per day.

Counting is the `limits` library's moving-window strategy, over its in-process storage for one
gateway or its Redis storage (`VALLUM_REDIS_URL`) when replicas must share the count: both
count the same way. A request is admitted when the principal's last minute has room for one more
request and for the tokens it is expected to use; the tokens it really used are added when it
ends (up to the limit: a request is never refused after it was served). A refused request
counts against its window too, so a client that keeps hammering stays refused. Every answer
carries the quota left, in OpenAI's `x-ratelimit-*` headers. A daily token budget
(`tokens_per_day`) is a fixed window per UTC day: a request is refused with 429 once the day's
budget is used up, and what each request used (the upstream's reported usage, streams included)
is added when it ends; over Redis the budget holds across replicas.

    limiter = RateLimiter.in_memory()     # or RateLimiter.redis("redis://127.0.0.1:6379/0")
    quota = await limiter.admit("agent:bot", RateLimit(requests_per_minute=60), tokens=200)
    response.headers.update(quota.headers())
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from limits.aio.strategies import RateLimiter as Strategy
from limits.errors import StorageError

from vallum.bundle.gateway import RateLimit
from vallum.exceptions import RateLimited, SessionStoreError

KEY_PREFIX = "vallum:rl"


@dataclass(frozen=True, slots=True)
class Window:
    """One limit's state after a request: its size, what is left, seconds until it frees up."""

    limit: int
    remaining: int
    reset_s: int


@dataclass(frozen=True, slots=True)
class Quota:
    """What a principal has left this minute; unlimited kinds are absent."""

    requests: Window | None = None
    tokens: Window | None = None

    def headers(self) -> dict[str, str]:
        """OpenAI's rate-limit headers for the limits that apply."""
        out: dict[str, str] = {}
        for kind, window in (("requests", self.requests), ("tokens", self.tokens)):
            if window is not None:
                out[f"x-ratelimit-limit-{kind}"] = str(window.limit)
                out[f"x-ratelimit-remaining-{kind}"] = str(window.remaining)
                out[f"x-ratelimit-reset-{kind}"] = f"{window.reset_s}s"
        return out


class RateLimiter:
    """Moving-window limits per principal, over a `limits` storage."""

    def __init__(self, storage: Storage, *, where: str):
        self._storage = storage
        self._strategy = MovingWindowRateLimiter(storage)
        self._daily = FixedWindowRateLimiter(storage)  # budgets: one counter per UTC day
        self._where = where

    @classmethod
    def in_memory(cls) -> RateLimiter:
        return cls(MemoryStorage(), where="memory")

    @classmethod
    def redis(cls, url: str) -> RateLimiter:
        """Counters in Redis, shared by every replica that uses the same server."""
        uri = f"async+{url}" if not url.startswith("async+") else url
        storage = RedisStorage(
            uri, implementation="redispy", wrap_exceptions=True, key_prefix=KEY_PREFIX
        )
        return cls(storage, where="Redis")

    async def aclose(self) -> None:
        """Close the storage's connections (Redis: its client; `limits` has no close of its own)."""
        client: Any = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()

    async def admit(self, principal: str, limit: RateLimit, tokens: int) -> Quota:
        """Count one request (and `tokens` expected), or raise `RateLimited`."""
        if limit.tokens_per_day:
            await self._budget_left(principal, limit.tokens_per_day)
        if not (limit.requests_per_minute or limit.tokens_per_minute):
            return Quota()
        requests = tokens_left = None
        if limit.requests_per_minute:
            requests = await self._hit(principal, "requests", limit.requests_per_minute, 1)
        if limit.tokens_per_minute:
            tokens_left = await self._hit(principal, "tokens", limit.tokens_per_minute, tokens)
        return Quota(requests, tokens_left)

    async def spend(self, principal: str, limit: RateLimit, tokens: int) -> None:
        """Add tokens used after the fact, up to the limit."""
        if not limit.tokens_per_minute or tokens <= 0:
            return
        item = RateLimitItemPerMinute(limit.tokens_per_minute)
        await self._fill(self._strategy, item, principal, "tokens", tokens)

    async def spend_day(self, principal: str, limit: RateLimit, tokens: int) -> None:
        """Add the tokens a request used to the principal's budget for the day (up to it)."""
        if not limit.tokens_per_day or tokens <= 0:
            return
        item = RateLimitItemPerDay(limit.tokens_per_day)
        await self._fill(self._daily, item, principal, "day-tokens", tokens)

    async def _fill(
        self, strategy: Strategy, item: RateLimitItem, principal: str, kind: str, tokens: int
    ) -> None:
        """Count `tokens` already used in `item`'s window, up to what the window has left."""
        try:
            stats = await strategy.get_window_stats(item, principal, kind)
            cost = min(tokens, stats.remaining)
            if cost > 0:
                await strategy.hit(item, principal, kind, cost=cost)
        except StorageError as exc:
            raise self._unreachable(exc) from exc

    async def _budget_left(self, principal: str, per_day: int) -> None:
        item = RateLimitItemPerDay(per_day)
        try:
            stats = await self._daily.get_window_stats(item, principal, "day-tokens")
        except StorageError as exc:
            raise self._unreachable(exc) from exc
        if stats.remaining <= 0:
            reset_s = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited(
                f"{principal} used its budget of {per_day} tokens for the day; "
                f"it renews in {reset_s}s",
                reset_s,
            )

    async def _hit(self, principal: str, kind: str, per_minute: int, cost: int) -> Window:
        item = RateLimitItemPerMinute(per_minute)
        try:
            admitted = await self._strategy.hit(item, principal, kind, cost=max(cost, 0))
            stats = await self._strategy.get_window_stats(item, principal, kind)
        except StorageError as exc:
            raise self._unreachable(exc) from exc
        reset_s = max(1, math.ceil(stats.reset_time - time.time()))
        if not admitted:
            raise RateLimited(
                f"{principal} exceeded {per_minute} {kind} per minute; retry in {reset_s}s", reset_s
            )
        return Window(per_minute, stats.remaining, reset_s)

    def _unreachable(self, exc: StorageError) -> SessionStoreError:
        cause = exc.storage_error if hasattr(exc, "storage_error") else exc
        return SessionStoreError(f"rate limiter cannot reach {self._where}: {type(cause).__name__}")
