"""OpenTelemetry: a span per request and per decision, and per-control metrics, over OTLP.

Configured by the standard variables, nothing else: traces are exported when
`OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set and `OTEL_TRACES_EXPORTER` is not
`none`; metrics likewise with `..._METRICS_ENDPOINT` and `OTEL_METRICS_EXPORTER`. The service is
named by `OTEL_SERVICE_NAME` (default `vallum-gateway`). Needs `vallum[otel]`.

Attribute names follow the OpenTelemetry GenAI semantic conventions at `SEMCONV_VERSION`; with
`OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental` the newer names are emitted instead
(`gen_ai.provider.name` for `gen_ai.system`). Vallum's own attributes are under `vallum.*`: the
action, the controls and policies that acted, the labels, the evidence id and bundle version.

The providers are this object's own (never the process-global ones), so two gateways in one
process, or a test, each see exactly their spans.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from vallum.extras import require
from vallum.model import Action
from vallum.telemetry.observer import FinishedRequest, effect, token_usage

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider

SEMCONV_VERSION = "1.36.0"
OPT_IN_LATEST = "gen_ai_latest_experimental"
# Route names (`openai.chat`, `anthropic.chat`, `guard`, ...): provider, then operation.
_OPERATIONS = {"chat": "chat", "responses": "chat", "embeddings": "embeddings"}


class Tracing:
    """Spans and metrics for finished requests, through the given SDK providers."""

    def __init__(
        self,
        tracer_provider: TracerProvider | None,
        meter_provider: MeterProvider | None,
        *,
        latest_semconv: bool = False,
    ):
        self._tracer_provider, self._meter_provider = tracer_provider, meter_provider
        self._latest = latest_semconv
        self._tracer = (
            tracer_provider.get_tracer("vallum", schema_url=_schema_url())
            if tracer_provider
            else None
        )
        self._instruments: dict[str, Any] = {}
        if meter_provider is not None:
            meter = meter_provider.get_meter("vallum", schema_url=_schema_url())
            self._instruments = {
                "requests": meter.create_counter("vallum.requests", "{request}", "Requests."),
                "acted": meter.create_counter(
                    "vallum.control.acted", "{decision}", "An enforcing control changed the action."
                ),
                "would_act": meter.create_counter(
                    "vallum.control.would_act", "{decision}", "A monitor control would have acted."
                ),
                "errors": meter.create_counter(
                    "vallum.control.errors", "{error}", "A detector or policy failed."
                ),
                "duration": meter.create_histogram(
                    "vallum.request.duration", "s", "Time from request to answer."
                ),
                "tokens": meter.create_histogram(
                    "gen_ai.client.token.usage", "{token}", "Tokens used per request, by type."
                ),
            }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Tracing | None:
        """Providers exporting over OTLP/HTTP as the OTEL_* variables say; None when neither
        traces nor metrics are configured."""
        env = os.environ if environ is None else environ
        traces = _wanted(env, "TRACES")
        metrics = _wanted(env, "METRICS")
        if not (traces or metrics):
            return None
        require("otel", "opentelemetry.sdk", feature="OTEL_EXPORTER_OTLP_ENDPOINT")
        from opentelemetry.sdk.resources import OTELResourceDetector, Resource

        resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", "vallum-gateway")})
        resource = resource.merge(OTELResourceDetector().detect())
        tracer_provider = meter_provider = None
        if traces:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            tracer_provider = TracerProvider(resource=resource)
            exporter = OTLPSpanExporter(endpoint=_endpoint(env, "TRACES"))
            tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
        if metrics:
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

            reader = PeriodicExportingMetricReader(
                OTLPMetricExporter(endpoint=_endpoint(env, "METRICS"))
            )
            meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
        opt_in = env.get("OTEL_SEMCONV_STABILITY_OPT_IN", "").split(",")
        return cls(tracer_provider, meter_provider, latest_semconv=OPT_IN_LATEST in opt_in)

    def observe(self, done: FinishedRequest) -> None:
        if self._tracer is not None:
            self._spans(done)
        if self._instruments:
            self._count(done)

    def shutdown(self) -> None:
        """Flush and stop the exporters (at process exit)."""
        if self._tracer_provider is not None:
            self._tracer_provider.shutdown()
        if self._meter_provider is not None:
            self._meter_provider.shutdown()

    def _spans(self, done: FinishedRequest) -> None:
        from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

        assert self._tracer is not None
        record = done.record
        route = str(record.get("route", ""))
        operation = _operation(route)
        provider = route.partition(".")[0]
        model = record.get("model")
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": operation,
            "vallum.route": route,
            "http.response.status_code": int(record.get("status") or 0),
            "vallum.request_id": str(record.get("id")),
            "vallum.action": str(record.get("action")),
            "vallum.outcome": str(record.get("outcome")),
            "vallum.evidence_id": str(record.get("id")),
            "vallum.bundle.version": str((record.get("bundle") or {}).get("version", "")),
            "vallum.principal": str(record.get("principal")),
        }
        if model:
            attributes["gen_ai.request.model"] = str(model)
        for kind, count in token_usage(record).items():
            attributes[f"gen_ai.usage.{kind}_tokens"] = count
        if operation != "vallum.guard":
            attributes["gen_ai.provider.name" if self._latest else "gen_ai.system"] = provider
        name = f"{operation} {model}" if model else operation
        span = self._tracer.start_span(
            name, kind=SpanKind.SERVER, start_time=done.started_ns, attributes=attributes
        )
        if int(record.get("status") or 0) >= 500:
            span.set_status(Status(StatusCode.ERROR, str(record.get("outcome"))))
        parent = set_span_in_context(span)
        for decision, (ended_ns, stage) in zip(done.decisions, done.timeline, strict=False):
            took_ns = int(decision.latency_ms.get("total", 0.0) * 1_000_000)
            enforced = [r for r in decision.reasons if r.enforced and r.action is not Action.ALLOW]
            child = self._tracer.start_span(
                f"vallum.decision {stage}",
                context=parent,
                start_time=max(done.started_ns, ended_ns - took_ns),
                attributes={
                    "vallum.stage": stage,
                    "vallum.action": decision.action.value,
                    "vallum.evidence_id": decision.id,
                    "vallum.controls": sorted({r.control for r in enforced}),
                    "vallum.policies": sorted({r.policy_id for r in enforced if r.policy_id}),
                    "vallum.labels": list(decision.labels),
                    "vallum.detector_failed": decision.detector_failed,
                },
            )
            child.end(end_time=ended_ns)
        span.end(end_time=done.ended_ns)

    def _count(self, done: FinishedRequest) -> None:
        record = done.record
        route = str(record.get("route", ""))
        self._instruments["requests"].add(
            1, {"vallum.route": route, "vallum.action": str(record.get("action"))}
        )
        self._instruments["duration"].record(
            (done.ended_ns - done.started_ns) / 1e9, {"vallum.route": route}
        )
        for kind, count in token_usage(record).items():
            attrs = {"gen_ai.token.type": kind, "gen_ai.operation.name": _operation(route)}
            if record.get("model"):
                attrs["gen_ai.request.model"] = str(record["model"])
            self._instruments["tokens"].record(count, attrs)
        for decision in done.decisions:
            for reason in decision.reasons:
                did = effect(reason)
                if did is not None:
                    attrs = {"vallum.control": reason.control, "vallum.action": reason.action.value}
                    self._instruments["errors" if did == "error" else did].add(1, attrs)


def _operation(route: str) -> str:
    return _OPERATIONS.get(route.partition(".")[2], "vallum.guard")


def _wanted(env: Mapping[str, str], signal: str) -> bool:
    if env.get(f"OTEL_{signal}_EXPORTER", "otlp").lower() == "none":
        return False
    return bool(
        env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")
    )


def _endpoint(env: Mapping[str, str], signal: str) -> str:
    """The signal's own endpoint as given, or the base endpoint with the signal's path."""
    own = env.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")
    if own:
        return own
    return env["OTEL_EXPORTER_OTLP_ENDPOINT"].rstrip("/") + f"/v1/{signal.lower()}"


def _schema_url() -> str:
    return f"https://opentelemetry.io/schemas/{SEMCONV_VERSION}"
