"""Login limits per (name, address) with backoff; forwarded addresses only from trusted proxies;
the login page does not name the bundle."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from vallum.bundle.loader import load_bundle
from vallum.dashboard.auth import LoginLimiter
from vallum.gateway import GatewayOptions, build_gateway, create_app
from vallum.settings import Settings

from .conftest import PASSWORDS, dashboard_bundle

PROXY = "10.0.0.5"


def _trust(bundle: Path, proxies: list[str]) -> Path:
    config_file = bundle / "vallum.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["dashboard"]["trusted_proxies"] = proxies
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return bundle


@contextmanager
def _gateway(bundle: Path, tmp_path: Path) -> Iterator[object]:
    gw = build_gateway(
        GatewayOptions(
            bundle=load_bundle(bundle), database_url=f"sqlite:///{tmp_path / 'd.db'}", mock=True
        ),
        settings=Settings(),
    )
    yield create_app(gw)


def _login(app: object, name: str, password: str, peer: str, forwarded: str | None = None) -> int:
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    with TestClient(app, client=(peer, 40000), headers=headers) as client:  # type: ignore[arg-type]
        form = client.get("/ui/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        response = client.post(
            "/ui/login",
            data={"csrf_token": token.group(1), "username": name, "password": password},
            follow_redirects=False,
        )
    return response.status_code


@pytest.fixture
def app(bundle_copy: Path, tmp_path: Path) -> Iterator[object]:
    with _gateway(dashboard_bundle(bundle_copy), tmp_path) as served:
        yield served


def test_failures_for_one_name_do_not_lock_out_others_from_the_address(app: object) -> None:
    """Three wrong passwords for fiona lock fiona out from that address, not sam."""
    for _ in range(3):
        assert 401 == _login(app, "fiona", "wrong", "192.0.2.1")
    assert 429 == _login(app, "fiona", PASSWORDS["fiona"], "192.0.2.1")
    assert 303 == _login(app, "sam", PASSWORDS["sam"], "192.0.2.1")


def test_an_attacker_cannot_lock_out_a_named_approver(app: object) -> None:
    """Failures for fiona from an attacker's address leave fiona free to log in from hers."""
    for _ in range(5):
        _login(app, "fiona", "wrong", "198.51.100.66")
    assert 303 == _login(app, "fiona", PASSWORDS["fiona"], "192.0.2.1")


def test_forged_forwarded_for_from_an_untrusted_peer_is_ignored(app: object) -> None:
    """Without trusted proxies, X-Forwarded-For is ignored: rotating it does not reset the
    count, and forging a victim's address does not lock the victim out."""
    for n in range(3):
        _login(app, "fiona", "wrong", "198.51.100.66", forwarded=f"203.0.113.{n}")
    assert 429 == _login(app, "fiona", "wrong", "198.51.100.66", forwarded="203.0.113.99")
    assert 303 == _login(app, "fiona", PASSWORDS["fiona"], "192.0.2.1", forwarded="198.51.100.66")


def test_trusted_proxy_forwarded_addresses_are_told_apart(
    bundle_copy: Path, tmp_path: Path
) -> None:
    """Behind a trusted proxy, each client is its forwarded address: an attacker behind the same
    proxy locks out only their own attempts, and cannot escape by prepending addresses."""
    bundle = _trust(dashboard_bundle(bundle_copy), [PROXY])
    with _gateway(bundle, tmp_path) as app:
        for n in range(3):
            # The proxy appends the real client; what the attacker wrote before it is not believed.
            _login(app, "fiona", "wrong", PROXY, forwarded=f"192.0.2.{n}, 198.51.100.66")
        assert 429 == _login(app, "fiona", "wrong", PROXY, forwarded="198.51.100.66")
        assert 303 == _login(app, "fiona", PASSWORDS["fiona"], PROXY, forwarded="192.0.2.1")


def test_a_peer_not_in_trusted_proxies_cannot_forward(bundle_copy: Path, tmp_path: Path) -> None:
    """With a proxy configured, a direct client elsewhere still cannot set its address."""
    bundle = _trust(dashboard_bundle(bundle_copy), ["10.0.0.0/24"])
    with _gateway(bundle, tmp_path) as app:
        for n in range(3):
            _login(app, "fiona", "wrong", "198.51.100.66", forwarded=f"192.0.2.{n}")
        assert 429 == _login(app, "fiona", "wrong", "198.51.100.66", forwarded="192.0.2.200")


def test_bad_trusted_proxy_is_a_located_bundle_error(bundle_copy: Path) -> None:
    """A trusted proxy that is not an address or network is a bundle error at its key."""
    from vallum.bundle.loader import validate_bundle

    bundle = _trust(dashboard_bundle(bundle_copy), ["proxy.internal"])
    issues = validate_bundle(bundle)
    assert ["dashboard.trusted_proxies"] == [i.key for i in issues]


def test_login_page_does_not_name_the_bundle(app: object, bundle_copy: Path) -> None:
    """The login page shows no bundle name or version to a caller who has not logged in."""
    bundle = load_bundle(bundle_copy)
    with TestClient(app) as client:  # type: ignore[arg-type]
        page = client.get("/ui/login").text
    assert (False, False) == (bundle.name in page, bundle.version[:12] in page)


def test_limiter_backs_off_and_a_success_clears_the_pair() -> None:
    """Past the first tier the lockout grows; a correct login clears the pair's count."""
    limiter = LoginLimiter(2, 60)
    for _ in range(2):
        limiter.failed("fiona", "192.0.2.1")
    first = limiter.retry_after("fiona", "192.0.2.1")
    assert 0 < first <= 60
    assert 0 == limiter.retry_after("sam", "192.0.2.1")
    for _ in range(2):
        limiter.failed("fiona", "192.0.2.1")
    assert limiter.retry_after("fiona", "192.0.2.1") > 60
    limiter.succeeded("fiona", "192.0.2.1")
    assert 0 == limiter.retry_after("fiona", "192.0.2.1")


def test_one_address_spraying_many_names_is_stopped() -> None:
    """An address failing for many names hits the per-address bound."""
    limiter = LoginLimiter(2, 60)
    for n in range(2 * LoginLimiter.ADDRESS_FACTOR):
        limiter.failed(f"user{n}", "198.51.100.66")
    assert limiter.retry_after("someone-new", "198.51.100.66") > 0
    assert 0 == limiter.retry_after("someone-new", "192.0.2.1")
