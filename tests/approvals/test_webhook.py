"""The approvals webhook against a real local HTTP server: payload, retries, backoff."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from vallum.approvals import ApprovalService, ApprovalStore
from vallum.approvals.webhook import WebhookNotifier
from vallum.bundle.approvals import WebhookConfig
from vallum.bundle.loader import Bundle
from vallum.storage.database import Database

from .conftest import refund


class Receiver(ThreadingHTTPServer):
    """Answers the first `failures` posts with 503, then 200; keeps every body."""

    def __init__(self, failures: int, status: int = 503):
        self.failures = failures
        self.status = status
        self.bodies: list[dict[str, Any]] = []
        self.done = threading.Event()
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.server.bodies.append(body)
        failing = len(self.server.bodies) <= self.server.failures
        self.send_response(self.server.status if failing else 200)
        self.send_header("content-length", "0")
        self.end_headers()
        if not failing:
            self.server.done.set()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    server = Receiver(*getattr(request, "param", (2,)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _notifier(receiver: Receiver, delays: list[float], attempts: int = 5) -> WebhookNotifier:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    config = WebhookConfig(url=url, max_attempts=attempts, backoff_s=0.01, max_backoff_s=0.03)

    def sleep(seconds: float) -> None:
        delays.append(seconds)

    return WebhookNotifier(url, config, sleep=sleep)


def test_retries_with_exponential_backoff_until_delivered(
    receiver: Receiver, approvals_bundle: Bundle, sqlite_db: Database
) -> None:
    """Two 503s, then 200: three attempts, waiting 0.01 then 0.02 seconds, one delivery."""
    delays: list[float] = []
    notifier = _notifier(receiver, delays)
    store = ApprovalStore(sqlite_db)
    service = ApprovalService(approvals_bundle, store, notifier=notifier)
    approval = service.hold(refund())
    notifier.close()
    (delivery,) = notifier.deliveries
    assert (True, 3, [0.01, 0.02]) == (delivery.delivered, delivery.attempts, delays)
    assert approval.id == receiver.bodies[-1]["vallum"]["approval"]["id"]
    assert "Approval needed: agent:support-bot wants to call refund" in receiver.bodies[-1]["text"]


@pytest.mark.parametrize("receiver", [(10,)], indirect=True)
def test_gives_up_after_max_attempts_with_capped_backoff(
    receiver: Receiver, approvals_bundle: Bundle, sqlite_db: Database
) -> None:
    """A receiver that keeps failing gets max_attempts posts; waits double up to the cap."""
    delays: list[float] = []
    notifier = _notifier(receiver, delays, attempts=4)
    approval = ApprovalService.open(approvals_bundle, sqlite_db, notify=False).hold(refund())
    notifier.notify(approval)
    notifier.close()
    (delivery,) = notifier.deliveries
    assert (False, 4, 503, [0.01, 0.02, 0.03]) == (
        delivery.delivered,
        delivery.attempts,
        delivery.last_status,
        delays,
    )


@pytest.mark.parametrize("receiver", [(10, 400)], indirect=True)
def test_client_errors_are_not_retried(
    receiver: Receiver, approvals_bundle: Bundle, sqlite_db: Database
) -> None:
    """A 400 means the receiver rejects the message: one attempt, no retry."""
    delays: list[float] = []
    notifier = _notifier(receiver, delays)
    notifier.notify(ApprovalService.open(approvals_bundle, sqlite_db, notify=False).hold(refund()))
    notifier.close()
    assert (1, []) == (notifier.deliveries[0].attempts, delays)


def test_text_is_escaped_for_slack(
    receiver: Receiver, approvals_bundle: Bundle, sqlite_db: Database
) -> None:
    """Arguments shaped like Slack mentions or links arrive escaped, not as markup."""
    notifier = _notifier(receiver, [])
    sneaky = dataclasses.replace(
        refund(), arguments={"order_id": "<!channel> <https://evil.example|click>"}
    )
    notifier.notify(ApprovalService.open(approvals_bundle, sqlite_db, notify=False).hold(sneaky))
    notifier.close()
    text = receiver.bodies[-1]["text"]
    assert ("<!channel>" not in text, "&lt;!channel&gt;" in text) == (True, True)


@pytest.mark.parametrize("receiver", [(1, 429)], indirect=True)
def test_too_many_requests_is_retried(
    receiver: Receiver, approvals_bundle: Bundle, sqlite_db: Database
) -> None:
    """A 429 means "later": the second attempt, after one backoff, delivers."""
    delays: list[float] = []
    notifier = _notifier(receiver, delays)
    notifier.notify(ApprovalService.open(approvals_bundle, sqlite_db, notify=False).hold(refund()))
    notifier.close()
    delivery = notifier.deliveries[0]
    assert (True, 2, 200, [0.01]) == (
        delivery.delivered,
        delivery.attempts,
        delivery.last_status,
        delays,
    )


def test_an_unreachable_webhook_is_retried_and_loses_no_approval(
    approvals_bundle: Bundle, sqlite_db: Database
) -> None:
    """Connection errors are retried up to max_attempts; the approval was stored and returned
    at once, whatever the webhook does."""
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook"
    delays: list[float] = []
    config = WebhookConfig(url=url, max_attempts=3, backoff_s=0.01, max_backoff_s=0.03)
    notifier = WebhookNotifier(url, config, sleep=delays.append)
    service = ApprovalService(approvals_bundle, ApprovalStore(sqlite_db), notifier=notifier)
    approval = service.hold(refund())
    notifier.close()
    delivery = notifier.deliveries[0]
    assert (False, 3, None, "ConnectError", [0.01, 0.02]) == (
        delivery.delivered,
        delivery.attempts,
        delivery.last_status,
        delivery.error,
        delays,
    )
    stored = service.get(approval.id)
    assert stored is not None and approval.id == stored.id
