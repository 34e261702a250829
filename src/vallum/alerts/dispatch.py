"""Sending alerts: a bounded queue drained by one task, deduplicated by key, retried with
exponential backoff, in the format each destination expects.

Formats: `slack` posts `{"text": ...}` (Slack incoming webhooks and the many tools that accept
their shape), `json` posts the alert as it is, `pagerduty` posts a PagerDuty Events API v2
`trigger` whose `dedup_key` is the alert's key. Every alert carries its evidence ids, so a
responder goes from the page to `vallum trace ID`.

Sending never blocks a request: `submit` only enqueues. A full queue drops the alert and says so
in the log; an alert whose every attempt failed is logged with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from vallum.alerts.rules import Alert
from vallum.bundle.alerts import PAGERDUTY_EVENTS_URL, AlertDestination, AlertsConfig
from vallum.settings import secret_from_env

log = logging.getLogger("vallum.alerts")
QUEUE_SIZE = 1000
ATTEMPTS = 5
TIMEOUT_S = 10.0


class DeliveryError(Exception):
    """A destination answered with a status worth retrying (or could not be reached)."""


class AlertDispatcher:
    """Owns the queue and the sending task (start on the event loop, `aclose` to drain)."""

    def __init__(
        self,
        config: AlertsConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        backoff_s: float = 1.0,
    ):
        self.config = config
        self.sent: list[tuple[str, Alert]] = []  # (destination, alert) delivered, newest last
        self._transport = transport
        self._environ = environ
        self._clock = clock
        self._backoff_s = backoff_s
        self._queue: asyncio.Queue[Alert] | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_sent: dict[str, float] = {}

    def start(self) -> None:
        """Start sending (call on the running event loop)."""
        if self._task is None and self.config.rules:
            self._queue = asyncio.Queue(QUEUE_SIZE)
            self._task = asyncio.get_running_loop().create_task(self._run())

    def submit(self, alert: Alert) -> None:
        if self._queue is None:
            log.warning("alert %s raised before alerts started: %s", alert.rule, alert.summary)
            return
        now = self._clock()
        last = self._last_sent.get(alert.key)
        if last is not None and now - last < self.config.dedup_s:
            return  # the same alert was sent a moment ago
        self._last_sent[alert.key] = now
        if len(self._last_sent) > 4 * QUEUE_SIZE:  # keep the dedup table bounded
            cutoff = now - self.config.dedup_s
            self._last_sent = {k: t for k, t in self._last_sent.items() if t >= cutoff}
        try:
            self._queue.put_nowait(alert)
        except asyncio.QueueFull:
            log.error("alert queue full: dropped %s (%s)", alert.rule, alert.summary)

    async def aclose(self, timeout: float = 10.0) -> None:
        """Send what is queued (within `timeout`), then stop."""
        if self._task is None or self._queue is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), timeout)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        assert self._queue is not None
        async with httpx.AsyncClient(transport=self._transport, timeout=TIMEOUT_S) as client:
            while True:
                alert = await self._queue.get()
                try:
                    for name in alert.send_to:
                        await self._deliver(client, name, alert)
                finally:
                    self._queue.task_done()

    async def _deliver(self, client: httpx.AsyncClient, name: str, alert: Alert) -> None:
        destination = self.config.destinations[name]
        try:
            url, body = self._request(destination, alert)
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(ATTEMPTS),
                wait=wait_exponential(multiplier=self._backoff_s, max=60 * self._backoff_s),
                retry=retry_if_exception_type((DeliveryError, httpx.TransportError)),
                reraise=True,
            ):
                with attempt:
                    response = await client.post(url, json=body)
                    if response.status_code == 429 or response.status_code >= 500:
                        raise DeliveryError(f"HTTP {response.status_code}")
                    if response.status_code >= 400:
                        log.error("alert %s refused by %s: HTTP %d", alert.rule, name,
                                  response.status_code)  # fmt: skip
                        return
        except (DeliveryError, httpx.HTTPError, ValueError) as exc:
            log.error("alert %s not delivered to %s after retries: %s", alert.rule, name, exc)
            return
        self.sent.append((name, alert))

    def _request(self, destination: AlertDestination, alert: Alert) -> tuple[str, dict[str, Any]]:
        if destination.kind == "pagerduty":
            key = self._secret(destination.routing_key_env)
            url = destination.url or PAGERDUTY_EVENTS_URL
            return url, pagerduty_event(alert, key)
        url = destination.url or self._secret(destination.url_env)
        if destination.kind == "slack":
            return url, slack_message(alert)
        return url, {"source": "vallum", **alert.to_dict()}

    def _secret(self, name: str | None) -> str:
        assert name is not None
        value = self._environ.get(name) if self._environ is not None else secret_from_env(name)
        if not value:
            raise ValueError(f"environment variable {name} is not set")
        return value


def slack_message(alert: Alert) -> dict[str, Any]:
    ids = ", ".join(f"`{i}`" for i in alert.evidence_ids)
    return {
        "text": f"[{alert.severity}] {alert.rule}: {alert.summary}"
        + (f"\nevidence: {ids} (`vallum trace ID`)" if ids else "")
    }


def pagerduty_event(alert: Alert, routing_key: str) -> dict[str, Any]:
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": alert.key,
        "payload": {
            "summary": f"{alert.rule}: {alert.summary}"[:1024],
            "source": "vallum",
            "severity": alert.severity,
            "component": "gateway",
            "group": alert.rule,
            "custom_details": {"evidence_ids": list(alert.evidence_ids), **alert.details},
        },
    }
