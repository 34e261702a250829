"""Prometheus series for one process, in a registry of its own (no global collector).

Per control, from each decision's reasons: `acted` when an enforcing control changed the action,
`would_act` for a monitor-mode control that would have, `errors` when a detector or policy
failed. Labels are bounded by the bundle (routes, control ids, actions); principals and models,
which callers choose, are never labels.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from vallum.telemetry.observer import FinishedRequest, effect, token_usage

_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """Counters and histograms fed by finished requests; `render()` is the scrape body."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "vallum_requests", "Requests answered.", ["route", "status", "action", "outcome"],
            registry=r,
        )  # fmt: skip
        self.duration = Histogram(
            "vallum_request_duration_seconds", "Time from request to answer (streams: to end).",
            ["route"], buckets=(*_LATENCY_BUCKETS, 5.0, 10.0, 30.0, 60.0), registry=r,
        )  # fmt: skip
        self.decisions = Counter(
            "vallum_decisions", "Engine decisions taken.", ["action"], registry=r
        )
        self.acted = Counter(
            "vallum_control_acted", "Times an enforcing control changed the action.",
            ["control", "action"], registry=r,
        )  # fmt: skip
        self.would_act = Counter(
            "vallum_control_would_act", "Times a monitor-mode control would have acted.",
            ["control", "action"], registry=r,
        )  # fmt: skip
        self.errors = Counter(
            "vallum_control_errors", "Detector or policy failures, per control.",
            ["control", "kind"], registry=r,
        )  # fmt: skip
        self.tokens = Counter(
            "vallum_tokens", "Tokens the upstream reported (usage), by type.", ["type"],
            registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "vallum_check_duration_seconds", "Time each detector (and authz) took per decision.",
            ["check"], buckets=_LATENCY_BUCKETS, registry=r,
        )  # fmt: skip

    def observe(self, done: FinishedRequest) -> None:
        request, decisions = done.record, done.decisions
        route = str(request.get("route", ""))
        self.requests.labels(
            route, str(request.get("status", "")), str(request.get("action", "none")),
            str(request.get("outcome", "")),
        ).inc()  # fmt: skip
        total_ms = (request.get("latency_ms") or {}).get("total")
        if isinstance(total_ms, int | float):
            self.duration.labels(route).observe(total_ms / 1000)
        for kind, count in token_usage(request).items():
            if count > 0:
                self.tokens.labels(kind).inc(count)
        for decision in decisions:
            self.decisions.labels(decision.action.value).inc()
            for reason in decision.reasons:
                did = effect(reason)
                if did == "error":
                    self.errors.labels(reason.control, reason.kind.value).inc()
                elif did is not None:
                    counter = self.acted if did == "acted" else self.would_act
                    counter.labels(reason.control, reason.action.value).inc()
            for check, ms in decision.latency_ms.items():
                if check != "total":
                    self.latency.labels(check).observe(ms / 1000)

    def render(self) -> bytes:
        return generate_latest(self.registry)
