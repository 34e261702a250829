"""The gateway's HTTP transports to its upstreams, built in one place.

`HttpUpstream` hands each request straight to a transport (`handle_async_request`): a model call
needs none of `httpx.AsyncClient`'s per-request machinery (URL merging, a cookie jar, auth and
redirect flows), which costs more than the lean transport's whole exchange (measured by
`bench/bench_gateway.py`), and a provider's cookies must not follow one caller's request into
another's anyway. Several small pools rather than one big one: httpcore scans its whole pool for
every request, which dominates at high concurrency, so transports are sharded over
`CLIENT_SHARDS` (`HttpUpstream` takes them in turn).

With `kind="lean"`, plain-HTTP calls go through `LeanTransport` and the rest (TLS) through
httpx's transport. A proxy in the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, with
`NO_PROXY`) is honoured by httpx's client alone, so then every call goes through one
(`ClientTransport`), whatever `kind`.
"""

from __future__ import annotations

from typing import Literal
from urllib.request import getproxies

import httpx

from vallum.gateway.upstream.transport import LeanTransport

UpstreamClientKind = Literal["httpx", "lean"]
MAX_CONNECTIONS = 512
CLIENT_SHARDS = 16


class ClientTransport(httpx.AsyncBaseTransport):
    """An `httpx.AsyncClient` as a transport: for what only the client does (proxies from the
    environment). Answers stream, like any transport's."""

    def __init__(self, client: httpx.AsyncClient):
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._client.send(request, stream=True)

    async def aclose(self) -> None:
        await self._client.aclose()


def build_transports(
    transport: httpx.AsyncBaseTransport | None, kind: UpstreamClientKind
) -> list[httpx.AsyncBaseTransport]:
    """The transports every `HttpUpstream` of a gateway shares; `transport` (a test's
    `httpx.MockTransport`, say) replaces the network, whatever `kind`."""
    if transport is not None:
        return [transport]
    per_shard = MAX_CONNECTIONS // CLIENT_SHARDS
    limits = httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard)
    if proxied():
        return [ClientTransport(httpx.AsyncClient(limits=limits)) for _ in range(CLIENT_SHARDS)]
    if kind == "lean":
        return [
            LeanTransport(httpx.AsyncHTTPTransport(limits=limits), max_connections=per_shard)
            for _ in range(CLIENT_SHARDS)
        ]
    return [httpx.AsyncHTTPTransport(limits=limits) for _ in range(CLIENT_SHARDS)]


def proxied() -> bool:
    """Whether the environment configures a proxy (then httpx's client does everything)."""
    return bool(set(getproxies()) - {"no"})
