"""The evaluation report: per suite, per control, per attack kind and per detector, as one dict.

The same dict feeds the terminal table, `--json`, JUnit XML, the HTML report and the
`--fail-under` gates, so every output says the same thing. `schema` versions the layout.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vallum.bundle.loader import Bundle
from vallum.evals.metrics import auc, percentile, roc_points, tpr_at_fpr, wilson
from vallum.evals.runner import CaseResult
from vallum.evals.scenarios import ScenarioResult

REPORT_SCHEMA_VERSION = 1
MAX_ROC_POINTS = 200


@dataclass(slots=True)
class Tally:
    """Positives stopped and negatives let through, for one group of cases."""

    positives: int = 0
    tp: int = 0
    negatives: int = 0
    fp: int = 0

    def add(self, label: int, flagged: bool) -> None:
        if label:
            self.positives += 1
            self.tp += flagged
        else:
            self.negatives += 1
            self.fp += flagged

    def to_dict(self) -> dict[str, Any]:
        tpr_ci = wilson(self.tp, self.positives)
        fpr_ci = wilson(self.fp, self.negatives)
        return {
            "n": self.positives + self.negatives,
            "positives": self.positives,
            "tp": self.tp,
            "tpr": _rate(self.tp, self.positives),
            "tpr_ci": [tpr_ci.low, tpr_ci.high] if self.positives else None,
            "negatives": self.negatives,
            "fp": self.fp,
            "fpr": _rate(self.fp, self.negatives),
            "fpr_ci": [fpr_ci.low, fpr_ci.high] if self.negatives else None,
        }


def _rate(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None


def build_report(
    bundle: Bundle,
    results: Sequence[CaseResult],
    scenarios: Sequence[ScenarioResult] = (),
) -> dict[str, Any]:
    """Everything measured, as a JSON-ready dict."""
    overall = Tally()
    suites: dict[str, Tally] = defaultdict(Tally)
    kinds: dict[str, Tally] = defaultdict(Tally)
    controls: dict[str, Tally] = defaultdict(Tally)
    acting = sorted({c for r in results for c in r.controls} | {c.id for c in bundle.controls})
    for result in results:
        label = result.case.label
        overall.add(label, result.flagged)
        suites[result.case.suite].add(label, result.flagged)
        kinds[result.case.kind].add(label, result.flagged)
        for control in acting:
            controls[control].add(label, control in result.controls)
    return {
        "schema": REPORT_SCHEMA_VERSION,
        "bundle": {"name": bundle.name, "version": bundle.version},
        "overall": overall.to_dict(),
        "suites": [{"suite": k, **v.to_dict()} for k, v in sorted(suites.items())],
        "kinds": [{"kind": k, **v.to_dict()} for k, v in sorted(kinds.items())],
        "controls": [{"control": k, **v.to_dict()} for k, v in sorted(controls.items())],
        "detectors": _detectors(results),
        "latency_ms": _latency(results),
        "scenarios": _scenarios(scenarios),
    }


def _detectors(results: Sequence[CaseResult]) -> list[dict[str, Any]]:
    names = sorted({d for r in results for d in r.scores})
    out = []
    for name in names:
        scored = [(r.scores[name], r.case.label) for r in results if name in r.scores]
        scores = [s for s, _ in scored]
        labels = [y for _, y in scored]
        area = auc(scores, labels)
        at1 = tpr_at_fpr(scores, labels, 0.01)
        roc = [[round(f, 4), round(t, 4)] for f, t, _ in roc_points(scores, labels)]
        if len(roc) > MAX_ROC_POINTS:
            step = len(roc) / MAX_ROC_POINTS
            roc = [roc[int(i * step)] for i in range(MAX_ROC_POINTS)] + [roc[-1]]
        out.append(
            {
                "detector": name,
                "n": len(scored),
                "auc": None if area is None else round(area, 4),
                "tpr_at_1pct_fpr": None if at1 is None else round(at1, 4),
                "roc": roc if area is not None else [],
            }
        )
    return out


def _latency(results: Sequence[CaseResult]) -> dict[str, dict[str, float]]:
    series: dict[str, list[float]] = defaultdict(list)
    for result in results:
        series["total"].extend(result.latency_ms)
        for name, values in result.detector_ms.items():
            series[name].extend(values)
    return {
        name: {
            "n": len(values),
            "p50": round(percentile(values, 50), 4),
            "p99": round(percentile(values, 99), 4),
        }
        for name, values in sorted(series.items())
    }


def _scenarios(results: Sequence[ScenarioResult]) -> dict[str, Any]:
    steps = sum(len(r.steps) for r in results)
    failed_steps = sum(1 for r in results for s in r.steps if not s.passed)
    return {
        "n": len(results),
        "passed": sum(1 for r in results if r.passed),
        "failed": sum(1 for r in results if not r.passed),
        "steps": steps,
        "failed_steps": failed_steps,
        "results": [r.to_dict() for r in results],
    }
