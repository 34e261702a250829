"""Identity: API keys stored hashed, JWTs verified against a local JWKS, `vallum keys create`."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from typer.testing import CliRunner

from vallum.bundle.gateway import JwtConfig
from vallum.cli.main import app as cli
from vallum.exceptions import AuthenticationError
from vallum.gateway import jwks as jwks_module
from vallum.gateway.auth import Authenticator, hash_key, load_jwks
from vallum.model import Principal
from vallum.storage.database import Database
from vallum.storage.tables import api_keys

from .helpers import chat, tune_bundle


def _keypair(kid: str) -> tuple[Any, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    return private, {**public, "kid": kid, "alg": "RS256", "use": "sig"}


def _token(private: Any, kid: str, **claims: Any) -> str:
    body = {
        "iss": "https://login.acme.example/",
        "aud": "vallum",
        "exp": int(time.time()) + 300,
        **claims,
    }
    return jwt.encode(body, private, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def jwt_bundle(bundle_copy: Path) -> tuple[Path, Any]:
    private, public = _keypair("k1")
    (bundle_copy / "jwks.json").write_text(json.dumps({"keys": [public]}))
    auth = {
        "jwt": {
            "issuer": "https://login.acme.example/",
            "audience": "vallum",
            "jwks_file": "jwks.json",
        }
    }
    return tune_bundle(bundle_copy, auth=auth), private


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("claims", "kid", "status"),
    [
        ({"sub": "ann"}, "k1", 200),
        ({"sub": "agent:support-bot"}, "k1", 200),
        ({"sub": "ann", "aud": "someone-else"}, "k1", 401),
        ({"sub": "ann", "iss": "https://evil.example/"}, "k1", 401),
        ({"sub": "ann", "exp": 1}, "k1", 401),
        ({"sub": "ann"}, "unknown-kid", 401),
        ({}, "k1", 401),
    ],
    ids=[
        "user-id",
        "kind-id",
        "wrong-audience",
        "wrong-issuer",
        "expired",
        "unknown-key",
        "no-principal",
    ],
)
async def test_jwt_bearer_tokens(
    serve: Any, jwt_bundle: tuple[Path, Any], claims: dict[str, Any], kid: str, status: int
) -> None:
    """A token signed by a JWKS key with the right issuer and audience is accepted; others are 401."""
    bundle, private = jwt_bundle
    s = await serve(bundle=bundle)
    headers = {"authorization": f"Bearer {_token(private, kid, **claims)}"}
    r = await s.client.post("/v1/chat/completions", json=chat("hello"), headers=headers)
    assert status == r.status_code


@pytest.mark.asyncio
async def test_jwt_principal_is_used_in_decisions(serve: Any, jwt_bundle: tuple[Path, Any]) -> None:
    """The token's `sub` becomes the principal of every decision (here `user:ann`)."""
    bundle, private = jwt_bundle
    s = await serve(bundle=bundle)
    headers = {"authorization": f"Bearer {_token(private, 'k1', sub='ann')}"}
    await s.client.post("/v1/chat/completions", json=chat("hello"), headers=headers)
    assert {"user:ann"} == {r["principal"] for r in s.records()}


def test_keys_create_prints_once_and_stores_only_a_hash(tmp_path: Path) -> None:
    """`vallum keys create` prints a key; the database holds its hash and principal, never the key."""
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    result = CliRunner().invoke(cli, ["keys", "create", "--principal", "app:web", "--db", url])
    key = result.stdout.strip().splitlines()[0]
    db = Database(url)
    with db.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(api_keys))]
    db.dispose()
    assert (0, 1, hash_key(key), "app:web") == (
        result.exit_code,
        len(rows),
        rows[0]["key_hash"],
        rows[0]["principal"],
    )
    assert key not in json.dumps(rows)


def test_keys_create_rejects_a_bad_principal(tmp_path: Path) -> None:
    """A principal that is not KIND:ID is refused with exit code 1."""
    result = CliRunner().invoke(
        cli, ["keys", "create", "--principal", "nobody", "--db", f"sqlite:///{tmp_path / 'k.db'}"]
    )
    assert 1 == result.exit_code


def test_keys_list_and_revoke(tmp_path: Path) -> None:
    """`keys list` names keys by prefix (never the key); `keys revoke PREFIX` makes the key
    unknown to every new lookup, and `list --all` still shows it, revoked."""
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    runner = CliRunner()
    keep = runner.invoke(cli, ["keys", "create", "--principal", "app:web", "--db", url])
    drop = runner.invoke(cli, ["keys", "create", "--principal", "app:batch", "--db", url])
    keep_key, drop_key = (r.stdout.strip().splitlines()[0] for r in (keep, drop))
    listed = runner.invoke(cli, ["keys", "list", "--db", url])
    assert 0 == listed.exit_code and drop_key[:10] in listed.stdout
    assert drop_key not in listed.stdout and keep_key not in listed.stdout

    revoked = runner.invoke(cli, ["keys", "revoke", drop_key[:10], "--db", url])
    assert 0 == revoked.exit_code, revoked.output
    db = Database(url)
    auth = Authenticator(db)
    assert Principal.parse("app:web") == auth.authenticate(keep_key)
    with pytest.raises(AuthenticationError):
        auth.authenticate(drop_key)
    active = runner.invoke(cli, ["keys", "list", "--db", url]).stdout
    everything = runner.invoke(cli, ["keys", "list", "--all", "--db", url]).stdout
    db.dispose()
    assert (drop_key[:10] not in active, "revoked" in everything) == (True, True)


def test_keys_revoke_unknown_is_refused(tmp_path: Path) -> None:
    """Revoking a key that does not exist says so with exit code 1 and changes nothing."""
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    runner = CliRunner()
    runner.invoke(cli, ["keys", "create", "--principal", "app:web", "--db", url])
    result = runner.invoke(cli, ["keys", "revoke", "rk_nothere", "--db", url])
    assert 1 == result.exit_code and "no API key" in result.output
    assert "active" in runner.invoke(cli, ["keys", "list", "--db", url]).stdout


def test_jwks_file_is_reloaded_when_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rotating the signing key takes a file write, not a restart; a broken rewrite keeps the
    last good keys (and a key removed from the file stops working)."""
    monkeypatch.setattr(jwks_module, "JWKS_CHECK_S", 0.0)
    old_private, old_public = _keypair("k1")
    new_private, new_public = _keypair("k2")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [old_public]}))
    config = JwtConfig(issuer="https://login.acme.example/", audience="vallum", jwks_file=str(path))
    db = Database(f"sqlite:///{tmp_path / 'k.db'}")
    auth = Authenticator(db, config, load_jwks(config, tmp_path))
    old_token, new_token = (
        _token(old_private, "k1", sub="ann"),
        _token(new_private, "k2", sub="ann"),
    )
    assert Principal("user", "ann") == auth.authenticate(old_token)
    with pytest.raises(AuthenticationError):
        auth.authenticate(new_token)

    path.write_text(json.dumps({"keys": [new_public]}))
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))  # a distinct mtime
    assert Principal("user", "ann") == auth.authenticate(new_token)
    with pytest.raises(AuthenticationError):
        auth.authenticate(old_token)

    path.write_text("{not a jwks")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2_000_000_000))
    assert Principal("user", "ann") == auth.authenticate(new_token)
    db.dispose()
