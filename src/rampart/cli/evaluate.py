"""`rampart eval DIR --dataset FILE.jsonl`: TPR and FPR of a bundle on labelled data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from rampart.bundle.loader import load_bundle
from rampart.cli.common import JsonFlag, print_json, report_error
from rampart.evals.dataset import EvalResult, evaluate_rows, read_rows
from rampart.exceptions import RampartError

console = Console(highlight=False)


def eval_command(
    directory: Annotated[Path, typer.Argument(help="The bundle directory.")],
    dataset: Annotated[
        Path, typer.Option("--dataset", help="JSONL rows {text, label, stage, source}.")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Run a labelled dataset through the bundle; a row is flagged when the action is not allow."""
    try:
        bundle = load_bundle(directory)
        rows = list(read_rows(dataset))
        if as_json or not console.is_terminal:
            result = evaluate_rows(bundle, rows)
        else:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("evaluating", total=len(rows))
                result = evaluate_rows(bundle, rows, lambda n: progress.advance(task, n))
    except RampartError as exc:
        report_error(exc)
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
