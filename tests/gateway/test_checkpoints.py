"""The gateway publishes signed checkpoints on a schedule and at shutdown (`gateway.checkpoints`),
to a directory and a real webhook; without a signing key it refuses to start."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from vallum.evidence.checkpoint import open_checkpoint
from vallum.evidence.keys import SigningKey
from vallum.exceptions import ConfigError
from vallum.gateway import GatewayOptions, build_gateway, create_app
from vallum.gateway.auth import create_api_key
from vallum.model import Principal

from .helpers import AGENT, chat, tune_bundle

KEY = SigningKey.generate("vallum.test/gateway")


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on localhost that keeps what is posted to it."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["content-length"])
            received.append(self.rfile.read(length).decode())
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/checkpoints", received
    server.shutdown()
    server.server_close()


@pytest.mark.asyncio
async def test_checkpoints_on_schedule_and_at_shutdown(
    tmp_path: Path, bundle_copy: Path, webhook: tuple[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    url, received = webhook
    monkeypatch.setenv("VALLUM_SIGNING_KEY", KEY.encode())
    out = tmp_path / "cps"
    bundle = tune_bundle(bundle_copy, checkpoints={"every_s": 0.2, "dir": str(out), "webhook": url})
    gw = build_gateway(
        GatewayOptions(bundle=bundle, database_url=f"sqlite:///{tmp_path / 'g.db'}", mock=True)
    )
    app = create_app(gw)
    key = create_api_key(gw.db, Principal.parse(AGENT))
    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
        headers = {"authorization": f"Bearer {key}"}
        r = await client.post(
            "/v1/chat/completions", json=chat("Where is my parcel?"), headers=headers
        )
        assert 200 == r.status_code
        for _ in range(50):  # the schedule, not the shutdown, publishes this one
            if (out / "latest.checkpoint").exists():
                break
            await asyncio.sleep(0.1)
        first = open_checkpoint((out / "latest.checkpoint").read_text(), KEY.verifier)
        assert first.size >= 1
        await client.post("/v1/chat/completions", json=chat("And my refund?"), headers=headers)
        await client.aclose()
    last = open_checkpoint((out / "latest.checkpoint").read_text(), KEY.verifier)
    assert last.size > first.size  # the shutdown one covers the last request
    assert (last.size, last.root) == gw.evidence.tree_head()
    assert gw.evidence.verify(checkpoints=[first, last]).records == last.size
    assert [last.text] == received[-1:]
    sizes = [open_checkpoint(t, KEY.verifier).size for t in received]
    assert sizes == sorted(set(sizes))  # in order, each once: latest never goes back
    files = sorted(out.glob("0*.checkpoint"))
    assert [f"{s:012d}.checkpoint" for s in sizes] == [f.name for f in files]
    await gw.aclose()


def test_checkpoints_without_a_key_refuse_to_start(
    tmp_path: Path, bundle_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VALLUM_SIGNING_KEY", raising=False)
    monkeypatch.delenv("VALLUM_SIGNING_KEY_FILE", raising=False)
    bundle = tune_bundle(bundle_copy, checkpoints={"stdout": True})
    with pytest.raises(ConfigError, match="no signing key"):
        build_gateway(
            GatewayOptions(bundle=bundle, database_url=f"sqlite:///{tmp_path / 'g.db'}", mock=True)
        )


def test_checkpoints_need_a_destination(bundle_copy: Path) -> None:
    from vallum.bundle.loader import load_bundle
    from vallum.exceptions import BundleError

    with pytest.raises(BundleError, match="destination"):
        load_bundle(tune_bundle(bundle_copy, checkpoints={"every_s": 5}))


@pytest.mark.asyncio
async def test_checkpoints_when_serving_the_active_version(
    tmp_path: Path, bundle_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`vallum serve --active`: the active version's `gateway.checkpoints` is followed too."""
    from vallum.lifecycle.store import PolicyStore
    from vallum.storage.database import Database

    monkeypatch.setenv("VALLUM_SIGNING_KEY", KEY.encode())
    out = tmp_path / "cps"
    url = f"sqlite:///{tmp_path / 'live.db'}"
    db = Database(url)
    PolicyStore(db).activate(
        tune_bundle(bundle_copy, checkpoints={"every_s": 60, "dir": str(out)}), by="ann"
    )
    options = GatewayOptions(
        None, url, mock=True, active=True, poll_interval_s=0.1, cache_dir=tmp_path / "cache"
    )
    app = create_app(options)
    key = create_api_key(db, Principal.parse(AGENT))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        r = await client.post(
            "/v1/chat/completions", json=chat("Where is my parcel?"),
            headers={"authorization": f"Bearer {key}"},
        )  # fmt: skip
        assert 200 == r.status_code
    last = open_checkpoint((out / "latest.checkpoint").read_text(), KEY.verifier)
    from vallum.evidence.log import EvidenceLog

    assert last.size >= 1 and (last.size, last.root) == EvidenceLog(db).tree_head()
    db.dispose()
