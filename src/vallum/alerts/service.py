"""The alerts of one served bundle version: its rules, its dispatcher, and the periodic check of
approvals left waiting."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx

from vallum.alerts.dispatch import AlertDispatcher
from vallum.alerts.rules import AlertRules
from vallum.approvals.model import Status
from vallum.approvals.service import ApprovalService
from vallum.bundle.alerts import AlertsConfig
from vallum.exceptions import VallumError

log = logging.getLogger("vallum.alerts")


class Escalation:
    def __init__(
        self,
        config: AlertsConfig,
        approvals: ApprovalService,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.dispatcher = AlertDispatcher(config, transport=transport)
        self.rules = AlertRules(config, self.dispatcher.submit)
        self._approvals = approvals
        self._config = config
        self._checker: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sending, and checking waiting approvals (call on the running event loop)."""
        self.dispatcher.start()
        waiting = any(r.when == "approval_waiting" for r in self._config.rules)
        if waiting and self._checker is None:
            self._checker = asyncio.get_running_loop().create_task(self._check_forever())

    async def check_approvals(self) -> None:
        try:
            pending = await asyncio.to_thread(self._approvals.list, status=Status.PENDING)
        except VallumError as exc:
            log.warning("cannot list waiting approvals for alerts: %s", exc)
            return
        self.rules.check_approvals(pending)

    async def aclose(self) -> None:
        if self._checker is not None:
            self._checker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checker
        await self.dispatcher.aclose()

    async def _check_forever(self) -> None:
        while True:
            await self.check_approvals()
            await asyncio.sleep(self._config.check_interval_s)
