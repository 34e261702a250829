"""Gateway fixtures: the example bundle served in process, upstream mocked or the mock model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from vallum.gateway import GatewayOptions, build_gateway, create_app
from vallum.gateway.auth import create_api_key
from vallum.model import Principal

from .helpers import AGENT, USER, Served, tune_bundle


@pytest.fixture
def small_window_bundle(bundle_copy: Path) -> Path:
    """The example bundle with a short hold-back window, so short outputs exercise it."""
    return tune_bundle(bundle_copy, streaming={"holdback_chars": 24, "scan_step_chars": 8})


@pytest_asyncio.fixture
async def serve(tmp_path: Path, bundle_copy: Path) -> AsyncIterator[Callable[..., Any]]:
    """A factory: `await serve(bundle=..., transport=... | mock=True)` -> Served."""
    opened: list[Served] = []

    async def make(
        bundle: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        **options: Any,
    ) -> Served:
        db_url = f"sqlite:///{tmp_path / f'gw{len(opened)}.db'}"
        if transport is not None:
            options.setdefault("upstream_url", "http://upstream.test/v1")
        else:
            options.setdefault("mock", True)
        gw = build_gateway(
            GatewayOptions(
                bundle=bundle or bundle_copy, database_url=db_url, transport=transport, **options
            )
        )
        app = create_app(gw)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        )
        agent_key = create_api_key(gw.db, Principal.parse(AGENT))
        user_key = create_api_key(gw.db, Principal.parse(USER))
        served = Served(gw, client, agent_key, user_key)
        opened.append(served)
        return served

    yield make
    for served in opened:
        await served.client.aclose()
        await served.gw.aclose()
