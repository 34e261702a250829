"""The gateway's Cedar answer cache: a hit is exactly the answer Cedar gives, and it is bounded."""

from __future__ import annotations

from typing import Any

import pytest

from vallum.authz.authorizer import Authorizer
from vallum.authz.values import typed_args
from vallum.bundle.loader import Bundle
from vallum.gateway.authz_cache import CachedAuthorizer
from vallum.model import Action, Principal

AGENT, USER = Principal.parse("agent:support-bot"), Principal.parse("user:ann")


def context(labels: list[str] = [], arg_labels: list[str] = [], args: Any = None, **extra: Any) -> dict[str, Any]:  # noqa: B006 - read only  # fmt: skip
    return {"stage": "tool_call", "labels": labels, "findings": [], "scores": {"pii": 0},
            "args": args or {}, "arg_labels": arg_labels, "trust": "trusted", "source": "", **extra}  # fmt: skip


REQUESTS = [
    (AGENT, "llm.request", ("Model", "gpt-4o-mini"), context(stage="input")),
    (AGENT, "tool.call", ("Tool", "send_email"), context(["pii"], ["to:email.external"])),
    (AGENT, "tool.call", ("Tool", "send_email"), context([], ["to:email.external"])),
    (AGENT, "tool.call", ("Tool", "send_email"), context([], ["to:untrusted"])),
    (AGENT, "tool.call", ("Tool", "refund"), context(["untrusted"])),
    (AGENT, "tool.call", ("Tool", "refund"), context(args=typed_args({"amount": 500}, {"amount": "number"}))),
    (AGENT, "tool.call", ("Tool", "refund"), context(args=typed_args({"amount": 50}, {"amount": "number"}))),
    (AGENT, "tool.call", ("Tool", "refund"), context(args={"amount": "lots"})),  # errors: closed
    (USER, "tool.call", ("Tool", "refund"), context()),
    (AGENT, "tool.call", ("Tool", "not_declared"), context()),
]  # fmt: skip


@pytest.mark.parametrize("request_", REQUESTS, ids=[f"{r[1]}:{r[2][1]}:{i}" for i, r in enumerate(REQUESTS)])  # fmt: skip
def test_a_cached_answer_is_the_answer_cedar_gives(example_bundle: Bundle, request_: Any) -> None:
    """Asked twice, the cache answers both times exactly as a plain authorizer does (reasons,
    monitor matches and evaluation errors included), and the second answer is the stored one."""
    plain = Authorizer(example_bundle.policies, example_bundle.config)
    cached = CachedAuthorizer(example_bundle.policies, example_bundle.config)
    expected = plain.authorize(*request_)
    first = cached.authorize(*request_)
    again = cached.authorize(*request_)
    assert expected == first == again
    assert again is first


def test_requests_that_differ_anywhere_get_their_own_answers(example_bundle: Bundle) -> None:
    """Every request above differs from the others in one field; none is answered from another's
    entry, so the cache holds one per request and each matches Cedar."""
    plain = Authorizer(example_bundle.policies, example_bundle.config)
    cached = CachedAuthorizer(example_bundle.policies, example_bundle.config)
    for request_ in REQUESTS:
        cached.authorize(*request_)
    assert len(REQUESTS) == len(cached)
    assert [plain.authorize(*r) for r in REQUESTS] == [cached.authorize(*r) for r in REQUESTS]
    assert {Action.ALLOW, Action.BLOCK, Action.REQUIRE_APPROVAL} == {
        cached.authorize(*r).action for r in REQUESTS
    }


def test_the_cache_is_bounded(example_bundle: Bundle) -> None:
    """Past `max_entries` the oldest answers are dropped; answers stay correct."""
    cached = CachedAuthorizer(example_bundle.policies, example_bundle.config, max_entries=3)
    for request_ in REQUESTS:
        cached.authorize(*request_)
    assert 3 == len(cached)
    assert Action.BLOCK == cached.authorize(*REQUESTS[8]).action  # users-cannot-refund
