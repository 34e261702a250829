"""A real `vallum serve` process stopped with SIGTERM mid-stream: the stream completes, its
evidence is flushed, and the process exits cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from vallum.evidence.log import EvidenceLog
from vallum.gateway.auth import create_api_key
from vallum.model import Principal
from vallum.storage.database import Database

from .helpers import chat

CHUNKS = 6
CHUNK_DELAY_S = 0.4
START_TIMEOUT_S = 60.0


class _SlowStream(BaseHTTPRequestHandler):
    """An OpenAI-compatible upstream that streams CHUNKS words, CHUNK_DELAY_S apart."""

    started = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        type(self).started.set()
        for i in range(CHUNKS):
            delta = (
                {"role": "assistant", "content": f"word{i} "}
                if i == 0
                else {"content": f"word{i} "}
            )
            chunk = {
                "id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "gpt-4o-mini",
                "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
            }  # fmt: skip
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            time.sleep(CHUNK_DELAY_S)
        done = {
            "id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }  # fmt: skip
        self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def upstream() -> Iterator[str]:
    _SlowStream.started = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowStream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_sigterm_drains_the_stream_and_flushes_evidence(
    example_dir: Path, tmp_path: Path, upstream: str
) -> None:
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    db = Database(url)
    key = create_api_key(db, Principal.parse("agent:support-bot"))
    port = _free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "vallum"), "serve", str(example_dir), "--port", str(port),
         "--upstream", upstream, "--db", url, "--log-level", "warning"],
        env={**os.environ, "VALLUM_DATABASE_URL": url},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert proc.poll() is None, f"vallum serve exited with {proc.returncode}"
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "vallum serve did not become ready"
            time.sleep(0.2)

        body: list[str] = []

        def stream() -> None:
            headers = {"authorization": f"Bearer {key}"}
            with httpx.stream(
                "POST", f"{base}/v1/chat/completions", json=chat("Tell me a story", stream=True),
                headers=headers, timeout=30,
            ) as response:  # fmt: skip
                body.append(str(response.status_code))
                body.extend(response.iter_lines())

        client = threading.Thread(target=stream)
        client.start()
        assert _SlowStream.started.wait(20), "the request never reached the upstream"
        proc.send_signal(signal.SIGTERM)
        client.join(30)
        exit_code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    text = "".join(line.removeprefix("data: ") for line in body[1:] if line.startswith("data: {"))
    words = sum(f"word{i}" in text for i in range(CHUNKS))
    lines = [line for line in body if line]
    # uvicorn re-raises the signal once it has shut down gracefully: exit status -SIGTERM
    assert ("200", CHUNKS, "data: [DONE]") == (lines[0], words, lines[-1])
    assert exit_code in (0, -signal.SIGTERM)
    requests = [r for r in EvidenceLog(db).iter_records() if r.record["kind"] == "gateway_request"]
    db.dispose()
    assert 1 == len(requests)
