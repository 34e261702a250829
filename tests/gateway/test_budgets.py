"""A per-principal token budget per day, spent from the usage the upstream reports (streams
too), refused with 429 in the provider's format once used up; counted in /metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import anthropic, chat, tune_bundle

pytestmark = pytest.mark.asyncio


async def test_budget_is_spent_by_usage_and_then_refused(serve: Any, bundle_copy: Path) -> None:
    limits = {"principals": {"agent:support-bot": {"tokens_per_day": 60}}}
    s = await serve(bundle=tune_bundle(bundle_copy, rate_limits=limits))
    used = 0
    answers = []
    for n in range(20):
        stream = n % 2 == 1
        r = await s.client.post(
            "/v1/chat/completions",
            json=chat(f"please summarise order number {n} for me", stream=stream),
            headers=s.headers(),
        )
        answers.append(r.status_code)
        if r.status_code == 429:
            break
        used = sum(sum((req.get("usage") or {}).values()) for req in s.requests())
    assert 429 == answers[-1] and answers.count(200) >= 2
    assert used >= 60  # refused only once the reported usage reached the budget
    refused = await s.client.post("/v1/messages", json=anthropic("hi"), headers=s.headers())
    assert 429 == refused.status_code
    assert "rate_limit_error" == refused.json()["error"]["type"]  # Anthropic's own shape
    assert "budget of 60 tokens" in refused.json()["error"]["message"]
    # Another principal has its own budget.
    other = await s.client.post(
        "/v1/chat/completions", json=chat("hello"), headers=s.headers(s.user_key)
    )
    assert 429 != other.status_code
    metrics = await s.client.get("/metrics", headers=s.headers(s.user_key))
    assert 'vallum_tokens_total{type="input"}' in metrics.text
