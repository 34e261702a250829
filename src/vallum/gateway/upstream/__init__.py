"""Model providers behind the gateway: `HttpUpstream` over `httpx.AsyncClient`, the clients
built by `build_clients`, plain HTTP through the lean transport where chosen."""

from vallum.gateway.upstream.clients import UpstreamClientKind, build_clients
from vallum.gateway.upstream.http import HttpUpstream, Upstream

__all__ = ["HttpUpstream", "Upstream", "UpstreamClientKind", "build_clients"]
