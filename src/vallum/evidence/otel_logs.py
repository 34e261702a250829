"""Evidence as OpenTelemetry log records, for a SIEM that takes OTLP (`vallum audit export
--format otel`). Needs `vallum[otel]`.

Each record becomes one log record whose body is the record's stored canonical text (exactly
the bytes its leaf hash covers, so an auditor can check it against a checkpoint) and whose
attributes carry `vallum.evidence.leaf_index`, the id, kind, action, principal and session (to
search by), the erasable content as stored (`vallum.evidence.payload`, absent once erased) and,
with a checkpoint, the inclusion proof (`vallum.evidence.tree_size`, `...inclusion_proof`, base64
hashes). The timestamp is the record's `created_at`; the event name `vallum.evidence`.

Configured by the standard variables, as traces and metrics are (`telemetry.tracing`): logs go
over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._LOGS_ENDPOINT`) is set and
`OTEL_LOGS_EXPORTER` is not `none`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from vallum.evidence.rows import loads
from vallum.exceptions import ConfigError
from vallum.extras import require

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import LoggerProvider

EVENT_NAME = "vallum.evidence"
SCOPE = "vallum.evidence"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SEARCHABLE = ("kind", "action", "principal", "session", "stage")


class Delivery:
    """Wraps the OTLP exporter and counts what it delivered and what it could not (a batch
    processor's flush says only that it finished, not that the receiver took the records)."""

    def __init__(self, exporter: Any):
        self.exporter = exporter
        self.sent = self.failed = 0

    def export(self, batch: Sequence[Any]) -> Any:
        result = self.exporter.export(batch)
        if getattr(result, "name", "") == "SUCCESS":
            self.sent += len(batch)
        else:
            self.failed += len(batch)
        return result

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return bool(self.exporter.force_flush(timeout_millis))

    def shutdown(self) -> None:
        self.exporter.shutdown()


def provider_from_env(
    environ: Mapping[str, str] | None = None,
) -> tuple[LoggerProvider, Delivery]:
    """A logger provider exporting over OTLP/HTTP as the OTEL_* variables say, and the count of
    what was delivered; ConfigError when logs are not configured (an export must not vanish
    silently)."""
    env = os.environ if environ is None else environ
    own = env.get("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")
    base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if env.get("OTEL_LOGS_EXPORTER", "otlp").lower() == "none" or not (own or base):
        raise ConfigError(
            "--format otel needs OTEL_EXPORTER_OTLP_ENDPOINT (or "
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT), and OTEL_LOGS_EXPORTER not 'none'"
        )
    require("otel", "opentelemetry.sdk", feature="--format otel")
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource

    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", "vallum")})
    provider = LoggerProvider(resource=resource.merge(OTELResourceDetector().detect()))
    endpoint = own or f"{str(base).rstrip('/')}/v1/logs"
    delivery = Delivery(OTLPLogExporter(endpoint=endpoint))
    provider.add_log_record_processor(BatchLogRecordProcessor(cast(Any, delivery)))
    return provider, delivery


def emit(lines: Iterable[dict[str, Any]], provider: LoggerProvider) -> int:
    """Emit export lines (`export.export_lines`) as log records; return how many. The caller
    flushes (`provider.force_flush()` or `shutdown()`)."""
    logger = provider.get_logger(SCOPE)
    count = 0
    for line in lines:
        try:
            record = loads(line["record"])
        except ValueError:
            record = None
        record = record if isinstance(record, dict) else {}
        logger.emit(
            timestamp=_nanoseconds(record.get("created_at")),
            body=line["record"],
            attributes=attributes(line, record),
            event_name=EVENT_NAME,
        )
        count += 1
    return count


def attributes(line: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    """The log record's attributes for one export line (`record`: its text parsed)."""
    out: dict[str, Any] = {
        "vallum.evidence.leaf_index": int(line["index"]),
        "vallum.evidence.id": str(line["id"]),
    }
    for name in _SEARCHABLE:
        value = record.get(name)
        if isinstance(value, str) and value:
            out[f"vallum.{name}"] = value
    if line.get("payload") is not None:
        out["vallum.evidence.payload"] = str(line["payload"])
    inclusion = line.get("inclusion")
    if inclusion:
        out["vallum.evidence.tree_size"] = int(inclusion["tree_size"])
        out["vallum.evidence.inclusion_proof"] = [str(h) for h in inclusion["proof"]]
    return out


def _nanoseconds(created: Any) -> int | None:
    """Nanoseconds since the epoch of an ISO 8601 time with its offset (None otherwise)."""
    try:
        moment = datetime.fromisoformat(str(created))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000
