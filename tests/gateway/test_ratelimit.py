"""The moving-window limiter in memory: requests and tokens, quota headers, spend."""

from __future__ import annotations

import pytest

from vallum.bundle.gateway import RateLimit
from vallum.exceptions import RateLimited
from vallum.gateway.ratelimit import RateLimiter

pytestmark = pytest.mark.asyncio


async def test_requests_are_counted_then_refused_with_a_retry_time() -> None:
    """Past its requests per minute a principal is refused, told when to retry."""
    limiter = RateLimiter.in_memory()
    limit = RateLimit(requests_per_minute=2)
    first = await limiter.admit("app:a", limit, 1)
    second = await limiter.admit("app:a", limit, 1)
    with pytest.raises(RateLimited) as refused:
        await limiter.admit("app:a", limit, 1)
    assert first.requests is not None and second.requests is not None
    assert (1, 0) == (first.requests.remaining, second.requests.remaining)
    assert 1 <= refused.value.retry_after_s <= 60


async def test_principals_are_counted_apart() -> None:
    """One principal's use does not count against another's."""
    limiter = RateLimiter.in_memory()
    limit = RateLimit(requests_per_minute=1)
    await limiter.admit("app:a", limit, 1)
    quota = await limiter.admit("app:b", limit, 1)
    assert quota.requests is not None and 0 == quota.requests.remaining


async def test_tokens_spent_after_the_fact_count_against_the_next_request() -> None:
    """Tokens used by an answer are added when it ends, up to the limit; then admits refuse."""
    limiter = RateLimiter.in_memory()
    limit = RateLimit(tokens_per_minute=100)
    await limiter.admit("app:a", limit, 10)
    await limiter.spend("app:a", limit, 500)  # more than is left: fills the window
    with pytest.raises(RateLimited):
        await limiter.admit("app:a", limit, 1)


async def test_quota_headers_follow_openai() -> None:
    """The answer headers name limit, remaining and reset for each limit that applies."""
    limiter = RateLimiter.in_memory()
    quota = await limiter.admit("app:a", RateLimit(requests_per_minute=5, tokens_per_minute=50), 20)
    headers = quota.headers()
    assert ("5", "4", "50", "30") == (
        headers["x-ratelimit-limit-requests"],
        headers["x-ratelimit-remaining-requests"],
        headers["x-ratelimit-limit-tokens"],
        headers["x-ratelimit-remaining-tokens"],
    )
    assert headers["x-ratelimit-reset-requests"].endswith("s")


async def test_no_limit_means_no_count_and_no_headers() -> None:
    """A principal without limits is admitted without touching the storage."""
    quota = await RateLimiter.in_memory().admit("app:a", RateLimit(), 10**9)
    assert {} == quota.headers()


async def test_a_daily_budget_refuses_once_used_up() -> None:
    limiter = RateLimiter.in_memory()
    limit = RateLimit(tokens_per_day=50)
    await limiter.admit("app:a", limit, 1)
    await limiter.spend_day("app:a", limit, 49)
    await limiter.admit("app:a", limit, 1)  # one token left
    await limiter.spend_day("app:a", limit, 10)
    with pytest.raises(RateLimited, match="budget"):
        await limiter.admit("app:a", limit, 1)
    await limiter.spend_day("app:b", RateLimit(), 10_000)  # no budget: nothing counted
    await limiter.admit("app:b", limit, 1)
