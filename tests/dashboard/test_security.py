"""The dashboard's own security, in process: closed by default, CSRF, cookies, login limits, roles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from vallum.approvals import HeldAction
from vallum.bundle.loader import load_bundle
from vallum.gateway import GatewayOptions, build_gateway, create_app
from vallum.settings import Settings

from .conftest import PASSWORDS, dashboard_bundle

HELD = HeldAction(
    principal="agent:support-bot",
    session="s",
    tool="refund",
    arguments={"order_id": "ORD-12345678", "amount": 250},
    decision_id="d1",
    policies=("large-refund",),
)


def _client(bundle: Path, tmp_path: Path, base_url: str = "http://testserver") -> TestClient:
    gw = build_gateway(
        GatewayOptions(
            bundle=load_bundle(bundle), database_url=f"sqlite:///{tmp_path / 'd.db'}", mock=True
        ),
        settings=Settings(),
    )
    return TestClient(create_app(gw), base_url=base_url)


@pytest.fixture
def client(bundle_copy: Path, tmp_path: Path) -> Iterator[TestClient]:
    with _client(dashboard_bundle(bundle_copy), tmp_path) as c:
        yield c


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _login(client: TestClient, name: str, password: str | None = None) -> str:
    form = client.get("/ui/login")
    response = client.post(
        "/ui/login",
        data={
            "csrf_token": _csrf(form.text),
            "username": name,
            "password": password or PASSWORDS[name],
        },
        follow_redirects=False,
    )
    return str(response.status_code)


def test_closed_without_users_or_token(bundle_copy: Path, tmp_path: Path) -> None:
    """With no users and no admin token the dashboard answers 503 and never lets anyone in."""
    with _client(bundle_copy, tmp_path) as c:
        assert [503, 503] == [c.get("/ui/decisions").status_code, c.get("/ui/login").status_code]


def test_pages_need_a_login(client: TestClient) -> None:
    """Without a session every page redirects to the login form."""
    response = client.get("/ui/approvals", follow_redirects=False)
    assert (303, "/ui/login") == (response.status_code, response.headers["location"])


def test_session_cookie_flags_and_headers(client: TestClient) -> None:
    """The session cookie is HttpOnly and SameSite=Strict; pages carry a strict CSP."""
    form = client.get("/ui/login")
    response = client.post(
        "/ui/login",
        data={"csrf_token": _csrf(form.text), "username": "fiona", "password": PASSWORDS["fiona"]},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert ("httponly" in cookie, "samesite=strict" in cookie) == (True, True)
    assert "script-src 'self'" in client.get("/ui/decisions").headers["content-security-policy"]


def test_secure_cookie_behind_tls(bundle_copy: Path, tmp_path: Path) -> None:
    """Over https the cookie is Secure and uses the __Host- prefix."""
    with _client(dashboard_bundle(bundle_copy), tmp_path, "https://testserver") as c:
        form = c.get("/ui/login")
        response = c.post(
            "/ui/login",
            data={
                "csrf_token": _csrf(form.text),
                "username": "fiona",
                "password": PASSWORDS["fiona"],
            },
            follow_redirects=False,
        )
    cookie = response.headers["set-cookie"]
    assert (True, True) == (cookie.startswith("__Host-vallum_session="), "Secure" in cookie)


def test_logins_are_rate_limited(client: TestClient) -> None:
    """After three wrong passwords even the right one is refused for a while (429)."""
    statuses = [_login(client, "fiona", "wrong") for _ in range(3)] + [_login(client, "fiona")]
    assert ["401", "401", "401", "429"] == statuses


def test_post_without_csrf_token_is_refused(client: TestClient) -> None:
    """A logged-in POST without the CSRF token, or from another origin, is refused (403)."""
    approval = client.app.state.gateway.approvals.hold(HELD)  # type: ignore[attr-defined]
    _login(client, "fiona")
    page = client.get("/ui/approvals")
    url = f"/ui/approvals/{approval.id}/approve"
    missing = client.post(url, data={"reason": "x"})
    foreign = client.post(
        url, data={"csrf_token": _csrf(page.text)}, headers={"origin": "https://evil.example"}
    )
    status = client.app.state.gateway.approvals.get(approval.id).status.value  # type: ignore[attr-defined]
    assert (403, 403, "pending") == (missing.status_code, foreign.status_code, status)


def test_approve_requires_the_role(client: TestClient) -> None:
    """sam (support-lead) posting a valid approve is refused; fiona (finance) approves."""
    gateway = client.app.state.gateway  # type: ignore[attr-defined]
    approval = gateway.approvals.hold(HELD)
    _login(client, "sam")
    token = _csrf(client.get("/ui/approvals").text)
    refused = client.post(
        f"/ui/approvals/{approval.id}/approve",
        data={"csrf_token": token},
        headers={"hx-request": "true"},
    )
    after_sam = gateway.approvals.get(approval.id).status.value
    _login(client, "fiona")
    token = _csrf(client.get("/ui/approvals").text)
    client.post(f"/ui/approvals/{approval.id}/approve", data={"csrf_token": token})
    assert ("403", "pending", "approved") == (
        refused.headers["x-vallum-status"],
        after_sam,
        gateway.approvals.get(approval.id).status.value,
    )
