"""Who is calling: Vallum API keys (stored hashed) and JWTs verified against a local JWKS.

A key looks like `rk_` + 43 URL-safe characters; only its SHA-256 is stored (a key has 256 bits
of entropy, so a plain hash is enough: there is nothing to brute-force). A JWT must be signed by
a key in the configured JWKS file and carry the configured issuer and audience and an expiry;
the principal comes from one of its claims. Anything else is an `AuthenticationError` (401).

    key = create_api_key(Database(), Principal.parse("app:web"), name="web frontend")
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cachetools import TTLCache
from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from vallum.bundle.gateway import JwtConfig
from vallum.evidence.record import utc_now
from vallum.exceptions import AuthenticationError, ConfigError, EvidenceError, InputError
from vallum.model import Principal
from vallum.storage.database import Database
from vallum.storage.tables import api_keys

log = logging.getLogger(__name__)

KEY_PREFIX = "rk_"
CACHE_TTL_S = 30.0
JWKS_CHECK_S = 5.0  # how often the JWKS file is checked for a change
MAX_CACHE = 10_000


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(db: Database, principal: Principal, *, name: str = "") -> str:
    """Store a new key for `principal` and return it: the only time it is ever shown."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = {
        "id": str(uuid.uuid4()), "key_hash": hash_key(key), "prefix": key[:10], "principal": str(principal),
        "name": name, "created_at": utc_now(), "revoked": 0,
    }  # fmt: skip
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(api_keys).values(**row))
    except SQLAlchemyError as exc:
        raise EvidenceError(f"cannot store the API key in {db.display_url}: {exc}") from exc
    return key


def load_jwks(config: JwtConfig, bundle_dir: Path) -> JwksFile:
    path = Path(config.jwks_file)
    return JwksFile(path if path.is_absolute() else bundle_dir / path)


class JwksFile:
    """The JWKS file, reloaded when it changes (checked at most every `JWKS_CHECK_S`), so keys
    can be rotated without a restart. A file that fails to load at start is a `ConfigError`;
    one that breaks later leaves the last good key set in use and says so in the log."""

    def __init__(self, path: Path):
        self.path = path
        self._mtime = self._stat()
        self._keys = self._read()
        self._checked = time.monotonic()

    def current(self) -> jwt.PyJWKSet:
        now = time.monotonic()
        if now - self._checked >= JWKS_CHECK_S:
            self._checked = now
            mtime = self._stat()
            if mtime != self._mtime:
                self._mtime = mtime
                try:
                    self._keys = self._read()
                    log.info("reloaded the JWKS from %s", self.path)
                except ConfigError as exc:
                    log.warning("%s; keeping the keys loaded before", exc)
        return self._keys

    def _stat(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def _read(self) -> jwt.PyJWKSet:
        try:
            return jwt.PyJWKSet.from_json(self.path.read_text())
        except (OSError, jwt.PyJWTError, ValueError) as exc:
            raise ConfigError(
                f"gateway.auth.jwt.jwks_file {self.path}: cannot load a JWKS ({exc})"
            ) from exc


class Authenticator:
    """Maps a bearer credential to a principal. Key lookups are cached briefly."""

    def __init__(
        self, db: Database, jwt_config: JwtConfig | None = None, jwks: JwksFile | None = None
    ):
        self._db = db
        self._jwt = jwt_config
        self._jwks = jwks
        # Key hash -> principal, for CACHE_TTL_S: a revoked key stops working within that time.
        self._cache: TTLCache[str, Principal] = TTLCache(maxsize=MAX_CACHE, ttl=CACHE_TTL_S)

    def credential(self, authorization: str | None, x_api_key: str | None) -> str:
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationError("Authorization header must be `Bearer <key or token>`")
            return token.strip()
        if x_api_key:
            return x_api_key.strip()
        raise AuthenticationError(
            "no credentials: send `Authorization: Bearer <key>` (or `x-api-key`)"
        )

    def lookup_cached(self, token: str) -> Principal | None:
        """The principal for a recently seen key, without I/O (None when not cached)."""
        return self._cache.get(hash_key(token)) if token.startswith(KEY_PREFIX) else None

    def authenticate(self, token: str) -> Principal:
        """The principal for a key or JWT (may read the database: call off the event loop)."""
        if token.startswith(KEY_PREFIX):
            return self._key(token)
        if token.count(".") == 2 and self._jwt is not None:
            return self._token(token)
        raise AuthenticationError("unknown credentials")

    def _key(self, token: str) -> Principal:
        digest = hash_key(token)
        try:
            with self._db.engine.connect() as conn:
                row = conn.execute(
                    select(api_keys.c.principal).where(
                        api_keys.c.key_hash == digest, api_keys.c.revoked == 0
                    )
                ).first()
        except SQLAlchemyError as exc:
            raise EvidenceError(f"cannot read API keys: {type(exc).__name__}") from exc
        if row is None:
            raise AuthenticationError("unknown API key")
        principal = Principal.parse(str(row[0]))
        self._cache[digest] = principal
        return principal

    def _token(self, token: str) -> Principal:
        assert self._jwt is not None
        if self._jwks is None:
            raise AuthenticationError("JWT accepted by config but no JWKS is loaded")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._signing_key(kid)
            claims: dict[str, Any] = jwt.decode(
                token, key=key, algorithms=list(self._jwt.algorithms), audience=self._jwt.audience,
                issuer=self._jwt.issuer, options={"require": ["exp", "iss", "aud"]},
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"invalid token: {exc}") from None
        value = claims.get(self._jwt.principal_claim)
        if not isinstance(value, str) or not value:
            raise AuthenticationError(
                f"token has no {self._jwt.principal_claim!r} claim naming the principal"
            )
        try:
            return Principal.parse(value if ":" in value else f"{self._jwt.default_kind}:{value}")
        except InputError as exc:
            raise AuthenticationError(f"token claim {self._jwt.principal_claim!r}: {exc}") from None

    def _signing_key(self, kid: str | None) -> Any:
        assert self._jwks is not None
        keys = self._jwks.current().keys
        if kid is not None:
            for k in keys:
                if k.key_id == kid:
                    return k.key
            raise AuthenticationError(f"token key id {kid!r} is not in the JWKS")
        if len(keys) == 1:
            return keys[0].key
        raise AuthenticationError("token names no key id and the JWKS has several keys")
