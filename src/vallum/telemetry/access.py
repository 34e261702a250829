"""One structured log line per request: who asked, what was decided, where the evidence is.

    {"event": "request", "request_id": "...", "principal": "agent:support-bot",
     "route": "/v1/chat/completions", "status": 200, "action": "redact", "outcome": "ok",
     "evidence_ids": ["..."], "bundle_version": "...", "latency_ms": 3.1, ...}

A blocked output is logged as blocked, whatever HTTP status carried it. Lines go to the
`vallum.access` logger; `configure_json_logging()` (what `vallum serve` calls) renders every log
record as one JSON object through structlog, so the gateway's other messages parse the same way.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from vallum.telemetry.observer import FinishedRequest

ACCESS_LOGGER = "vallum.access"


class AccessLog:
    def __init__(self, logger: logging.Logger | None = None):
        self._log = logger or logging.getLogger(ACCESS_LOGGER)

    def observe(self, done: FinishedRequest) -> None:
        request, decisions = done.record, done.decisions
        if not self._log.isEnabledFor(logging.INFO):
            return
        bundle = request.get("bundle") or {}
        fields = {
            "request_id": request.get("id"),
            "principal": request.get("principal"),
            "session": request.get("session"),
            "route": request.get("route"),
            "model": request.get("model"),
            "stream": request.get("stream"),
            "status": request.get("status"),
            "action": request.get("action"),
            "outcome": request.get("outcome"),
            "evidence_ids": [request.get("id"), *(d.id for d in decisions)],
            "controls": sorted({r.control for d in decisions for r in d.reasons}),
            "bundle_version": bundle.get("version"),
            "latency_ms": (request.get("latency_ms") or {}).get("total"),
        }
        self._log.info("request", extra={"vallum": fields})


def json_formatter() -> logging.Formatter:
    """A logging formatter rendering each record as one JSON object (structlog)."""
    return structlog.stdlib.ProcessorFormatter(
        processors=[
            _lift_fields,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ExtraAdder(allow=["vallum"]),
            structlog.processors.format_exc_info,
        ],
    )


def configure_json_logging(level: str = "info") -> None:
    """Render every log record of the process as one JSON line on stderr (the CLI calls this
    once at start-up; library code never configures logging)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def _lift_fields(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """`extra={"vallum": {...}}` becomes top-level keys of the JSON line."""
    fields = event.pop("vallum", None)
    if isinstance(fields, dict):
        event.update(fields)
    return event
