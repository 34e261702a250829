"""`vallum serve --active`: a running gateway serves the policy store's active version.

In process (the app's own lifespan, SQLite polling), and with two real `vallum serve` processes on
PostgreSQL, where the poll interval is set far beyond the test's patience so that only the
activation's NOTIFY can make the replicas switch in time.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vallum.gateway import GatewayOptions, create_app
from vallum.gateway.auth import create_api_key
from vallum.lifecycle.store import PolicyStore
from vallum.model import Principal
from vallum.storage.database import Database

from .helpers import AGENT, chat

FORBID_MODEL = '\n@id("freeze")\nforbid (principal, action == Action::"llm.request", resource);\n'
START_TIMEOUT_S = 60.0
SWITCH_PATIENCE_S = 20.0


def _frozen(bundle: Path) -> Path:
    """The bundle with one more policy: no model call is permitted."""
    with (bundle / "policies.cedar").open("a") as f:
        f.write(FORBID_MODEL)
    return bundle


async def _eventually(probe: Any, want: Any, patience: float = SWITCH_PATIENCE_S) -> Any:
    deadline = time.monotonic() + patience
    while True:
        got = await probe()
        if got == want or time.monotonic() > deadline:
            return got
        await asyncio.sleep(0.05)


@pytest.mark.asyncio
async def test_activation_and_rollback_reach_a_running_gateway(
    tmp_path: Path, bundle_copy: Path, example_dir: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    db = Database(url)
    store = PolicyStore(db)
    first = store.activate(example_dir, by="ann")
    options = GatewayOptions(
        None, url, mock=True, active=True, poll_interval_s=0.1, cache_dir=tmp_path / "cache"
    )
    app = create_app(options)
    key = create_api_key(db, Principal.parse(AGENT))
    headers = {"authorization": f"Bearer {key}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):

        async def status() -> tuple[int, str | None]:
            """The answer's status, and the error code when refused."""
            r = await client.post("/v1/chat/completions", json=chat("hello"), headers=headers)
            return r.status_code, r.json().get("error", {}).get("code")

        async def serving() -> str:
            r = await client.get("/readyz", headers=headers)
            return str(r.json()["bundle"]["version"])

        assert ((200, None), first.version) == (await status(), await serving())
        second = store.activate(_frozen(bundle_copy), by="ann", note="freeze")
        assert second.version == await _eventually(serving, second.version)
        assert (400, "content_filter") == await status()  # refused by the new policy
        store.rollback(by="ann")
        assert first.version == await _eventually(serving, first.version)
        assert (200, None) == await status()
        anonymous = await client.get("/readyz")
        assert {"status": "ready"} == anonymous.json()

    requests = [
        r.record["bundle"]["version"] for r in _records(db) if r.record["kind"] == "gateway_request"
    ]
    db.dispose()
    # Each request's evidence names the version that decided it.
    assert [first.version, second.version, first.version] == requests


