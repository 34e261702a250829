"""Which upstream serves a model: the bundle's routing, or one upstream for every model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from vallum.bundle.loader import Bundle
from vallum.exceptions import UpstreamError
from vallum.gateway.upstream import HttpUpstream, Upstream


class Upstreams:
    """Which upstream serves a model: the bundle's routing, or one upstream for every model."""

    def __init__(
        self,
        bundle: Bundle,
        named: Mapping[str, Upstream],
        override: Upstream | None,
        clients: Sequence[httpx.AsyncClient],
    ):
        self._models = bundle.config.models
        self._default = bundle.config.gateway.default_upstream
        self._named = dict(named)
        self._override = override
        self._clients = list(clients)

    def for_model(self, model: str) -> Upstream:
        if self._override is not None:
            return self._override
        entry = self._models.get(model)
        name = (entry.upstream if entry else None) or self._default
        if name is None or name not in self._named:
            raise UpstreamError(
                f"no upstream for model {model!r}: set gateway.default_upstream, or serve with --upstream/--mock"
            )
        return self._named[name]

    async def aclose(self) -> None:
        for upstream in [*self._named.values(), self._override]:
            if isinstance(upstream, HttpUpstream):
                await upstream.aclose()
        for client in self._clients:
            await client.aclose()
