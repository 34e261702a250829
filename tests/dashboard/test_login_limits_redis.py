"""The login limiter in Redis: failures counted on one replica hold on every other (real Redis)."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest

from vallum.dashboard.auth import LoginLimiter

from .conftest import PASSWORDS, dashboard_bundle
from .test_login_limits import _gateway, _login


def _address() -> str:
    """A fresh address (benchmarking range), so parallel runs on one Redis never meet."""
    return f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"


def test_failures_on_one_replica_lock_the_pair_out_on_another(redis_url: str) -> None:
    """Two limiters on one Redis count one history: two failures through the first lock the
    pair out on the second, a success on the second clears it for the first, and other names
    from the address stay free."""
    prefix = f"vallum-test-login-{uuid.uuid4().hex}"
    first = LoginLimiter.redis(2, 60, redis_url, key_prefix=prefix)
    second = LoginLimiter.redis(2, 60, redis_url, key_prefix=prefix)
    address = _address()
    first.failed("fiona", address)
    first.failed("fiona", address)
    locked = second.retry_after("fiona", address)
    other = second.retry_after("sam", address)
    second.succeeded("fiona", address)
    assert (True, 0, 0) == (locked > 0, other, first.retry_after("fiona", address))


def test_an_unreachable_redis_refuses_logins() -> None:
    """No counter, no login: the limiter fails closed when Redis cannot be reached."""
    limiter = LoginLimiter.redis(3, 60, "redis://127.0.0.1:1/0")
    limiter.failed("fiona", "192.0.2.1")  # logged, not raised
    assert 60 == limiter.retry_after("fiona", "192.0.2.1")


def test_two_gateways_share_the_login_count(
    redis_url: str, bundle_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the dashboards of two gateways on one Redis (VALLUM_REDIS_URL): wrong passwords
    spread over both replicas lock the pair out on both."""
    monkeypatch.setenv("VALLUM_REDIS_URL", redis_url)
    bundle = dashboard_bundle(bundle_copy)
    address = _address()
    name = "fiona"
    with _gateway(bundle, tmp_path / "a") as one, _gateway(bundle, tmp_path / "b") as two:
        statuses = [_login(app, name, "wrong", address) for app in (one, two, one)]
        assert [401, 401, 401, 429] == [*statuses, _login(two, name, PASSWORDS[name], address)]
