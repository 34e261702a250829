"""Scenario files: unit tests for a policy, written in YAML.

A scenario is a sequence of events for one principal in one session, each with the decision
expected at that step. `vallum test DIR` runs every scenario file in the bundle's `tests/`
folder (like `opa test`); `vallum eval DIR FILE.yaml` includes them in a report.

    name: PII never leaves by external email
    principal: agent:support-bot
    steps:
      - stage: tool_result
        tool: get_order
        text: "Order ORD-12345678 for ann@example.com"
        expect: allow
      - stage: tool_call
        tool: send_email
        args: {to: someone@gmail.com, subject: Your order, body: Details}
        expect: block
        policy: no-pii-to-external-email   # a reason must name this policy (optional)

Optional checks per step: `policy` / `control` (a reason names it), `monitor` (ids of
monitor-mode reasons that must be present), `labels` (the session must hold them afterwards),
`redacted` (the exact redacted text). A file holds one scenario or `scenarios: [...]`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vallum.bundle.loader import Bundle
from vallum.bundle.yamlmap import LocatedYaml, load_located, yaml_issue
from vallum.engine import Engine
from vallum.evals.cases import EVAL_AGENT, Step
from vallum.exceptions import EvalError, InputError
from vallum.model import Action, Decision, Mode, Principal, Stage
from vallum.sessions.store import MemorySessionStore

SCENARIO_SUFFIXES = (".yaml", ".yml")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScenarioStep(_Model):
    stage: Stage
    text: str = ""
    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    source: str | None = None
    expect: Action
    policy: str | None = None
    control: str | None = None
    monitor: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    redacted: str | None = None


class Scenario(_Model):
    name: str
    principal: str = str(EVAL_AGENT)
    description: str = ""
    steps: tuple[ScenarioStep, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class LoadedScenario:
    scenario: Scenario
    file: str
    line: int | None
    step_lines: tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class StepResult:
    index: int
    line: int | None
    expected: Action
    actual: Action
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    name: str
    file: str
    line: int | None
    steps: tuple[StepResult, ...]

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "passed": self.passed,
            "failures": [
                {
                    "step": s.index + 1,
                    "line": s.line,
                    "expected": s.expected.value,
                    "actual": s.actual.value,
                    "problems": list(s.problems),
                }
                for s in self.steps
                if not s.passed
            ],
        }


def scenario_files(path: Path) -> list[Path]:
    """The scenario files at `path`: the file itself, or every YAML file under the directory."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in SCENARIO_SUFFIXES and p.is_file())
    return [path]


def load_scenarios(path: Path) -> list[LoadedScenario]:
    """Parse one scenario file; raise `EvalError` naming file, line and key on any problem."""
    try:
        located = load_located(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise EvalError(f"cannot read scenario file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise EvalError(f"{path}: not valid UTF-8 (byte {exc.start})") from exc
    except yaml.YAMLError as exc:
        raise EvalError(str(yaml_issue(exc, str(path)))) from exc
    data = located.data
    prefix: tuple[str | int, ...]
    if isinstance(data, dict) and "scenarios" in data:
        items, prefix = data["scenarios"], ("scenarios",)
    else:
        items, prefix = [data], ()
    if not isinstance(items, list):
        raise EvalError(f"{path}: `scenarios` must be a list")
    out = []
    for index, raw in enumerate(items):
        where: tuple[str | int, ...] = (*prefix, index) if prefix else ()
        try:
            scenario = Scenario.model_validate(raw)
        except ValidationError as exc:
            raise EvalError(_first_issue(located, where, exc)) from None
        lines = tuple(located.line_of((*where, "steps", i)) for i in range(len(scenario.steps)))
        out.append(LoadedScenario(scenario, str(path), located.line_of(where), lines))
    return out


def _first_issue(located: LocatedYaml, where: tuple[str | int, ...], exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = (*where, *error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
    elif error["type"] != "missing" and isinstance(error.get("input"), str | int | float | bool):
        message = f"{message} (got {error['input']!r})"
    return str(located.issue(loc, message))


def run_scenarios(
    bundle: Bundle,
    scenarios: Iterable[LoadedScenario],
    progress: Callable[[int], None] | None = None,
) -> list[ScenarioResult]:
    """Run each scenario in its own fresh session; nothing is written to evidence."""
    engine = Engine(bundle, evidence=None, sessions=MemorySessionStore(max_sessions=64))
    results = []
    for loaded in scenarios:
        results.append(_run(engine, loaded))
        if progress is not None:
            progress(1)
    return results


def _run(engine: Engine, loaded: LoadedScenario) -> ScenarioResult:
    scenario = loaded.scenario
    try:
        principal = Principal.parse(scenario.principal)
    except InputError as exc:
        raise EvalError(f"{loaded.file}:{loaded.line}: {exc}") from None
    session = f"scenario-{uuid.uuid4().hex[:12]}"
    steps = []
    for index, (spec, line) in enumerate(zip(scenario.steps, loaded.step_lines, strict=True)):
        step = Step(spec.stage, spec.text, spec.tool, spec.args, spec.source)
        try:
            decision = engine.evaluate(step.event(principal, session))
        except InputError as exc:
            raise EvalError(f"{loaded.file}:{line}: step {index + 1}: {exc}") from None
        problems = _check(spec, decision, engine.sessions.labels(session))
        steps.append(StepResult(index, line, spec.expect, decision.action, tuple(problems)))
    return ScenarioResult(scenario.name, loaded.file, loaded.line, tuple(steps))


def _check(spec: ScenarioStep, decision: Decision, labels: frozenset[str]) -> list[str]:
    problems = []
    if decision.action is not spec.expect:
        why = "; ".join(f"{r.control}: {r.message}" for r in decision.reasons if r.enforced)
        problems.append(
            f"expected {spec.expect.value}, got {decision.action.value}"
            + (f" ({why})" if why else "")
        )
    enforced = [r for r in decision.reasons if r.enforced and r.action is not Action.ALLOW]
    if spec.policy and not any(r.policy_id == spec.policy for r in enforced):
        problems.append(f"no enforced reason from policy {spec.policy!r}")
    if spec.control and not any(r.control == spec.control for r in enforced):
        problems.append(f"no enforced reason from control {spec.control!r}")
    monitored = {
        name
        for r in decision.reasons
        if r.mode is Mode.MONITOR and r.action is not Action.ALLOW
        for name in (r.control, r.policy_id)
        if name
    }
    for wanted in spec.monitor:
        if wanted not in monitored:
            problems.append(f"no monitor-mode reason from {wanted!r}")
    missing = sorted(set(spec.labels) - labels)
    if missing:
        problems.append(f"session lacks labels {missing}")
    if spec.redacted is not None and decision.redacted_text != spec.redacted:
        problems.append(f"redacted text is {decision.redacted_text!r}, expected {spec.redacted!r}")
    return problems
