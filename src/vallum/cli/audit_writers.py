"""`vallum audit checkpoint-writers | verify-writers`: many writers, a log each, one signed note
over every writer's head (`vallum.evidence.writers`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vallum.cli.audit_log import (
    SigningKeyOption,
    VerifierKeyOption,
    checkpoint_texts,
    open_log,
    verifier_key,
)
from vallum.cli.common import fail, report_error
from vallum.exceptions import VallumError

if TYPE_CHECKING:
    from vallum.evidence.log import EvidenceLog

WriterOption = Annotated[
    list[str],
    typer.Option(
        "--writer",
        help="WRITER=DATABASE_URL, once per writer (each writer's own log: a schema or a file).",
    ),
]


def _logs(writers: list[str], *, create: bool) -> dict[str, EvidenceLog]:
    logs = {}
    for item in writers:
        name, sep, url = item.partition("=")
        if not sep or not name or not url:
            fail(f"--writer {item!r}: expected WRITER=DATABASE_URL")
        if name in logs:
            fail(f"--writer {name!r} given twice")
        logs[name] = open_log(url, create=create)
    if not logs:
        fail("give each writer as --writer WRITER=DATABASE_URL")
    return logs


def checkpoint_writers(
    writer: WriterOption,
    key: SigningKeyOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write it to this file (replaced).")
    ] = None,
) -> None:
    """Sign one checkpoint over every writer's tree head (size, root) now and print it."""
    from vallum.evidence.keys import load_signing_key
    from vallum.evidence.writers import checkpoint_logs

    try:
        signing = load_signing_key(key)
        note = checkpoint_logs(signing.name, _logs(writer, create=True), signing)
        if out is not None:
            out.write_text(note, encoding="utf-8")
    except VallumError as exc:
        report_error(exc)
    except OSError as exc:
        fail(f"cannot write {out}: {exc}")
    sys.stdout.write(note)


def verify_writers(
    writer: WriterOption,
    checkpoint: Annotated[
        list[Path],
        typer.Option("--checkpoint", help="A many-writer checkpoint file (repeat, oldest first)."),
    ],
    key: VerifierKeyOption = None,
) -> None:
    """Verify each writer's log against its head in every checkpoint: exit 1 naming the writer
    and the problem (tampered, rewound, a writer gone or withheld)."""
    from vallum.evidence.heads import open_heads
    from vallum.evidence.writers import verify_writers as check

    try:
        public = verifier_key(key)
        notes = [
            open_heads(text, public, source=str(path))
            for path, text in checkpoint_texts(checkpoint)
        ]
        reports = check(_logs(writer, create=False), notes)
    except VallumError as exc:
        report_error(exc)
    for name, report in reports.items():
        typer.echo(
            f"ok: writer {name}: {report.records} records, {report.checkpoints} checkpoint(s)"
        )


def register(app: typer.Typer) -> None:
    app.command("checkpoint-writers")(checkpoint_writers)
    app.command("verify-writers")(verify_writers)
