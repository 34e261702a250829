"""Running what a threat names as proof: its scenarios (the `vallum test` runner) and its eval
suites with their gates (the `vallum eval` runner and gates), now, against the bundle as it is."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vallum.bundle.loader import Bundle
from vallum.evals.attacks import BUILTIN_NAME
from vallum.evals.gates import Gate, GateResult, check_gates
from vallum.evals.report import build_report
from vallum.evals.runner import run_cases
from vallum.evals.scenarios import load_scenarios, run_scenarios, scenario_files
from vallum.evals.suites import load_suites
from vallum.exceptions import EvalError
from vallum.threats.loader import TESTS_DIR

if TYPE_CHECKING:
    from vallum.threats.model import EvalSuite


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """A scenario or an eval gate, run now."""

    kind: str  # scenario | eval
    name: str
    passed: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "passed": self.passed, "detail": self.detail}


def scenario_outcomes(bundle: Bundle) -> dict[str, list[TestOutcome]]:
    """Every scenario in the bundle's tests folder, run once, by name."""
    out: dict[str, list[TestOutcome]] = defaultdict(list)
    folder = bundle.path / TESTS_DIR
    if not folder.is_dir():
        return out
    for file in scenario_files(folder):
        try:
            loaded = load_scenarios(file)
        except EvalError as exc:
            out[f"\0unreadable:{file}"].append(TestOutcome("scenario", str(file), False, str(exc)))
            continue
        for result in run_scenarios(bundle, loaded):
            failures = "; ".join(p for s in result.steps for p in s.problems)
            where = f"{Path(result.file).name}:{result.line}"
            detail = f"{where}: {failures}" if failures else where
            out[result.name].append(TestOutcome("scenario", result.name, result.passed, detail))
    return out


class SuiteRunner:
    """Runs each eval suite once (several threats may gate on the same one)."""

    def __init__(self, bundle: Bundle):
        self._bundle = bundle
        self._reports: dict[str, dict[str, Any]] = {}

    def report(self, root: Path, spec: str) -> dict[str, Any]:
        if spec not in self._reports:
            path = spec if spec == BUILTIN_NAME else str(root / spec)
            loaded = load_suites([path])
            cases = run_cases(self._bundle, loaded.cases)
            scenarios = run_scenarios(self._bundle, loaded.scenarios)
            self._reports[spec] = build_report(self._bundle, cases, scenarios)
        return self._reports[spec]

    def gates(self, root: Path, suite: EvalSuite) -> list[GateResult]:
        gates = [Gate(m, v, under=True) for m, v in suite.fail_under.items()]
        gates += [Gate(m, v, under=False) for m, v in suite.fail_over.items()]
        return check_gates(self.report(root, suite.suite), gates)
