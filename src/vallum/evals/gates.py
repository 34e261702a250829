"""`--fail-under METRIC=VALUE` and `--fail-over METRIC=VALUE`: thresholds that make a CI gate.

METRIC is a report number, optionally scoped: `tpr`, `fpr`, `tnr` (1 - fpr), `scenarios` (the
share of scenarios passing), `kind:injection.direct:tpr`, `control:pii-out:fpr`,
`suite:attacks:tnr`, `detector:injection:auc`, `detector:injection:tpr_at_1pct_fpr`,
`latency:total:p99`. For AgentDojo reports: `utility`, `utility_under_attack` and `asr` (the
worst over every suite and attack). A gate on a number the report does not have fails: a gate
that silently passes on a typo is worse than none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vallum.exceptions import EvalError

SCOPES = {"kind": "kinds", "control": "controls", "suite": "suites", "detector": "detectors"}
_AGENTDOJO = {"utility": min, "utility_under_attack": min, "asr": max}


@dataclass(frozen=True, slots=True)
class Gate:
    metric: str
    threshold: float
    under: bool  # True: the value must be >= threshold; False: <= threshold

    @property
    def spec(self) -> str:
        return f"--fail-{'under' if self.under else 'over'} {self.metric}={self.threshold:g}"


@dataclass(frozen=True, slots=True)
class GateResult:
    gate: Gate
    value: float | None

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        if self.gate.under:
            return self.value >= self.gate.threshold
        return self.value <= self.gate.threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "gate": self.gate.spec,
            "metric": self.gate.metric,
            "threshold": self.gate.threshold,
            "value": self.value,
            "passed": self.passed,
        }


def parse_gate(spec: str, *, under: bool) -> Gate:
    metric, sep, raw = spec.rpartition("=")
    try:
        threshold = float(raw)
    except ValueError:
        threshold = float("nan")
    if not sep or not metric or threshold != threshold:
        flag = "--fail-under" if under else "--fail-over"
        raise EvalError(f"{flag} {spec!r} must be METRIC=NUMBER, e.g. {flag} tpr=0.9")
    return Gate(metric.strip(), threshold, under)


def check_gates(report: Mapping[str, Any], gates: list[Gate]) -> list[GateResult]:
    return [GateResult(g, metric_value(report, g.metric)) for g in gates]


def metric_value(report: Mapping[str, Any], metric: str) -> float | None:
    """The number `metric` names in `report`, or None when the report has no such number."""
    parts = metric.split(":")
    if len(parts) == 1:
        if metric in _AGENTDOJO and "agentdojo" in report:
            values = [r[metric] for r in report["agentdojo"] if r.get(metric) is not None]
            return _AGENTDOJO[metric](values) if values else None
        if metric == "scenarios":
            scen = report.get("scenarios", {})
            return scen["passed"] / scen["n"] if scen.get("n") else None
        return _rate(report.get("overall", {}), metric)
    if len(parts) == 3 and parts[0] == "latency":
        entry = report.get("latency_ms", {}).get(parts[1], {})
        value = entry.get(parts[2])
        return float(value) if value is not None else None
    if len(parts) == 3 and parts[0] in SCOPES:
        key = parts[0]
        for row in report.get(SCOPES[key], []):
            if row.get(key) == parts[1]:
                return _rate(row, parts[2])
        return None
    raise EvalError(
        f"unknown metric {metric!r}: use tpr, fpr, tnr, scenarios, SCOPE:NAME:METRIC "
        f"(SCOPE one of {', '.join(SCOPES)}) or latency:NAME:p50|p99"
    )


def _rate(row: Mapping[str, Any], name: str) -> float | None:
    if name == "tnr":
        fpr = row.get("fpr")
        return None if fpr is None else 1.0 - float(fpr)
    value = row.get(name)
    return float(value) if isinstance(value, int | float) else None
