"""Session labels and taint in Redis, shared by every gateway replica (`VALLUM_REDIS_URL`).

Per session: a set `vallum:session:{id}:labels`, a hash `vallum:session:{id}:taint`
(and for `vallum.sessions.history` a hash `...:counters`, `HINCRBYFLOAT`, and a set
`...:destinations`)
(fingerprint -> `|`-joined labels; the first labels recorded for a fingerprint stay, as in the
SQL store) and a hash `vallum:session:{id}:checked` (content already checked -> evidence id;
see `vallum.gateway.history`). They expire `ttl_s` after the session was last written: labels
never disappear while a session is in use, and marks never outlive labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from vallum.exceptions import SessionStoreError
from vallum.extras import require
from vallum.sessions.fingerprint import all_value_fingerprints
from vallum.sessions.store import match_taint

if TYPE_CHECKING:
    from redis import Redis

DEFAULT_TTL_S = 7 * 24 * 3600
_CHUNK = 5000


class RedisSessionStore:
    def __init__(
        self, client: Redis, *, ttl_s: int = DEFAULT_TTL_S, prefix: str = "vallum:session:"
    ):
        # redis-py comes with `vallum[redis]`; its error class is looked up once, here.
        errors = require("redis", "redis.exceptions", feature="the Redis session store")
        self._error: type[Exception] = errors.RedisError
        self._redis = client
        self._ttl = ttl_s
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, ttl_s: int = DEFAULT_TTL_S) -> RedisSessionStore:
        """A store on a Redis URL (`VALLUM_REDIS_URL`), or `MissingExtra` without redis-py."""
        redis = require("redis", "redis", feature="a Redis URL")
        return cls(redis.Redis.from_url(url), ttl_s=ttl_s)

    def _keys(self, session: str) -> tuple[str, str]:
        return f"{self._prefix}{session}:labels", f"{self._prefix}{session}:taint"

    def checked(self, session: str, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        try:
            found = self._redis.hmget(f"{self._prefix}{session}:checked", list(keys))
        except self._error as exc:
            raise SessionStoreError(
                f"cannot read checked content of session {session!r} from Redis: {exc}"
            ) from exc
        return {
            k: (v.decode() if isinstance(v, bytes) else str(v))
            for k, v in zip(keys, found, strict=True)
            if v is not None
        }

    def mark_checked(self, session: str, marks: Mapping[str, str]) -> None:
        if not marks:
            return
        labels_key, taint_key = self._keys(session)
        marks_key = f"{self._prefix}{session}:checked"
        try:
            with self._redis.pipeline(transaction=True) as pipe:
                for key, evidence_id in marks.items():
                    pipe.hset(marks_key, key, evidence_id)
                # the marks must not outlive the labels their decisions added
                for key in (marks_key, labels_key, taint_key):
                    pipe.expire(key, self._ttl)
                pipe.execute()
        except self._error as exc:
            raise SessionStoreError(
                f"cannot write checked content of session {session!r} to Redis: {exc}"
            ) from exc

    def labels(self, session: str) -> frozenset[str]:
        try:
            members = self._redis.smembers(self._keys(session)[0])
        except self._error as exc:
            raise SessionStoreError(
                f"cannot read labels of session {session!r} from Redis: {exc}"
            ) from exc
        return frozenset(m.decode() if isinstance(m, bytes) else str(m) for m in members)

    def add(
        self, session: str, labels: Iterable[str], taint: Mapping[int, str] | None = None
    ) -> None:
        labels_key, taint_key = self._keys(session)
        wanted = sorted(set(labels))
        items = list((taint or {}).items())
        try:
            with self._redis.pipeline(transaction=True) as pipe:
                if wanted:
                    pipe.sadd(labels_key, *wanted)
                for start in range(0, len(items), _CHUNK):
                    for fingerprint, joined in items[start : start + _CHUNK]:
                        pipe.hsetnx(taint_key, str(fingerprint), joined)
                pipe.expire(labels_key, self._ttl)
                if items:
                    pipe.expire(taint_key, self._ttl)
                pipe.execute()
        except self._error as exc:
            raise SessionStoreError(
                f"cannot write labels of session {session!r} to Redis: {exc}"
            ) from exc

    def taint_of(self, session: str, values: Mapping[str, str]) -> dict[str, frozenset[str]]:
        wanted = sorted({h for v in values.values() for h in all_value_fingerprints(v)})
        if not wanted:
            return {}
        try:
            found = self._redis.hmget(self._keys(session)[1], [str(h) for h in wanted])
        except self._error as exc:
            raise SessionStoreError(
                f"cannot read taint of session {session!r} from Redis: {exc}"
            ) from exc
        lookup = {
            h: (v.decode() if isinstance(v, bytes) else str(v))
            for h, v in zip(wanted, found, strict=True)
            if v is not None
        }
        return match_taint(values, lookup)

    def counters(self, session: str) -> dict[str, float]:
        try:
            found = self._redis.hgetall(f"{self._prefix}{session}:counters")
        except self._error as exc:
            raise SessionStoreError(
                f"cannot read history of session {session!r} from Redis: {exc}"
            ) from exc
        return {
            (k.decode() if isinstance(k, bytes) else str(k)): float(v) for k, v in found.items()
        }

    def seen_destinations(self, session: str, fingerprints: Sequence[int]) -> set[int]:
        wanted = sorted(set(fingerprints))
        if not wanted:
            return set()
        try:
            found = self._redis.smismember(
                f"{self._prefix}{session}:destinations", [str(h) for h in wanted]
            )
        except self._error as exc:
            raise SessionStoreError(
                f"cannot read history of session {session!r} from Redis: {exc}"
            ) from exc
        return {h for h, hit in zip(wanted, found, strict=True) if hit}

    def record_history(
        self, session: str, increments: Mapping[str, float], destinations: Iterable[int]
    ) -> None:
        counters_key = f"{self._prefix}{session}:counters"
        destinations_key = f"{self._prefix}{session}:destinations"
        seen = sorted({str(h) for h in destinations})
        try:
            with self._redis.pipeline(transaction=True) as pipe:
                for key, amount in sorted(increments.items()):
                    pipe.hincrbyfloat(counters_key, key, amount)  # atomic across replicas
                if seen:
                    pipe.sadd(destinations_key, *seen)
                for key in (counters_key, destinations_key):
                    pipe.expire(key, self._ttl)
                pipe.execute()
        except self._error as exc:
            raise SessionStoreError(
                f"cannot write history of session {session!r} to Redis: {exc}"
            ) from exc
