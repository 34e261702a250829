"""Which upstream serves a model: the bundle's routing, or one upstream for every model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from vallum.bundle.loader import Bundle
from vallum.exceptions import UpstreamError
from vallum.gateway.upstream import Upstream


class Upstreams:
    """Which upstream serves a model: the bundle's routing, or one upstream for every model."""

    def __init__(
        self,
        bundle: Bundle,
        named: Mapping[str, Upstream],
        override: Upstream | None,
        transports: Sequence[httpx.AsyncBaseTransport],
    ):
        self._models = bundle.config.models
        self._default = bundle.config.gateway.default_upstream
        self._named = dict(named)
        self._override = override
        self._transports = list(transports)  # shared by the upstreams: closed here

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
        for transport in self._transports:
            await transport.aclose()
