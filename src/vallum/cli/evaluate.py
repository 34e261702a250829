"""`vallum eval DIR [SUITE...]`: measure a bundle's controls; `vallum test DIR`: run its scenarios.

`vallum eval DIR --dataset FILE.jsonl [--json]` keeps its original output
(`{"tpr", "fpr", "n", "sources"}`); any SUITE argument gives the full report instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from vallum.cli.common import JsonFlag, fail, print_json, report_error
from vallum.exceptions import VallumError

if TYPE_CHECKING:
    from vallum.bundle.loader import Bundle
    from vallum.evals.dataset import EvalResult
    from vallum.evals.gates import GateResult
    from vallum.evals.scenarios import ScenarioResult

console = Console(highlight=False)

SuitesArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Suites: FILE.jsonl, FILE.csv, scenario FILE.yaml or folder, builtin:attacks."
    ),
]
GateOption = Annotated[
    list[str] | None,
    typer.Option("--fail-under", help="Exit 1 unless METRIC >= VALUE, e.g. tpr=0.9 (repeatable)."),
]
GateOverOption = Annotated[
    list[str] | None,
    typer.Option("--fail-over", help="Exit 1 unless METRIC <= VALUE, e.g. fpr=0.05 (repeatable)."),
]


def eval_command(
    directory: Annotated[Path, typer.Argument(help="The bundle directory.")],
    suites: SuitesArg = None,
    dataset: Annotated[
        Path | None, typer.Option("--dataset", help="JSONL rows {text, label, stage, source}.")
    ] = None,
    as_json: JsonFlag = False,
    columns: Annotated[
        str | None,
        typer.Option("--columns", help="CSV column mapping, e.g. text=prompt,label=is_attack."),
    ] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write an HTML report here.")] = None,
    fail_under: GateOption = None,
    fail_over: GateOverOption = None,
    agentdojo: Annotated[
        bool, typer.Option("--agentdojo", help="Run AgentDojo (needs vallum[agentdojo]).")
    ] = False,
    suite: Annotated[
        list[str] | None, typer.Option("--suite", help="AgentDojo suite (repeatable).")
    ] = None,
    attack: Annotated[
        list[str] | None, typer.Option("--attack", help="AgentDojo attack (repeatable).")
    ] = None,
    defense: Annotated[
        list[str] | None,
        typer.Option("--defense", help="AgentDojo defense: none, detectors, bundle (repeatable)."),
    ] = None,
    user_tasks: Annotated[
        int | None, typer.Option("--user-tasks", help="AgentDojo: only the first N user tasks.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="AgentDojo: run this model instead of the scripted agent."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="AgentDojo: OpenAI-compatible endpoint for --model."),
    ] = None,
) -> None:
    """Measure the bundle's controls on suites: TPR/FPR with 95% intervals, AUC, latency."""
    from vallum.bundle.loader import load_bundle
    from vallum.evals.gates import check_gates, parse_gate
    from vallum.evals.html import html_report
    from vallum.evals.junit import junit_xml
    from vallum.evals.suites import load_suites, parse_columns

    try:
        gates = [parse_gate(g, under=True) for g in fail_under or []]
        gates += [parse_gate(g, under=False) for g in fail_over or []]
        if dataset is not None and not suites and not agentdojo:
            _legacy(directory, dataset, as_json)
            return
        show = not as_json and console.is_terminal
        if agentdojo:
            from vallum.integrations.agentdojo.evaluate import run_agentdojo

            with _progress(show) as bar:
                rows = run_agentdojo(
                    directory,
                    suites=suite,
                    attacks=attack,
                    defenses=defense,
                    user_tasks=user_tasks,
                    model=model,
                    base_url=base_url,
                    progress=bar,
                )
            report: dict[str, Any] = {"schema": 1, "agentdojo": rows}
        else:
            bundle = load_bundle(directory)
            names = list(suites or []) + ([str(dataset)] if dataset is not None else [])
            if not names:
                fail("name at least one SUITE (a file, a folder, builtin:attacks) or --agentdojo")
            loaded = load_suites(names, parse_columns(columns))
            report = _evaluate(bundle, loaded.cases, loaded.scenarios, show)
        results = check_gates(report, gates)
        report["gates"] = [r.to_dict() for r in results]
    except VallumError as exc:
        report_error(exc)
    if junit is not None:
        junit.write_text(junit_xml(report, results), encoding="utf-8")
    if html is not None:
        html.write_text(html_report(report, results), encoding="utf-8")
    if as_json:
        print_json(report)
    else:
        print_report(report, results)
    if any(not r.passed for r in results):
        raise typer.Exit(1)


def _evaluate(bundle: Bundle, cases: list[Any], scenarios: list[Any], show: bool) -> dict[str, Any]:
    from vallum.evals.report import build_report
    from vallum.evals.runner import run_cases
    from vallum.evals.scenarios import run_scenarios

    with _progress(show) as bar:
        bar.total(len(cases) + len(scenarios))
        case_results = run_cases(bundle, cases, bar.advance)
        scenario_results = run_scenarios(bundle, scenarios, bar.advance)
    return build_report(bundle, case_results, scenario_results)


class _Bar:
    def __init__(self, progress: Progress | None):
        self._progress = progress
        self._task: Any = None

    def total(self, n: int) -> None:
        if self._progress is not None:
            if self._task is None:
                self._task = self._progress.add_task("evaluating", total=n)
            else:
                self._progress.update(self._task, total=n)

    def advance(self, n: int = 1) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)

    def __call__(self, done: int, total: int) -> None:
        self.total(total)
        if self._progress is not None:
            self._progress.update(self._task, completed=done)


