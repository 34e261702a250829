"""Per-principal rate limits: requests and tokens per minute, in fixed one-minute windows.

In memory for one gateway; in Redis (`VALLUM_REDIS_URL`) when replicas must share the count.
A request is admitted when the principal's window has room for one more request and its token
count is under the limit; the tokens it really used are added when it ends.
"""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from vallum.bundle.gateway import RateLimit
from vallum.exceptions import RateLimited, SessionStoreError

WINDOW_S = 60
_KEY_TTL_S = 2 * WINDOW_S


class RateLimiter(Protocol):
    async def admit(self, principal: str, limit: RateLimit, tokens: int) -> None:
        """Count one request (and `tokens` expected) or raise `RateLimited`."""
        ...

    async def spend(self, principal: str, limit: RateLimit, tokens: int) -> None:
        """Add tokens used after the fact."""
        ...


def _window(now: float) -> tuple[int, int]:
    minute = int(now // WINDOW_S)
    return minute, max(1, int((minute + 1) * WINDOW_S - now))


def _refuse(principal: str, what: str, limit: int, retry: int) -> RateLimited:
    return RateLimited(f"{principal} exceeded {limit} {what} per minute; retry in {retry}s", retry)


class MemoryRateLimiter:
    """Counters in process; old windows are dropped as time moves on."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], list[int]] = {}
        self._minute = 0

    def _slot(self, principal: str, minute: int) -> list[int]:
        if minute != self._minute:
            self._counts = {k: v for k, v in self._counts.items() if k[1] >= minute}
            self._minute = minute
        return self._counts.setdefault((principal, minute), [0, 0])

    async def admit(self, principal: str, limit: RateLimit, tokens: int) -> None:
        if not (limit.requests_per_minute or limit.tokens_per_minute):
            return
        minute, retry = _window(time.time())
        slot = self._slot(principal, minute)
        if limit.requests_per_minute and slot[0] >= limit.requests_per_minute:
            raise _refuse(principal, "requests", limit.requests_per_minute, retry)
        if limit.tokens_per_minute and slot[1] + tokens > limit.tokens_per_minute:
            raise _refuse(principal, "tokens", limit.tokens_per_minute, retry)
        slot[0] += 1
        slot[1] += tokens

    async def spend(self, principal: str, limit: RateLimit, tokens: int) -> None:
        if limit.tokens_per_minute and tokens > 0:
            self._slot(principal, _window(time.time())[0])[1] += tokens


class RedisRateLimiter:
    """Counters in Redis, shared by every replica: `vallum:rl:{principal}:{minute}:{req|tok}`."""

    def __init__(self, client: Redis):
        self._redis = client

    async def admit(self, principal: str, limit: RateLimit, tokens: int) -> None:
        if not (limit.requests_per_minute or limit.tokens_per_minute):
            return
        minute, retry = _window(time.time())
        req_key, tok_key = (
            f"vallum:rl:{principal}:{minute}:req",
            f"vallum:rl:{principal}:{minute}:tok",
        )
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(req_key)
                pipe.expire(req_key, _KEY_TTL_S)
                pipe.incrby(tok_key, tokens)
                pipe.expire(tok_key, _KEY_TTL_S)
                requests, _, used, _ = await pipe.execute()
        except RedisError as exc:
            raise SessionStoreError(
                f"rate limiter cannot reach Redis: {type(exc).__name__}"
            ) from exc
        if limit.requests_per_minute and int(requests) > limit.requests_per_minute:
            raise _refuse(principal, "requests", limit.requests_per_minute, retry)
        if limit.tokens_per_minute and int(used) > limit.tokens_per_minute:
            raise _refuse(principal, "tokens", limit.tokens_per_minute, retry)

    async def spend(self, principal: str, limit: RateLimit, tokens: int) -> None:
        if not limit.tokens_per_minute or tokens <= 0:
            return
        key = f"vallum:rl:{principal}:{_window(time.time())[0]}:tok"
        try:
            await self._redis.incrby(key, tokens)
        except RedisError as exc:
            raise SessionStoreError(
                f"rate limiter cannot reach Redis: {type(exc).__name__}"
            ) from exc
