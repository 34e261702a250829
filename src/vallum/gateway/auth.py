"""Who is calling: Vallum API keys (stored hashed) and JWTs verified against a JWKS.

A key looks like `rk_` + 43 URL-safe characters; only its SHA-256 is stored (a key has 256 bits
of entropy, so a plain hash is enough: there is nothing to brute-force). A JWT must be signed by
a key in the configured JWKS (a file, a URL, or the issuer's OIDC discovery; see `jwks`) and carry the configured issuer and audience and an expiry;
the principal comes from one of its claims. Anything else is an `AuthenticationError` (401).

    key = create_api_key(Database(), Principal.parse("app:web"), name="web frontend")
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from typing import Any

import jwt
from cachetools import TTLCache
from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError

from vallum.bundle.gateway import JwtConfig
from vallum.evidence.record import utc_now
from vallum.exceptions import AuthenticationError, EvidenceError, InputError
from vallum.gateway.jwks import KeySource, load_jwks
from vallum.model import Principal
from vallum.storage.database import Database
from vallum.storage.tables import api_keys

__all__ = ["Authenticator", "create_api_key", "hash_key", "load_jwks"]

log = logging.getLogger(__name__)

KEY_PREFIX = "rk_"
CACHE_TTL_S = 30.0
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


class Authenticator:
    """Maps a bearer credential to a principal. Key lookups are cached briefly."""

    def __init__(
        self, db: Database, jwt_config: JwtConfig | None = None, jwks: KeySource | None = None
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
        return self._jwks.signing_key(kid)
