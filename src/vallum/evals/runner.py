"""Running labelled cases through an engine and tallying what each control and detector did.

Every case gets a fresh session (no evidence is written: evaluations never fill the audit log).
Per case the runner keeps: flagged or not, which controls acted (in any mode, so a monitor-mode
trial is measured like an enforced control), each detector's highest score, and decision latency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from vallum.bundle.loader import Bundle
from vallum.engine import Engine
from vallum.evals.cases import Case
from vallum.model import Action
from vallum.sessions.store import MemorySessionStore

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    flagged: bool
    actions: tuple[Action, ...]
    controls: frozenset[str]
    scores: dict[str, float]
    latency_ms: tuple[float, ...]
    detector_ms: dict[str, list[float]] = field(default_factory=dict)


def run_cases(
    bundle: Bundle, cases: Iterable[Case], progress: Progress | None = None
) -> list[CaseResult]:
    """Evaluate each case in its own session; return one result per case, in order."""
    engine = Engine(bundle, evidence=None, sessions=MemorySessionStore(max_sessions=64))
    results = []
    for index, case in enumerate(cases):
        results.append(run_case(engine, case, f"eval-{index}-{case.id}"))
        if progress is not None:
            progress(1)
    return results


def run_case(engine: Engine, case: Case, session: str) -> CaseResult:
    actions: list[Action] = []
    controls: set[str] = set()
    scores: dict[str, float] = {}
    latency: list[float] = []
    detector_ms: dict[str, list[float]] = {}
    for step in case.steps:
        decision = engine.evaluate(step.event(case.principal, session))
        actions.append(decision.action)
        controls.update(r.control for r in decision.reasons if r.action is not Action.ALLOW)
        for detector, score in decision.scores.items():
            scores[detector] = max(scores.get(detector, 0.0), score)
        latency.append(decision.latency_ms.get("total", 0.0))
        for name, ms in decision.latency_ms.items():
            if name != "total":
                detector_ms.setdefault(name, []).append(ms)
    flagged = any(a is not Action.ALLOW for a in actions)
    return CaseResult(
        case, flagged, tuple(actions), frozenset(controls), scores, tuple(latency), detector_ms
    )