@pytest.mark.asyncio
async def test_a_version_that_cannot_be_built_leaves_the_serving_one(
    tmp_path: Path, bundle_copy: Path, example_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored version whose upstream key is missing here fails to build: the replica keeps
    serving, and /readyz tells an authenticated caller why."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    db = Database(url)
    store = PolicyStore(db)
    first = store.activate(example_dir, by="ann")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    yaml = bundle_copy / "vallum.yaml"
    text = yaml.read_text()
    assert "api_key_env: OPENAI_API_KEY" in text
    yaml.write_text(text.replace("api_key_env: OPENAI_API_KEY", "api_key_env: VALLUM_UNSET_KEY"))
    options = GatewayOptions(
        None, url, active=True, poll_interval_s=0.1, cache_dir=tmp_path / "cache"
    )
    app = create_app(options)
    key = create_api_key(db, Principal.parse(AGENT))
    headers = {"authorization": f"Bearer {key}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):

        async def error() -> str | None:
            r = await client.get("/readyz", headers=headers)
            return r.json()["policy"]["last_error"]  # type: ignore[no-any-return]

        store.activate(bundle_copy, by="ann")
        deadline = time.monotonic() + SWITCH_PATIENCE_S
        while (message := await error()) is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        r = await client.get("/readyz", headers=headers)
    db.dispose()
    assert message is not None and "VALLUM_UNSET_KEY" in message
    assert first.version == r.json()["bundle"]["version"]


def _records(db: Database) -> list[Any]:
    from vallum.evidence.log import EvidenceLog

    return list(EvidenceLog(db).iter_records())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def replicas(postgres_db: Database, tmp_path: Path, example_dir: Path) -> Iterator[list[str]]:
    """Two `vallum serve --active` processes on one PostgreSQL database, polling every 10 min."""
    url = postgres_db.url.render_as_string(hide_password=False)
    PolicyStore(postgres_db).activate(example_dir, by="ann")
    procs, bases = [], []
    for _ in range(2):
        port = _free_port()
        command = [
            str(Path(sys.executable).parent / "vallum"), "serve", "--active", "--mock",
            "--db", url, "--port", str(port), "--poll-interval", "600", "--log-level", "warning",
        ]  # fmt: skip
        env = {**os.environ, "VALLUM_DATABASE_URL": url}
        procs.append(subprocess.Popen(command, cwd=tmp_path, env=env))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        for proc, base in zip(procs, bases, strict=True):
            while True:
                assert proc.poll() is None, f"vallum serve exited with {proc.returncode}"
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "vallum serve did not become ready"
                time.sleep(0.2)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.postgres
def test_two_replicas_switch_on_the_activation_notice(
    replicas: list[str], postgres_db: Database, bundle_copy: Path
) -> None:
    key = create_api_key(postgres_db, Principal.parse(AGENT))
    headers = {"authorization": f"Bearer {key}"}
    store = PolicyStore(postgres_db)
    target = store.activate(_frozen(bundle_copy), by="ann").version
    started = time.monotonic()
    waited: list[float] = []
    for base in replicas:
        version = None
        while time.monotonic() - started < SWITCH_PATIENCE_S:
            version = httpx.get(f"{base}/readyz", headers=headers, timeout=5).json()["bundle"][
                "version"
            ]
            if version == target:
                break
            time.sleep(0.05)
        waited.append(time.monotonic() - started)
        assert target == version, f"{base} still serves {version}"
        answer = httpx.post(
            f"{base}/v1/chat/completions", json=chat("hello"), headers=headers, timeout=10
        )
        assert (400, "content_filter") == (answer.status_code, answer.json()["error"]["code"])
    print(f"replicas switched after {', '.join(f'{w:.2f} s' for w in waited)}")


@pytest.mark.asyncio
async def test_a_shadow_candidate_is_recorded_never_enforced(
    tmp_path: Path, bundle_copy: Path, example_dir: Path
) -> None:
    """`vallum policy shadow` on a running gateway: the candidate decides beside the active
    version on live traffic, its differences are recorded, the answers do not change."""
    from typer.testing import CliRunner

    from vallum.cli.main import app as cli
    from vallum.evidence.log import EvidenceLog
    from vallum.lifecycle.shadow import shadow_summary

    url = f"sqlite:///{tmp_path / 'live.db'}"
    db = Database(url)
    store = PolicyStore(db)
    first = store.activate(example_dir, by="ann")
    options = GatewayOptions(
        None, url, mock=True, active=True, poll_interval_s=0.1, cache_dir=tmp_path / "cache"
    )
    app = create_app(options)
    key = create_api_key(db, Principal.parse(AGENT))
    headers = {"authorization": f"Bearer {key}"}
    runner = CliRunner()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):

        async def shadowing() -> str | None:
            r = await client.get("/readyz", headers=headers)
            return r.json()["policy"]["shadow"]  # type: ignore[no-any-return]

        done = runner.invoke(cli, ["policy", "shadow", str(_frozen(bundle_copy)), "--db", url])
        assert 0 == done.exit_code, done.output
        candidate = store.shadowing()
        assert candidate is not None and candidate.version != first.version
        assert candidate.version == await _eventually(shadowing, candidate.version)
        answered = await client.post("/v1/chat/completions", json=chat("hello"), headers=headers)
        assert 200 == answered.status_code  # the candidate would block: it is not enforced
        r = await client.get("/readyz", headers=headers)
        assert first.version == r.json()["bundle"]["version"]
        assert 0 == runner.invoke(cli, ["policy", "unshadow", "--db", url]).exit_code
        assert None is await _eventually(shadowing, None)
        await client.post("/v1/chat/completions", json=chat("hello again"), headers=headers)

    records = [r.record for r in EvidenceLog(db).iter_records()]
    summary = shadow_summary(EvidenceLog(db).iter_records())
    report = runner.invoke(cli, ["policy", "shadow-report", "--db", url, "--json"])
    db.dispose()
    requests = [r["id"] for r in records if r["kind"] == "gateway_request"]
    shadowed = {r["request_id"] for r in records if r["kind"] == "shadow_decision"}
    assert [requests[0]] == sorted(shadowed)  # after unshadow, nothing is shadowed
    counts = summary["candidates"][candidate.version]
    assert counts["compared"] >= 1 and counts["differed"] >= 1
    assert all(d["active_action"] == "allow" for d in summary["differences"])
    assert {"block"} == {d["action"] for d in summary["differences"]}
    assert {"freeze"} == {p for d in summary["differences"] for p in d["policies"]}
    assert candidate.version in report.output


@pytest.mark.asyncio
async def test_shadow_bundle_setting(serve: Any, bundle_copy: Path, tmp_path: Path) -> None:
    """`gateway.shadow_bundle` in the bundle runs a candidate directory beside it."""
    import shutil

    from .helpers import tune_bundle

    candidate = tmp_path / "candidate"
    shutil.copytree(bundle_copy, candidate)
    _frozen(candidate)
    s = await serve(bundle=tune_bundle(bundle_copy, shadow_bundle="../candidate"))
    r = await s.client.post("/v1/chat/completions", json=chat("hello"), headers=s.headers())
    assert 200 == r.status_code
    shadows = [rec for rec in s.records() if rec["kind"] == "shadow_decision"]
    by_stage = {rec["stage"]: (rec["active_action"], rec["action"]) for rec in shadows}
    assert ("allow", "block") == by_stage["input"]
    request = next(rec for rec in s.records() if rec["kind"] == "gateway_request")
    assert {rec["request_id"] for rec in shadows} == {request["id"]}
