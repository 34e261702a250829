"""`vallum init` and `vallum validate`."""

from __future__ import annotations

import shutil
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vallum.cli.common import fail, report_error
from vallum.exceptions import VallumError

if TYPE_CHECKING:
    from rich.console import Console


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def init(
    directory: Annotated[Path, typer.Argument(help="Where to create the example bundle.")],
    force: Annotated[
        bool, typer.Option("--force", help="Write into a non-empty directory.")
    ] = False,
) -> None:
    """Scaffold a commented example bundle for a customer-support agent."""
    if directory.exists() and any(directory.iterdir()) and not force:
        fail(f"{directory} is not empty (use --force to write into it)")
    with as_file(files("vallum.bundle").joinpath("example")) as source:
        shutil.copytree(
            source, directory, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
        )
    _console().print(f"Created an example bundle in {directory}. Next: vallum validate {directory}")


def validate(directory: Annotated[Path, typer.Argument(help="The bundle directory.")]) -> None:
    """Check the bundle: YAML schema, Cedar syntax and schema, detector ids, references."""
    from rich.markup import escape

    from vallum.bundle.loader import load_bundle, validate_bundle

    console = _console()
    try:
        issues = validate_bundle(directory)
    except VallumError as exc:
        report_error(exc)
    if issues:
        for issue in issues:
            console.print(f"[red]✗[/] {escape(str(issue))}", soft_wrap=True)
        raise typer.Exit(1)
    bundle = load_bundle(directory)
    console.print(
        f"[green]✓[/] {bundle.name} is valid: version {bundle.version}, "
        f"{len(bundle.policies)} policies, {len(bundle.controls)} controls"
        + (f", {len(bundle.threats.threats)} threats" if bundle.threats else "")
    )


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(validate)
