"""Model providers behind the gateway: `HttpUpstream`, one code path over httpx transports
built by `build_transports` (plain HTTP through the lean transport where chosen)."""

from vallum.gateway.upstream.clients import UpstreamClientKind, build_transports
from vallum.gateway.upstream.http import HttpUpstream, Upstream

__all__ = ["HttpUpstream", "Upstream", "UpstreamClientKind", "build_transports"]
