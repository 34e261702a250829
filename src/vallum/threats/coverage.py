"""Coverage: for every threat, the controls that answer it, the tests that prove them (run now)
and how often each acted in production; and the problems `vallum threats --check` gates on.

A threat is answered when at least one of its answers *enforces*: a control in enforce mode
that blocks, redacts or holds (a control with `action: allow` only labels the session), a
Cedar `forbid` not in monitor mode, or a code-review requirement (enforced where `vallum review`
gates the code). Every problem names the threat, so CI says which threat lost its answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vallum.bundle.loader import Bundle
from vallum.exceptions import EvalError, VallumError
from vallum.model import Action, Mode
from vallum.threats.evidence import Activity
from vallum.threats.model import EvalSuite, Threat, ThreatsFile
from vallum.threats.owasp import title as owasp_title
from vallum.threats.tests import SuiteRunner, TestOutcome, scenario_outcomes

COVERAGE_SCHEMA = 1
NO_SUCH_SCENARIO = "no such scenario"
ENFORCE, MONITOR, LABEL, PERMIT, REVIEW, MISSING = (
    "enforce", "monitor", "label only", "permit", "review", "missing",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Answer:
    """One control, policy or requirement that answers a threat, and what evidence shows."""

    kind: str  # control | policy | requirement
    id: str
    mode: str  # enforce | monitor | label only | permit | review | missing
    acted: int | None = None  # enforce-mode reasons in the window (None: no evidence read)
    would: int | None = None  # monitor-mode reasons in the window

    @property
    def enforcing(self) -> bool:
        return self.mode in (ENFORCE, REVIEW)

    @property
    def unproven(self) -> bool:
        """An enforcing runtime answer that never acted in the window."""
        return self.mode == ENFORCE and self.acted == 0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "mode": self.mode, "acted": self.acted,
                "would_have_acted": self.would, "unproven": self.unproven}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ThreatRow:
    threat: Threat
    answers: tuple[Answer, ...]
    tests: tuple[TestOutcome, ...]

    @property
    def enforced(self) -> bool:
        return any(a.enforcing for a in self.answers)

    def to_dict(self) -> dict[str, Any]:
        t = self.threat
        return {
            "id": t.id,
            "title": t.title,
            "owasp": [{"id": i, "title": owasp_title(i)} for i in (*t.owasp_llm, *t.owasp_agentic)],
            "endangers": t.endangers.model_dump(mode="json"),
            "enters": t.enters.model_dump(mode="json"),
            "enforced": self.enforced,
            "answers": [a.to_dict() for a in self.answers],
            "tests": [o.to_dict() for o in self.tests],
        }


@dataclass(slots=True)
class Coverage:
    bundle: str
    version: str
    rows: list[ThreatRow]
    orphans: list[str]  # "control X" / "policy Y" answering no threat
    evidence: Activity | None
    tests_run: bool = True
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        ev = self.evidence
        return {
            "schema": COVERAGE_SCHEMA,
            "bundle": {"name": self.bundle, "version": self.version},
            "evidence": None if ev is None else {"days": ev.days, "since": ev.since,
                                                 "decisions": ev.decisions, "source": ev.source},
            "threats": [r.to_dict() for r in self.rows],
            "tests_run": self.tests_run,
            "orphans": self.orphans,
            "problems": self.problems,
            "ok": not self.problems,
        }  # fmt: skip


def build_coverage(
    bundle: Bundle,
    threats: ThreatsFile,
    *,
    evidence: Activity | None = None,
    run_tests: bool = True,
    require_evidence: bool = False,
    reference_problems: Sequence[str] = (),
) -> Coverage:
    """The matrix for `threats` against `bundle`, with every problem `--check` reports."""
    outcomes = scenario_outcomes(bundle) if run_tests else {}
    suites = SuiteRunner(bundle)
    rows = []
    for threat in threats.threats:
        answers = _answers(bundle, threats, threat, evidence)
        tests: list[TestOutcome] = []
        if run_tests:
            tests += _scenario_tests(threat, outcomes)
            for suite in threat.answered_by.evals:
                tests += _eval_tests(bundle.path, suite, suites)
        rows.append(ThreatRow(threat, tuple(answers), tuple(tests)))
    orphans = _orphans(bundle, threats)
    coverage = Coverage(bundle.name, bundle.version, rows, orphans, evidence, run_tests)
    found = _problems(coverage, require_evidence, bool(reference_problems))
    coverage.problems = [*reference_problems, *found]
    return coverage


def _answers(
    bundle: Bundle, threats: ThreatsFile, threat: Threat, evidence: Activity | None
) -> list[Answer]:
    controls = {c.id: c.config for c in bundle.controls}
    policies = {p.policy_id: p for p in bundle.policies}
    out = []
    for cid in threat.answered_by.controls:
        config = controls.get(cid)
        if config is None:
            mode = MISSING
        elif config.mode is Mode.MONITOR:
            mode = MONITOR
        else:
            mode = LABEL if config.action is Action.ALLOW else ENFORCE
        out.append(_with_evidence(Answer("control", cid, mode), evidence))
    for pid in threat.answered_by.policies:
        policy = policies.get(pid)
        if policy is None:
            mode = MISSING
        elif policy.annotations.get("mode") == Mode.MONITOR.value:
            mode = MONITOR
        else:
            mode = ENFORCE if policy.effect == "forbid" else PERMIT
        out.append(_with_evidence(Answer("policy", pid, mode), evidence))
    known = set(threats.requirement_ids())
    for rid in threat.answered_by.requirements:
        out.append(Answer("requirement", rid, REVIEW if rid in known else MISSING))
    return out


def _with_evidence(answer: Answer, evidence: Activity | None) -> Answer:
    if evidence is None or answer.mode == MISSING:
        return answer
    key = Activity.key(answer.kind, answer.id)
    return Answer(
        answer.kind, answer.id, answer.mode, evidence.enforced[key], evidence.monitored[key]
    )


def _scenario_tests(threat: Threat, outcomes: dict[str, list[TestOutcome]]) -> list[TestOutcome]:
    out = []
    for name in threat.answered_by.tests:
        found = outcomes.get(name)
        out += found if found else [TestOutcome("scenario", name, False, NO_SUCH_SCENARIO)]
    return out


def _eval_tests(root: Path, suite: EvalSuite, runner: SuiteRunner) -> list[TestOutcome]:
    try:
        results = runner.gates(root, suite)
    except (EvalError, VallumError) as exc:
        return [TestOutcome("eval", suite.suite, False, str(exc))]
    if not results:
        return [TestOutcome("eval", suite.suite, True, "no gates: ran without error")]
    return [
        TestOutcome("eval", f"{suite.suite} {r.gate.spec}", r.passed,
                    "no such metric in the report" if r.value is None else f"value {r.value:g}")
        for r in results
    ]  # fmt: skip


def _orphans(bundle: Bundle, threats: ThreatsFile) -> list[str]:
    used_controls = {c for t in threats.threats for c in t.answered_by.controls}
    used_policies = {p for t in threats.threats for p in t.answered_by.policies}
    out = [f"control {c.id!r}" for c in bundle.controls if c.id not in used_controls]
    out += [
        f"policy {p.policy_id!r}"
        for p in bundle.policies
        if p.effect == "forbid" and p.policy_id not in used_policies
    ]
    return out


def _problems(coverage: Coverage, require_evidence: bool, referenced: bool) -> list[str]:
    """Every failure of `--check`. `referenced`: dangling names were already reported by the
    reference check (with file and line), so they are not repeated here."""
    problems = []
    for row in coverage.rows:
        tid = row.threat.id
        if not row.enforced:
            others = ", ".join(f"{a.id} ({a.mode})" for a in row.answers) or "nothing"
            problems.append(f"threat {tid!r} has no enforcing control (answered by: {others})")
        for a in row.answers:
            if a.mode == MISSING and not referenced:
                problems.append(f"threat {tid!r}: {a.kind} {a.id!r} does not exist in the bundle")
        for test in row.tests:
            if not test.passed and not (referenced and test.detail == NO_SUCH_SCENARIO):
                problems.append(f"threat {tid!r}: {test.kind} {test.name!r} fails: {test.detail}")
        if require_evidence:
            problems += _evidence_problems(tid, row, coverage.evidence)
    problems += [f"{o} answers no threat" for o in coverage.orphans]
    return problems


def _evidence_problems(tid: str, row: ThreatRow, evidence: Activity | None) -> list[str]:
    if evidence is None:
        return [f"threat {tid!r}: no evidence log to prove its controls acted"]
    return [
        f"threat {tid!r}: {a.kind} {a.id!r} never acted in the last {evidence.days} days "
        "(unproven in production)"
        for a in row.answers
        if a.unproven
    ]
