"""build_transports: the lean transport for plain HTTP when chosen and no proxy is configured."""

from __future__ import annotations

import httpx
import pytest

from vallum.gateway.upstream import build_transports

from .servers import ok_server, server

pytestmark = pytest.mark.asyncio
REFUSAL = "header 'x-probe' refused"
PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
)


async def refusal(transports: list[httpx.AsyncBaseTransport], url: str) -> str:
    """What a header with a control character gets: the lean transport refuses it, naming the
    header; httpx's transport sends it (""), or fails otherwise (an unreachable proxy)."""
    try:
        request = httpx.Request("POST", url, content=b"{}", headers={"x-probe": "a\x01b"})
        response = await transports[0].handle_async_request(request)
        await response.aclose()
        return ""
    except httpx.HTTPError as exc:
        return str(exc)
    finally:
        for transport in transports:
            await transport.aclose()


async def test_lean_clients_send_plain_http_through_the_lean_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """kind="lean" without a proxy: plain HTTP goes through the lean transport."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # common, and no reason to skip lean
    async with server(ok_server([], [])) as base:
        assert REFUSAL in await refusal(build_transports(None, "lean"), f"{base}/x")
        assert REFUSAL not in await refusal(build_transports(None, "httpx"), f"{base}/x")


async def test_with_a_proxy_configured_every_call_stays_on_httpx(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A proxy in the environment: httpx's transport (which honours it) does everything."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    async with server(ok_server([], [])) as base:
        assert REFUSAL not in await refusal(build_transports(None, "lean"), f"{base}/x")


async def test_a_test_transport_replaces_the_network_whatever_the_kind() -> None:
    """A given transport is the one transport, lean or not."""
    mock = httpx.MockTransport(lambda request: httpx.Response(200, json={"via": "mock"}))
    assert [mock] == build_transports(mock, "lean")
