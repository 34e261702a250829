"""`vallum audit verify`, `vallum audit head` and `vallum trace`."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vallum.cli.common import DbOption, JsonFlag, fail, print_json, report_error
from vallum.exceptions import ChainBrokenError, ConfigError, EvidenceError, VallumError

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


CheckpointFiles = Annotated[
    list[Path] | None,
    typer.Option(
        "--checkpoint",
        help="A signed checkpoint kept outside the database (repeatable): the log must still "
        "be consistent with each.",
    ),
]


def _verified(
    db: str | None,
    expect: str | None,
    as_json: bool,
    checkpoints: list[Path] | None = None,
    key: Path | None = None,
) -> VerifyReport:
    """The verified log, or exit 1 saying why (a missing table or head row is a failure: a
    log that was never created and one whose tables were dropped look alike)."""
    from vallum.cli.audit_log import open_log, read_checkpoints, verifier_key
    from vallum.evidence.integrity import Head

    try:
        expect_head = Head.parse(expect) if expect is not None else None
    except ValueError as exc:
        fail(f"--expect-head: {exc}")
    signed = []
    try:
        if checkpoints:
            signed = read_checkpoints(checkpoints, verifier_key(key))
        log = open_log(db, create=False)
    except VallumError as exc:
        if signed and not isinstance(exc, ConfigError):
            largest = max(cp.size for cp in signed)
            exc = EvidenceError(
                f"{exc}; a checkpoint signed {largest} records: the evidence tables were "
                "dropped or replaced"
            )
        if as_json:
            print_json({"ok": False, "seq": None, "id": None, "problem": str(exc)})
            raise typer.Exit(1) from None
        report_error(exc)
    try:
        return log.verify(expect_head, signed)
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
def verify(
    db: DbOption = None,
    expect_head: ExpectHead = None,
    checkpoint: CheckpointFiles = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="The log's verifier key, for --checkpoint (NAME.pub)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify the hash chain and the Merkle tree: exit 0 when intact, 1 naming the first bad
    record or the sign that records were removed or rewritten (against --checkpoint files)."""
    report = _verified(db, expect_head, as_json, checkpoint, key)
    root = base64.b64encode(report.root).decode()
    if as_json:
        print_json(
            {"ok": True, "records": report.records, "head": report.head_hash, "root": root,
             "checkpoints": report.checkpoints}
        )  # fmt: skip
    else:
        against = f", consistent with {report.checkpoints} checkpoint(s)" if checkpoint else ""
        _console().print(
            f"[green]✓[/] evidence chain intact: {report.records} records, head "
            f"{report.head_hash[:16]}, root {root}{against}"
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


@audit_app.command()
def keygen(
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Key name = the log's origin, a schema-less URL (default: vallum.local/log-RANDOM).",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Signing key file; the verifier key goes to OUT.pub.")
    ] = Path("vallum-log.key"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write an Ed25519 key pair for signed checkpoints: OUT (secret, mode 0600) and OUT.pub
    (give it to whoever verifies)."""
    import secrets

    from vallum.evidence.keys import SigningKey

    pub = out.with_name(out.name + ".pub")
    for path in (out, pub):
        if path.exists() and not force:
            fail(f"{path} exists (pass --force to overwrite)")
    try:
        key = SigningKey.generate(name or f"vallum.local/log-{secrets.token_hex(4)}")
    except VallumError as exc:
        report_error(exc)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key.encode() + "\n")
        pub.write_text(key.verifier.encode() + "\n", encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write the key pair: {exc}")
    typer.echo(f"signing key  {out}  (keep it secret; or set VALLUM_SIGNING_KEY_FILE)")
    typer.echo(f"verifier key {pub}  {key.verifier.encode()}")


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
    from vallum.cli import audit_log, audit_writers

    audit_log.register(audit_app)
    audit_writers.register(audit_app)
    app.add_typer(audit_app, name="audit")
    app.command()(trace)
