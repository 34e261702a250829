"""`vallum policy history|activate|rollback|shadow|unshadow|shadow-report` and
`vallum replay --candidate DIR`."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from vallum.cli.common import DbOption, JsonFlag, fail, print_json, report_error
from vallum.exceptions import VallumError

if TYPE_CHECKING:
    from vallum.lifecycle.replay import ReplayReport
    from vallum.lifecycle.store import Activation, PolicyStore

console = Console(highlight=False)
policy_app = typer.Typer(
    help="Bundle versions: history, activate, rollback, shadow.", no_args_is_help=True
)

ByOption = Annotated[
    str | None, typer.Option("--by", help="Who is acting (default: the login name).")
]
NoteOption = Annotated[str, typer.Option("--note", help="Why, for the history.")]


def _store(db: str | None) -> PolicyStore:
    from vallum.lifecycle.store import PolicyStore
    from vallum.storage.database import Database

    return PolicyStore(Database(db))


def _actor(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


@policy_app.command("history")
def history(
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", help="Newest N activations.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Activations, newest first: version, who, when, what was active before."""
    try:
        rows = _store(db).history(limit=limit)
    except VallumError as exc:
        report_error(exc)
    if as_json:
        print_json({"activations": [r.to_dict() for r in rows]})
        return
    table = Table(title="policy history (newest first)")
    for column in ("#", "version", "action", "by", "at", "previous", "note"):
        table.add_column(column)
    for i, r in enumerate(rows):
        version = f"{r.version} (active)" if i == 0 else r.version
        table.add_row(
            str(r.seq), version, r.action, r.activated_by, r.activated_at, r.previous or "", r.note
        )
    console.print(table)


@policy_app.command("activate")
def activate(
    target: Annotated[str, typer.Argument(help="A bundle directory, or a stored VERSION.")],
    db: DbOption = None,
    by: ByOption = None,
    note: NoteOption = "",
    as_json: JsonFlag = False,
) -> None:
    """Validate, store and activate a bundle; `vallum serve --active` replicas switch to it."""
    try:
        row = _store(db).activate(target, by=_actor(by), note=note)
    except VallumError as exc:
        report_error(exc)
    _done(row, as_json)


@policy_app.command("rollback")
def rollback(
    db: DbOption = None, by: ByOption = None, note: NoteOption = "", as_json: JsonFlag = False
) -> None:
    """Activate the version that was active before the current one."""
    try:
        row = _store(db).rollback(by=_actor(by), note=note)
    except VallumError as exc:
        report_error(exc)
    _done(row, as_json)


def _done(row: Activation, as_json: bool) -> None:
    if as_json:
        print_json(row.to_dict())
    else:
        console.print(
            f"[green]✓[/] {row.action}: {row.version} is active "
            f"(was {row.previous or 'nothing'}), by {row.activated_by}\n"
            "  gateways started with `vallum serve --active` on this database serve it within "
            "their poll interval (2 s by default; at once on PostgreSQL); a gateway started "
            "from a directory keeps serving that directory."
        )


@policy_app.command("shadow")
def shadow(
    candidate: Annotated[str, typer.Argument(help="A bundle directory or a stored VERSION.")],
    db: DbOption = None,
    by: ByOption = None,
    note: NoteOption = "",
    as_json: JsonFlag = False,
) -> None:
    """Run a candidate beside the active version on live traffic; record what it would change."""
    try:
        row = _store(db).shadow(candidate, by=_actor(by), note=note)
    except VallumError as exc:
        report_error(exc)
    if as_json:
        print_json(row.to_dict())
        return
    console.print(
        f"[green]✓[/] {row.version} runs in shadow beside {row.previous or 'nothing'} on "
        "`vallum serve --active` replicas; `vallum policy shadow-report` shows what it would change"
    )


@policy_app.command("unshadow")
def unshadow(
    db: DbOption = None, by: ByOption = None, note: NoteOption = "", as_json: JsonFlag = False
) -> None:
    """Stop the candidate running in shadow."""
    try:
        row = _store(db).unshadow(by=_actor(by), note=note)
    except VallumError as exc:
        report_error(exc)
    if as_json:
        print_json(row.to_dict())
    else:
        console.print(f"[green]✓[/] {row.version} no longer runs in shadow")