@contextmanager
def _progress(show: bool) -> Iterator[_Bar]:
    if not show:
        yield _Bar(None)
        return
    with Progress(console=console, transient=True) as progress:
        yield _Bar(progress)


def print_report(report: dict[str, Any], gates: list[GateResult]) -> None:
    for title, key, name in (
        ("per control", "controls", "control"),
        ("per attack kind", "kinds", "kind"),
    ):
        rows = report.get(key) or []
        if rows:
            console.print(_rates(f"{title}", rows, name))
    if report.get("detectors"):
        table = Table(title="detectors")
        for column in ("detector", "n", "AUC", "TPR@1%FPR"):
            table.add_column(column, justify="left" if column == "detector" else "right")
        for d in report["detectors"]:
            table.add_row(d["detector"], str(d["n"]), _f(d["auc"]), _f(d["tpr_at_1pct_fpr"]))
        console.print(table)
    if report.get("latency_ms"):
        total = report["latency_ms"].get("total", {})
        console.print(f"latency per decision: p50 {total.get('p50')} ms, p99 {total.get('p99')} ms")
    _print_scenarios(report.get("scenarios") or {})
    if report.get("agentdojo"):
        table = Table(title="AgentDojo")
        for column in (
            "suite",
            "defense",
            "attack",
            "utility",
            "utility under attack",
            "ASR",
            "approvals",
        ):
            table.add_column(column)
        for r in report["agentdojo"]:
            table.add_row(
                r["suite"],
                r["defense"],
                r["attack"],
                _f(r["utility"]),
                _f(r["utility_under_attack"]),
                _f(r["asr"]),
                str(r.get("approvals_needed", "")),
            )
        console.print(table)
    for g in gates:
        mark = "[green]pass[/]" if g.passed else "[bold red]FAIL[/]"
        console.print(f"{mark} {g.gate.spec} (value {g.value})")


def _rates(title: str, rows: list[dict[str, Any]], name: str) -> Table:
    table = Table(title=title)
    for column in (name, "TPR", "95% CI", "TP/P", "FPR", "95% CI", "FP/N"):
        table.add_column(column, justify="left" if column == name else "right")
    for r in rows:
        table.add_row(
            r[name],
            _f(r["tpr"]),
            _ci(r["tpr_ci"]),
            f"{r['tp']}/{r['positives']}",
            _f(r["fpr"]),
            _ci(r["fpr_ci"]),
            f"{r['fp']}/{r['negatives']}",
        )
    return table


def _print_scenarios(scen: dict[str, Any]) -> None:
    if not scen.get("n"):
        return
    for r in scen["results"]:
        mark = "[green]✓[/]" if r["passed"] else "[red]✗[/]"
        console.print(f"{mark} {r['name']} [dim]({r['file']}:{r['line']})[/]")
        for f in r["failures"]:
            console.print(f"    step {f['step']} (line {f['line']}): {'; '.join(f['problems'])}")
    console.print(f"scenarios: {scen['passed']}/{scen['n']} passed")


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _ci(ci: list[float] | None) -> str:
    return "–" if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def run_tests(
    directory: Annotated[Path, typer.Argument(help="The bundle directory.")],
    as_json: JsonFlag = False,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write JUnit XML here.")] = None,
) -> None:
    """Run the scenario files in the bundle's tests/ folder; exit 1 if any step fails."""
    from vallum.bundle.loader import load_bundle
    from vallum.evals.junit import junit_xml
    from vallum.evals.report import build_report
    from vallum.evals.scenarios import load_scenarios, run_scenarios, scenario_files

    try:
        bundle = load_bundle(directory)
        folder = directory / "tests"
        if not folder.is_dir():
            fail(f"{folder} not found: put scenario files (*.yaml) in the bundle's tests/ folder")
        loaded = [s for f in scenario_files(folder) for s in load_scenarios(f)]
        results: list[ScenarioResult] = run_scenarios(bundle, loaded)
    except VallumError as exc:
        report_error(exc)
    report = build_report(bundle, [], results)
    report = {"bundle": report["bundle"], "scenarios": report["scenarios"]}
    if junit is not None:
        junit.write_text(junit_xml(report, []), encoding="utf-8")
    if as_json:
        print_json(report)
    else:
        _print_scenarios(report["scenarios"])
    if report["scenarios"]["failed"] or not report["scenarios"]["n"]:
        raise typer.Exit(1)


def _legacy(directory: Path, dataset: Path, as_json: bool) -> None:
    from vallum.bundle.loader import load_bundle
    from vallum.evals.dataset import evaluate_rows, read_rows

    bundle = load_bundle(directory)
    rows = list(read_rows(dataset))
    if as_json or not console.is_terminal:
        result = evaluate_rows(bundle, rows)
    else:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("evaluating", total=len(rows))
            result = evaluate_rows(bundle, rows, lambda n: progress.advance(task, n))
    if as_json:
        print_json(result.to_dict())
    else:
        _table(result)


def _table(result: EvalResult) -> None:
    table = Table(title=f"n={result.n}  TPR={result.tpr:.3f}  FPR={result.fpr:.3f}")
    for column in ("source", "label", "n", "flagged", "rate"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for tally in sorted(result.by_source.values(), key=lambda t: (t.source, t.label)):
        rate = tally.flagged / tally.n if tally.n else 0.0
        table.add_row(
            tally.source, str(tally.label), str(tally.n), str(tally.flagged), f"{rate:.3f}"
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)
    app.command("test")(run_tests)


_unused: Callable[..., Any] = json.dumps  # keep json import for callers patching output
