"""Building the gateway: a Redis URL needs `vallum[redis]`, and says so when it is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from vallum.exceptions import MissingExtra
from vallum.gateway.build import GatewayOptions, build_gateway


def test_redis_url_without_redis_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, example_dir: Path, tmp_path: Path
) -> None:
    """With VALLUM_REDIS_URL set and redis-py absent, building fails with one line."""
    monkeypatch.setitem(sys.modules, "redis", None)
    options = GatewayOptions(
        example_dir,
        database_url=f"sqlite:///{tmp_path / 'gw.db'}",
        mock=True,
        redis_url="redis://127.0.0.1:6379/0",
    )
    with pytest.raises(MissingExtra) as caught:
        build_gateway(options)
    assert (
        "a Redis URL (VALLUM_REDIS_URL) needs the 'redis' extra, which is not installed: "
        "pip install 'vallum[redis]'"
    ) == str(caught.value)
