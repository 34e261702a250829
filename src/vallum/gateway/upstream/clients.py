"""The gateway's HTTP clients for its upstreams, built in one place.

Several small pools rather than one big one: httpcore scans its whole pool for every request,
which dominates at high concurrency, so httpx's transport is sharded over `CLIENT_SHARDS`
clients (`HttpUpstream` takes them in turn). With `kind="lean"`, plain-HTTP calls go through
`LeanTransport` and the rest (TLS) through httpx's transport; only when no proxy is configured
in the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`): a custom transport would bypass
httpx's proxy support, so with a proxy every call stays on httpx.
"""

from __future__ import annotations

from typing import Literal
from urllib.request import getproxies

import httpx

from vallum.gateway.upstream.transport import LeanTransport

UpstreamClientKind = Literal["httpx", "lean"]
MAX_CONNECTIONS = 512
CLIENT_SHARDS = 16


def build_clients(
    transport: httpx.AsyncBaseTransport | None, kind: UpstreamClientKind
) -> list[httpx.AsyncClient]:
    """The clients every `HttpUpstream` of a gateway shares; `transport` (a test's
    `httpx.MockTransport`, say) replaces the network, whatever `kind`."""
    if transport is not None:
        limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)  # fmt: skip
        return [httpx.AsyncClient(transport=transport, limits=limits)]
    per_shard = MAX_CONNECTIONS // CLIENT_SHARDS
    limits = httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard)
    if kind == "lean" and not proxied():
        return [
            httpx.AsyncClient(
                transport=LeanTransport(httpx.AsyncHTTPTransport(limits=limits), max_connections=per_shard),
                limits=limits,
            )
            for _ in range(CLIENT_SHARDS)
        ]  # fmt: skip
    return [httpx.AsyncClient(limits=limits) for _ in range(CLIENT_SHARDS)]


def proxied() -> bool:
    """Whether the environment configures a proxy (then httpx's transport does everything)."""
    return bool(set(getproxies()) - {"no"})
