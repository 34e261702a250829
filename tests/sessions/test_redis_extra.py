"""The Redis session store comes with `vallum[redis]`, and says so when redis-py is missing."""

from __future__ import annotations

import sys

import pytest

from vallum.exceptions import MissingExtra
from vallum.sessions.redis import RedisSessionStore


def test_from_url_without_redis_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Redis URL without redis-py installed raises MissingExtra naming `vallum[redis]`."""
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(MissingExtra, match=r"pip install 'vallum\[redis\]'"):
        RedisSessionStore.from_url("redis://127.0.0.1:6379/0")


def test_from_url_connects(redis_url: str) -> None:
    """`from_url` gives a working store on the real Redis server."""
    store = RedisSessionStore.from_url(redis_url, ttl_s=60)
    session = f"extras-{id(store)}"
    store.add(session, ["pii.email"])
    assert frozenset({"pii.email"}) == store.labels(session)
