"""Announcing new approval requests to a webhook (Slack-compatible JSON), off the request path.

`notify` only puts the approval on a queue; a daemon thread posts it, retrying network errors,
HTTP 429 and 5xx with exponential backoff (`backoff_s`, doubled each attempt, capped at
`max_backoff_s`) up to `max_attempts`: the policy is a `tenacity.Retrying`, whose `sleep` hook
tests replace. Other 4xx answers are not retried: the receiver rejected the message and would
again. A held call never waits for the webhook, and a webhook that fails loses nothing: the
approval is stored before it is announced.

The text is escaped for Slack (`&`, `<`, `>`), so arguments an attacker shaped cannot ping a
channel or forge a link. Besides Slack's `text` and `blocks`, the body carries the approval as
JSON under `vallum` for other receivers.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from vallum.approvals.model import Approval
from vallum.bundle.approvals import WebhookConfig
from vallum.exceptions import ConfigError
from vallum.settings import secret_from_env

log = logging.getLogger("vallum.approvals.webhook")
HISTORY = 100


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one notification: delivered or not, after how many attempts."""

    approval_id: str
    delivered: bool
    attempts: int
    last_status: int | None
    error: str | None = None


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(approval: Approval, dashboard_url: str | None = None) -> dict[str, Any]:
    """The JSON posted for a new request: Slack `text` and `blocks`, plus `vallum` data."""
    roles = " or ".join(approval.roles)
    args = ", ".join(f"{k}={v!r}" for k, v in sorted(approval.arguments.items()))
    summary = (
        f"Approval needed: {approval.principal} wants to call {approval.tool}({args}) "
        f"in session {approval.session}. Role: {roles}. Approval id: {approval.id}"
    )
    text = slack_escape(summary)
    if dashboard_url:
        text += f"\n<{dashboard_url.rstrip('/')}/approvals/{approval.id}|Review it>"
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        "vallum": {"event": "approval.requested", "approval": approval.to_dict()},
    }


class WebhookNotifier:
    """Posts approval requests to one URL from a background thread."""

    def __init__(
        self,
        url: str,
        config: WebhookConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.url = url
        self.config = config
        self.deliveries: deque[Delivery] = deque(maxlen=HISTORY)
        self._sleep = sleep
        self._client = httpx.Client(timeout=config.timeout_s, transport=transport)
        self._queue: queue.Queue[Approval | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="vallum-webhook", daemon=True)
        self._thread.start()

    @classmethod
    def from_config(cls, config: WebhookConfig | None) -> WebhookNotifier | None:
        """A notifier for the bundle's webhook, or None when there is none."""
        if config is None:
            return None
        url = config.url or secret_from_env(config.url_env or "")
        if not url:
            raise ConfigError(f"approvals.webhook.url_env names {config.url_env}, which is not set")
        return cls(url, config)

    def notify(self, approval: Approval) -> None:
        """Queue `approval` for delivery and return at once."""
        self._queue.put(approval)

    def close(self, timeout_s: float = 5.0) -> None:
        """Deliver what is queued (waiting at most `timeout_s`), then stop."""
        self._queue.put(None)
        self._thread.join(timeout_s)
        self._client.close()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self.deliveries.append(self._deliver(item))

    def _deliver(self, approval: Approval) -> Delivery:
        # Imported on first delivery: tenacity pulls in asyncio, and most runs never post.
        import tenacity

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.config.max_attempts),
            wait=tenacity.wait_exponential(
                multiplier=self.config.backoff_s, max=self.config.max_backoff_s
            ),
            retry=(
                tenacity.retry_if_exception_type(httpx.HTTPError)
                | tenacity.retry_if_result(_worth_retrying)
            ),
            sleep=self._sleep,
            reraise=True,
        )
        body = payload(approval, self.config.dashboard_url)
        status: int | None = None
        error: str | None = None
        try:
            response = retrying(self._client.post, self.url, json=body)
            status = response.status_code
        except tenacity.RetryError as exc:  # every attempt was answered 429 or 5xx
            status = exc.last_attempt.result().status_code
        except httpx.HTTPError as exc:  # the last attempt failed on the network
            error = type(exc).__name__
        attempts = int(retrying.statistics["attempt_number"])
        if status is not None and 200 <= status < 300:
            return Delivery(approval.id, True, attempts, status)
        # Another answer (a 4xx but 429) is not retried: the receiver rejected this message.
        log.warning(
            "approval webhook gave up on %s after %d attempt(s): status=%s error=%s",
            approval.id, attempts, status, error,
        )  # fmt: skip
        return Delivery(approval.id, False, attempts, status, error)


def _worth_retrying(response: httpx.Response) -> bool:
    """429 and 5xx: the receiver may take the message later."""
    return response.status_code == 429 or response.status_code >= 500
