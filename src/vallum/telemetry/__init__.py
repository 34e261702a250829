"""What a running enforcement point tells operators, beside the evidence log.

    metrics.py   Prometheus series per route and per control (`GET /metrics`)
    access.py    one structured (JSON) log line per request, saying what was decided
    tracing.py   OpenTelemetry spans and metrics over OTLP, from the standard OTEL_* variables
    observer.py  the one place a finished request is reported to all three

All of them read a request's record and its decisions after the request ends, off the path that
decides: telemetry never changes an answer, and a telemetry failure never loses evidence.
"""

from vallum.telemetry.observer import RequestObserver, Telemetry

__all__ = ["RequestObserver", "Telemetry"]
