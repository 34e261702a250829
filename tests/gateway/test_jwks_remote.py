"""JWTs from the organisation's identity provider: keys from a JWKS URL or OIDC discovery,
served by a real local HTTP server; rotation, made-up key ids and a provider that goes away."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from vallum.bundle.gateway import JwtConfig
from vallum.exceptions import AuthenticationError, ConfigError
from vallum.gateway import jwks as jwks_module
from vallum.gateway.auth import Authenticator, load_jwks
from vallum.model import Principal
from vallum.storage.database import Database


def _keypair(kid: str) -> tuple[Any, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    return private, {**public, "kid": kid, "alg": "RS256", "use": "sig"}


class _Provider(BaseHTTPRequestHandler):
    """An identity provider: discovery document and JWKS; counts every fetch."""

    keys: ClassVar[list[dict[str, Any]]] = []
    hits: ClassVar[dict[str, int]] = {}
    issuer: ClassVar[str] = ""
    down: ClassVar[bool] = False

    def do_GET(self) -> None:
        type(self).hits[self.path] = type(self).hits.get(self.path, 0) + 1
        if type(self).down:
            self.send_response(503)
            self.end_headers()
            return
        if self.path == "/.well-known/openid-configuration":
            body = {"issuer": type(self).issuer, "jwks_uri": type(self).issuer + "/keys"}
        elif self.path == "/keys":
            body = {"keys": type(self).keys}
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    _Provider.keys, _Provider.hits, _Provider.issuer, _Provider.down = [], {}, issuer, False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield issuer
    server.shutdown()
    server.server_close()


def _token(private: Any, kid: str, issuer: str, **claims: Any) -> str:
    body = {"iss": issuer, "aud": "vallum", "exp": int(time.time()) + 300, **claims}
    return jwt.encode(body, private, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'k.db'}")
    yield database
    database.dispose()


def test_discovery_rotation_and_made_up_key_ids(
    provider: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_private, old_public = _keypair("k1")
    new_private, new_public = _keypair("k2")
    _Provider.keys = [old_public]
    config = JwtConfig(issuer=provider, audience="vallum", oidc_discovery=True)
    auth = Authenticator(db, config, load_jwks(config, tmp_path))
    assert Principal("user", "ann") == auth.authenticate(
        _token(old_private, "k1", provider, sub="ann")
    )

    # The provider rotates: a token with the new key id makes the gateway look again, once.
    _Provider.keys = [old_public, new_public]
    monkeypatch.setattr(jwks_module, "MIN_REFETCH_S", 0.0)
    assert Principal("user", "bob") == auth.authenticate(
        _token(new_private, "k2", provider, sub="bob")
    )
    fetches = _Provider.hits["/keys"]
    assert 2 == fetches

    # Made-up key ids cannot make it hammer the provider: one look per MIN_REFETCH_S at most.
    monkeypatch.setattr(jwks_module, "MIN_REFETCH_S", 3600.0)
    for n in range(20):
        with pytest.raises(AuthenticationError, match="not in the JWKS"):
            auth.authenticate(_token(new_private, f"forged-{n}", provider, sub="eve"))
    assert _Provider.hits["/keys"] <= fetches + 1
    assert 1 == _Provider.hits["/.well-known/openid-configuration"]

    # A key signed by someone else, under a real key id, is refused.
    stranger, _ = _keypair("k2")
    with pytest.raises(AuthenticationError, match="invalid token"):
        auth.authenticate(_token(stranger, "k2", provider, sub="eve"))


def test_provider_outage_keeps_the_keys_held(
    provider: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private, public = _keypair("k1")
    _Provider.keys = [public]
    config = JwtConfig(issuer=provider, audience="vallum", jwks_url=provider + "/keys")
    auth = Authenticator(db, config, load_jwks(config, tmp_path))
    token = _token(private, "k1", provider, sub="ann")
    assert Principal("user", "ann") == auth.authenticate(token)
    _Provider.down = True
    monkeypatch.setattr(jwks_module, "JWKS_TTL_S", 0.0)  # every use wants a fresh copy
    monkeypatch.setattr(jwks_module, "MIN_REFETCH_S", 0.0)
    assert Principal("user", "ann") == auth.authenticate(token)


def test_first_fetch_failing_refuses_tokens(provider: str, db: Database, tmp_path: Path) -> None:
    private, _ = _keypair("k1")
    _Provider.down = True
    config = JwtConfig(issuer=provider, audience="vallum", jwks_url=provider + "/keys")
    auth = Authenticator(db, config, load_jwks(config, tmp_path))
    with pytest.raises(AuthenticationError, match="cannot fetch the JWKS"):
        auth.authenticate(_token(private, "k1", provider, sub="ann"))


def test_discovery_naming_another_issuer_is_refused(
    provider: str, db: Database, tmp_path: Path
) -> None:
    private, public = _keypair("k1")
    _Provider.keys = [public]
    _Provider.issuer = "http://127.0.0.1:1"  # the document claims to be someone else
    config = JwtConfig(issuer=provider, audience="vallum", oidc_discovery=True)
    auth = Authenticator(db, config, load_jwks(config, tmp_path))
    with pytest.raises(AuthenticationError, match="another issuer"):
        auth.authenticate(_token(private, "k1", provider, sub="ann"))


def test_plain_http_only_to_loopback(tmp_path: Path) -> None:
    config = JwtConfig(issuer="x", audience="vallum", jwks_url="http://idp.example/keys")
    with pytest.raises(ConfigError, match="https"):
        load_jwks(config, tmp_path)


@pytest.mark.parametrize(
    "sources",
    [
        {},
        {"jwks_file": "j.json", "jwks_url": "https://idp/keys"},
        {"jwks_url": "https://a", "oidc_discovery": True},
    ],
)
def test_exactly_one_key_source(sources: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        JwtConfig(issuer="https://idp/", audience="vallum", **sources)
