"""`vallum audit verify`, `vallum audit head` and `vallum trace`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from vallum.cli.common import DbOption, JsonFlag, fail, print_json, report_error
from vallum.exceptions import ChainBrokenError, VallumError

if TYPE_CHECKING:
    from rich.console import Console

    from vallum.evidence.log import VerifyReport


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


audit_app = typer.Typer(help="Check the evidence log.", no_args_is_help=True)


ExpectHead = Annotated[
    str | None,
    typer.Option(
        "--expect-head",
        metavar="SEQ:HASH",
        help="A head printed earlier by `vallum audit head`: it must still be in the chain.",
    ),
]


def _verified(db: str | None, expect: str | None, as_json: bool) -> VerifyReport:
    """The verified log, or exit 1 saying why (a missing table or head row is a failure: a
    log that was never created and one whose tables were dropped look alike)."""
    from vallum.evidence.integrity import Head
    from vallum.evidence.log import EvidenceLog
    from vallum.storage.database import Database

    try:
        expect_head = Head.parse(expect) if expect is not None else None
    except ValueError as exc:
        fail(f"--expect-head: {exc}")
    try:
        return EvidenceLog(Database(db, create=False)).verify(expect_head)
    except ChainBrokenError as exc:
        if as_json:
            print_json({"ok": False, "seq": exc.seq, "id": exc.record_id, "problem": exc.problem})
            raise typer.Exit(1) from None
        fail(f"evidence chain broken at {exc}")
    except VallumError as exc:
        if as_json:
            print_json({"ok": False, "seq": None, "id": None, "problem": str(exc)})
            raise typer.Exit(1) from None
        report_error(exc)


@audit_app.command()
def verify(db: DbOption = None, expect_head: ExpectHead = None, as_json: JsonFlag = False) -> None:
    """Verify the hash chain: exit 0 when intact, 1 naming the first bad record or the sign
    that records were removed."""
    report = _verified(db, expect_head, as_json)
    if as_json:
        print_json({"ok": True, "records": report.records, "head": report.head_hash})
    else:
        _console().print(
            f"[green]✓[/] evidence chain intact: {report.records} records, head {report.head_hash[:16]}"
        )


@audit_app.command()
def head(db: DbOption = None, as_json: JsonFlag = False) -> None:
    """Verify the chain, then print its head as SEQ:HASH, to keep outside this database and
    check later with `vallum audit verify --expect-head SEQ:HASH`."""
    report = _verified(db, None, as_json)
    text = f"{report.records}:{report.head_hash}"
    if as_json:
        print_json({"ok": True, "head": text})
    else:
        typer.echo(text)


def trace(
    record_id: Annotated[
        str, typer.Argument(help="Evidence id (or a unique prefix of 8+ characters).")
    ],
    db: DbOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Show what influenced a decision."""
    from vallum.evidence.log import EvidenceLog
    from vallum.storage.database import Database

    try:
        stored = EvidenceLog(Database(db)).get(record_id)
    except VallumError as exc:
        report_error(exc)
    if stored is None:
        fail(f"no evidence record {record_id!r}")
    record = stored.record
    if as_json:
        print_json({**record, "hash": stored.hash})
        return
    _show_trace(record, stored.hash)


def _show_trace(record: dict[str, Any], digest: str) -> None:
    from rich.markup import escape

    from vallum.evidence.trace import trace_rows

    console = _console()
    for key, value in trace_rows(record, digest):
        console.print(f"[bold]{key:>14}[/]  {escape(value)}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.command()(trace)