@policy_app.command("shadow-report")
def shadow_report(
    since: Annotated[
        str | None, typer.Option("--since", help="Only records from this long ago: 30m, 24h, 7d.")
    ] = None,
    db: DbOption = None,
    as_json: JsonFlag = False,
    limit: Annotated[int, typer.Option("--show", help="List at most N differences.")] = 50,
) -> None:
    """What shadow candidates decided on live traffic, and where they differed from the active."""
    from vallum.bundle.schema import parse_duration
    from vallum.evidence.log import EvidenceLog
    from vallum.lifecycle.shadow import shadow_summary
    from vallum.storage.database import Database

    cutoff = None
    if since is not None:
        try:
            cutoff = datetime.now(UTC) - parse_duration(since)
        except ValueError as exc:
            fail(f"--since: {exc}")
    try:
        summary = shadow_summary(EvidenceLog(Database(db)).iter_records(), since=cutoff)
    except VallumError as exc:
        report_error(exc)
    if as_json:
        print_json(summary)
        return
    for version, counts in summary["candidates"].items():
        console.print(
            f"candidate {version}: {counts['compared']} decisions shadowed, "
            f"{counts['differed']} differ from the active version"
        )
    rows = summary["differences"][:limit]
    if rows:
        table = Table(title=f"differences (first {len(rows)})")
        for column in ("shadowed record", "stage", "active", "candidate", "controls"):
            table.add_column(column)
        for d in rows:
            table.add_row(
                d["shadow_of"][:12], d["stage"], d["active_action"], d["action"],
                ", ".join(d["controls"]),
            )  # fmt: skip
        console.print(table)


def replay_command(
    candidate: Annotated[Path, typer.Option("--candidate", help="The candidate bundle directory.")],
    since: Annotated[
        str | None, typer.Option("--since", help="Only records from this long ago: 30m, 24h, 7d.")
    ] = None,
    db: DbOption = None,
    as_json: JsonFlag = False,
    limit: Annotated[int, typer.Option("--show", help="List at most N changes in the table.")] = 50,
) -> None:
    """Replay recorded events through a candidate bundle; list every decision that would change."""
    from vallum.bundle.loader import load_bundle
    from vallum.bundle.schema import parse_duration
    from vallum.evidence.log import EvidenceLog
    from vallum.lifecycle.replay import replay
    from vallum.storage.database import Database

    try:
        bundle = load_bundle(candidate)
        cutoff = None
        if since is not None:
            try:
                cutoff = datetime.now(UTC) - parse_duration(since)
            except ValueError as exc:
                fail(f"--since: {exc}")
        log = EvidenceLog(Database(db))
        if as_json or not console.is_terminal:
            report = replay(log.iter_records(), bundle, since=cutoff)
        else:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("replaying", total=None)
                report = replay(
                    log.iter_records(),
                    bundle,
                    since=cutoff,
                    progress=lambda n: progress.advance(task, n),
                )
    except VallumError as exc:
        report_error(exc)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_replay(report, limit)


def _print_replay(report: ReplayReport, limit: int) -> None:
    console.print(
        f"replayed {report.replayed} decisions through {report.candidate.name} "
        f"{report.candidate.version}: {len(report.changes)} would change "
        f"({report.lossy} replayed from redacted content)"
    )
    for why, n in report.skipped.items():
        console.print(f"  skipped {n}: {why}")
    groups = report.by_control()
    if groups:
        table = Table(title="changes by control")
        for column in ("control", "count", "changes"):
            table.add_column(column)
        for g in groups:
            moves = ", ".join(f"{k} {v}" for k, v in g["changes"].items())
            table.add_row(g["control"], str(g["count"]), moves)
        console.print(table)
    if report.changes:
        table = Table(title=f"changed decisions (first {min(limit, len(report.changes))})")
        for column in ("record", "stage", "tool", "before", "after", "controls", "lossy"):
            table.add_column(column)
        for c in report.changes[:limit]:
            table.add_row(
                c.record_id[:8],
                c.stage,
                c.tool or "",
                c.before,
                c.after,
                ", ".join(c.controls),
                "yes" if c.lossy else "",
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
    app.command("replay")(replay_command)
