"""Cedar answers remembered: the same request gets the same answer without a second Cedar call.

Cedar is deterministic: a decision depends only on the request (principal, action, resource,
context) and on the policies and entities, which an `Authorizer` fixes when it is built. The
cache key is the request exactly as Cedar receives it (the JSON `cedarpy` sends: the context cut
down to the attributes the policies read), so a hit is the answer Cedar would give again,
reasons and errors included. What policies read is small and repetitive in practice (session
labels, finding types, tool arguments), so most decisions of a busy gateway hit; a bundle whose
policies read detector scores varies with them. Bounded: the least recently used entry goes first.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from cachetools import LRUCache

from vallum.authz.authorizer import Authorizer, AuthzResult
from vallum.bundle.cedar_source import PolicyStatement
from vallum.bundle.schema import BundleConfig
from vallum.model import Principal

MAX_ENTRIES = 4096


class CachedAuthorizer(Authorizer):
    """An `Authorizer` that remembers up to `max_entries` answers."""

    def __init__(
        self,
        policies: Sequence[PolicyStatement],
        config: BundleConfig,
        max_entries: int = MAX_ENTRIES,
    ):
        super().__init__(policies, config)
        self._answers: LRUCache[bytes, AuthzResult] = LRUCache(maxsize=max_entries)
        self._lock = threading.Lock()  # engines may run in worker threads; cachetools is not safe

    def authorize(
        self,
        principal: Principal,
        action: str,
        resource: tuple[str, str],
        context: Mapping[str, Any],
    ) -> AuthzResult:
        visible = self.visible(context)
        try:
            key = orjson.dumps([principal.cedar_type, principal.id, action, resource, visible])
        except TypeError:  # not plain JSON as it stands: let Cedar's wrapper judge
            return self._authorize(principal, action, resource, visible)
        with self._lock:
            found = self._answers.get(key)
        if found is not None:
            return found
        result = self._authorize(principal, action, resource, visible)
        with self._lock:
            self._answers[key] = result
        return result

    def __len__(self) -> int:
        return len(self._answers)
