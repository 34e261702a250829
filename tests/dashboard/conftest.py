"""Dashboard fixtures: the gateway (mock model) served by uvicorn on a free port, two users,
and headless Chromium from Debian driven by Playwright (no browser downloads)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml

from vallum.dashboard.passwords import hash_password
from vallum.gateway import Gateway, GatewayOptions, build_gateway, create_app
from vallum.gateway.auth import create_api_key
from vallum.model import Principal

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
PASSWORDS = {"fiona": "fiona-finance-pass", "sam": "sam-support-lead-pass"}


def dashboard_bundle(bundle_dir: Path) -> Path:
    """The example bundle with two dashboard users: fiona (finance) and sam (support-lead)."""
    config_file = bundle_dir / "vallum.yaml"
    config = yaml.safe_load(config_file.read_text())
    config["dashboard"] = {
        "users": {
            name: {"principal": f"user:{name}", "password_hash": hash_password(password)}
            for name, password in PASSWORDS.items()
        },
        "login_attempts": 3,
    }
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    return bundle_dir


@dataclass
class Live:
    """A gateway with its dashboard, listening on `url`, and an API key for the agent."""

    url: str
    gw: Gateway
    agent_key: str

    def chat(self, content: str, **headers: str) -> httpx.Response:
        body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
        auth = {"authorization": f"Bearer {self.agent_key}", **headers}
        return httpx.post(f"{self.url}/v1/chat/completions", json=body, headers=auth, timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(bundle_copy: Path, tmp_path: Path) -> Iterator[Live]:
    gw = build_gateway(
        GatewayOptions(
            bundle=dashboard_bundle(bundle_copy),
            database_url=f"sqlite:///{tmp_path / 'dash.db'}",
            mock=True,
        )
    )
    key = create_api_key(gw.db, Principal.parse("agent:support-bot"))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(gw), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.02)
    yield Live(f"http://127.0.0.1:{port}", gw, key)
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium; skipped with a reason outside CI, required in CI.

    Module-scoped: Playwright's sync API runs an event loop on this thread while it lives, and
    later tests that call `asyncio.run` must not find one.
    """
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        reason = (
            "Chromium is not installed: `apt-get install -y chromium` (CI installs it in .ci/run)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def log_in(page: Any, live: Live, name: str) -> None:
    page.goto(f"{live.url}/ui/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live.url}/ui/decisions")
