"""Where the keys that sign accepted JWTs come from: a local JWKS file, a JWKS URL, or the
issuer's OpenID Connect discovery document (`{issuer}/.well-known/openid-configuration` names its
`jwks_uri`).

    gateway:
      auth:
        jwt:
          issuer: https://login.example.com/
          audience: vallum
          oidc_discovery: true        # or jwks_url: https://.../jwks.json, or jwks_file: jwks.json

Remote keys are cached (`JWKS_TTL_S`) and fetched again when a token names a key id the cache does
not hold (a key rotation), at most once per `MIN_REFETCH_S`, so tokens with made-up key ids cannot
make the gateway hammer the identity provider. A fetch that fails keeps the keys already held.
Remote URLs must be https (plain http only to a loopback address, for a local identity server).
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import jwt

from vallum.bundle.gateway import JwtConfig
from vallum.exceptions import AuthenticationError, ConfigError

log = logging.getLogger(__name__)

JWKS_CHECK_S = 5.0  # how often the JWKS file is checked for a change
JWKS_TTL_S = 300.0  # how long fetched keys are used before they are fetched again
MIN_REFETCH_S = 30.0  # unknown key ids trigger at most one fetch per this interval
FETCH_TIMEOUT_S = 5.0


class KeySource(Protocol):
    def signing_key(self, kid: str | None) -> Any: ...


def load_jwks(config: JwtConfig, bundle_dir: Path) -> KeySource:
    if config.jwks_file is not None:
        path = Path(config.jwks_file)
        return JwksFile(path if path.is_absolute() else bundle_dir / path)
    if config.jwks_url is not None:
        return JwksUrl(_checked_url(config.jwks_url, "jwks_url"))
    return JwksUrl(discover(config.issuer))


def pick(keys: list[jwt.PyJWK], kid: str | None) -> Any:
    """The key a token's header names (or the only key, when it names none)."""
    if kid is not None:
        for k in keys:
            if k.key_id == kid:
                return k.key
        raise AuthenticationError(f"token key id {kid!r} is not in the JWKS")
    if len(keys) == 1:
        return keys[0].key
    raise AuthenticationError("token names no key id and the JWKS has several keys")


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

    def signing_key(self, kid: str | None) -> Any:
        return pick(self.current().keys, kid)

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


class JwksUrl:
    """Keys fetched from a JWKS URL, cached, refetched on expiry and on an unknown key id."""

    def __init__(
        self, url: str | Callable[[], str], *, clock: Callable[[], float] = time.monotonic
    ):
        self._url = url
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: list[jwt.PyJWK] | None = None
        self._fetched = float("-inf")
        self._attempted = float("-inf")

    def signing_key(self, kid: str | None) -> Any:
        now = self._clock()
        if self._keys is None or now - self._fetched >= JWKS_TTL_S:
            self._refresh(now, force=self._keys is None)
        assert self._keys is not None
        if kid is not None and not any(k.key_id == kid for k in self._keys):
            self._refresh(now, force=False)  # a rotated key: look once more, rate-limited
        return pick(self._keys, kid)

    def _refresh(self, now: float, *, force: bool) -> None:
        with self._lock:
            if not force and now - self._attempted < MIN_REFETCH_S:
                return
            self._attempted = now
            try:
                keys = self._fetch()
            except (httpx.HTTPError, jwt.PyJWTError, ValueError) as exc:
                if self._keys is None:
                    raise AuthenticationError(f"cannot fetch the JWKS: {exc}") from None
                log.warning("cannot refresh the JWKS (%s); keeping the keys held", exc)
                return
            self._keys, self._fetched = keys, now

    def _fetch(self) -> list[jwt.PyJWK]:
        url = self._url() if callable(self._url) else self._url
        response = httpx.get(url, timeout=FETCH_TIMEOUT_S, follow_redirects=False)
        response.raise_for_status()
        return list(jwt.PyJWKSet.from_dict(response.json()).keys)


def discover(issuer: str) -> Callable[[], str]:
    """The issuer's `jwks_uri`, read from its discovery document at first use (and kept)."""
    config_url = _checked_url(issuer.rstrip("/") + "/.well-known/openid-configuration", "issuer")
    found: list[str] = []

    def jwks_uri() -> str:
        if not found:
            response = httpx.get(config_url, timeout=FETCH_TIMEOUT_S, follow_redirects=False)
            response.raise_for_status()
            document = response.json()
            if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
                raise ValueError(f"discovery document at {config_url} names another issuer")
            found.append(_checked_url(str(document["jwks_uri"]), "jwks_uri"))
        return found[0]

    return jwks_uri


def _checked_url(url: str, key: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _loopback(parts.hostname):
        return url
    raise ConfigError(
        f"gateway.auth.jwt.{key}: {url!r} must be an https URL (http only to a loopback address)"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
