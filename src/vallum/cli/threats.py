"""`vallum threats BUNDLE`: the coverage matrix and its CI gate; `vallum threats init BUNDLE`:
a starting threat model derived from the bundle.

`vallum threats BUNDLE ...` is `vallum threats show BUNDLE ...`: the group runs `show` when
its first argument is not one of its commands (a bundle directory named `init` is `./init`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from vallum.cli.common import DbOption, JsonFlag, fail, print_json, report_error
from vallum.exceptions import VallumError

DEFAULT_COMMAND = "show"


class _DefaultToShow(TyperGroup):
    """A group whose first argument, when not a command name, belongs to `show`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [DEFAULT_COMMAND, *args]
        result: list[str] = super().parse_args(ctx, args)
        return result


threats_app = typer.Typer(
    cls=_DefaultToShow,
    help="Threats and what answers them: coverage, CI gate, starting model.",
    no_args_is_help=True,
)


@threats_app.command(DEFAULT_COMMAND)
def show(
    directory: Annotated[Path, typer.Argument(help="The bundle directory (with threats.yaml).")],
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 1 when a threat has no enforcing control, a control answers no threat, "
            "a reference is missing or a test fails.",
        ),
    ] = False,
    require_evidence: Annotated[
        int | None,
        typer.Option(
            "--require-evidence",
            metavar="DAYS",
            min=1,
            help="With --check: every enforcing control must have acted in the last DAYS days.",
        ),
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, help="Evidence window in days.")] = 30,
    db: DbOption = None,
    no_tests: Annotated[
        bool, typer.Option("--no-tests", help="Do not run scenarios and eval suites.")
    ] = False,
    as_json: JsonFlag = False,
    html: Annotated[Path | None, typer.Option("--html", help="Write an HTML page here.")] = None,
) -> None:
    """Show each threat's controls (enforce or monitor), tests (run now) and evidence."""
    from rich.console import Console

    from vallum.threats.analysis import analyse
    from vallum.threats.render import render_html, render_text

    check = check or require_evidence is not None  # evidence is a --check condition
    try:
        coverage = analyse(
            directory,
            db_url=db,
            days=require_evidence or days,
            run_tests=not no_tests,
            require_evidence=require_evidence is not None,
        )
    except VallumError as exc:
        report_error(exc)
    if html is not None:
        html.write_text(render_html(coverage), encoding="utf-8")
    if as_json:
        print_json(coverage.to_dict())
    else:
        render_text(coverage, Console(highlight=False))
    if check and coverage.problems:
        raise typer.Exit(1)


@threats_app.command("init")
def init(
    directory: Annotated[Path, typer.Argument(help="The bundle directory.")],
    write: Annotated[
        bool, typer.Option("--write", help="Write the starting model to DIR/threats.yaml.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --write: replace an existing threats.yaml.")
    ] = False,
    proposals: Annotated[
        Path | None, typer.Option("--proposals", help="Write the proposed Cedar policies here.")
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="An earlier bundle directory, or the --json of an earlier run: show what the "
            "change opened and closed.",
        ),
    ] = None,
    private_tool: Annotated[
        list[str] | None,
        typer.Option("--private-tool", help="A tool that reads private records (repeatable)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Derive the injection and leakage threats from the bundle, with proposed policies."""
    import json

    from rich.console import Console

    from vallum.bundle.loader import load_bundle
    from vallum.threats.init import derive
    from vallum.threats.starter import diff, proposal_text, starter_yaml, undeclared

    readers = tuple(private_tool or ())
    try:
        # Derived from vallum.yaml and the policies: a threats.yaml out of date is no obstacle.
        bundle = load_bundle(directory, threats=False)
        unknown = [t for t in readers if t not in bundle.config.tools]
        if unknown:
            fail(f"--private-tool: unknown tool(s) {', '.join(unknown)}")
        report = derive(bundle, readers)
        data = report.to_dict()
        before = None
        if against is not None:
            if against.is_dir():
                before = derive(load_bundle(against, threats=False), readers).to_dict()
            else:
                before = json.loads(against.read_text(encoding="utf-8"))
    except VallumError as exc:
        report_error(exc)
    except (OSError, ValueError) as exc:
        fail(f"--against {against}: {exc}")
    changes = diff(before, data) if before is not None else None
    target = directory / "threats.yaml"
    if write:
        if target.exists() and not force:
            fail(f"{target} exists (use --force to replace it, or compare with --against)")
        target.write_text(starter_yaml(report, bundle), encoding="utf-8")
    if proposals is not None:
        proposals.write_text(proposal_text(report), encoding="utf-8")
    if as_json:
        print_json({**data, "changes": changes, "undeclared": undeclared(report, bundle)})
        return
    from vallum.threats.render import render_init

    render_init(report, changes, undeclared(report, bundle), Console(highlight=False))
    if write:
        Console(highlight=False).print(f"Wrote {target}. Next: vallum threats {directory} --check")


def register(app: typer.Typer) -> None:
    app.add_typer(threats_app, name="threats")
