"""Helpers shared by the CLI commands: error reporting and option types."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from vallum.exceptions import BundleValidationError, VallumError

if TYPE_CHECKING:
    from rich.console import Console

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: VALLUM_DATABASE_URL or .vallum/vallum.db)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def err_console() -> Console:
    """Standard error, through rich (imported on the first error, not at start-up)."""
    from rich.console import Console

    return Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err_console().print(
        f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True
    )
    raise typer.Exit(code)


def report_error(exc: VallumError) -> NoReturn:
    from rich.markup import escape

    if isinstance(exc, BundleValidationError):
        for issue in exc.issues:
            err_console().print(f"[red]✗[/] {escape(str(issue))}", highlight=False, soft_wrap=True)
        fail(f"bundle is invalid ({len(exc.issues)} problem(s))")
    fail(escape(str(exc)))  # messages quote values: `[...]` in them is text, not markup


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")
