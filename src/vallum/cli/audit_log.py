"""`vallum audit checkpoint | prove | export | erase`: the Merkle tree's commands."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from vallum.cli.common import DbOption, JsonFlag, fail, print_json, report_error
from vallum.exceptions import VallumError

if TYPE_CHECKING:
    from vallum.evidence.checkpoint import Checkpoint
    from vallum.evidence.keys import VerifierKey
    from vallum.evidence.log import EvidenceLog

SigningKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help="Signing key file (default: VALLUM_SIGNING_KEY or VALLUM_SIGNING_KEY_FILE).",
    ),
]
VerifierKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help="The log's verifier key (NAME.pub from `vallum audit keygen`; default: the public "
        "half of VALLUM_SIGNING_KEY / VALLUM_SIGNING_KEY_FILE).",
    ),
]


def open_log(db: str | None, *, create: bool = True) -> EvidenceLog:
    from vallum.evidence.log import EvidenceLog
    from vallum.storage.database import Database

    return EvidenceLog(Database(db, create=create))


def verifier_key(path: Path | None) -> VerifierKey:
    from vallum.evidence.keys import load_signing_key, load_verifier_key

    if path is not None:
        return load_verifier_key(path)
    return load_signing_key(None).verifier


def checkpoint_texts(paths: list[Path]) -> list[tuple[Path, str]]:
    """Each checkpoint file with its text; an unreadable one ends the command naming it."""
    out = []
    for path in paths:
        try:
            out.append((path, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read checkpoint {path}: {exc}")
    return out


def read_checkpoints(paths: list[Path], key: VerifierKey) -> list[Checkpoint]:
    from vallum.evidence.checkpoint import open_checkpoint

    return [open_checkpoint(text, key, source=str(path)) for path, text in checkpoint_texts(paths)]


def checkpoint(
    db: DbOption = None,
    key: SigningKeyOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write it to this file (replaced).")
    ] = None,
) -> None:
    """Sign a checkpoint of the log now (C2SP signed note: origin, size, root) and print it.
    Keep copies outside the database: `vallum audit verify --checkpoint FILE` checks the log
    against them later."""
    from vallum.evidence.keys import load_signing_key
    from vallum.evidence.proofs import checkpoint as make

    try:
        cp = make(open_log(db), load_signing_key(key))
        if out is not None:
            out.write_text(cp.text, encoding="utf-8")
    except VallumError as exc:
        report_error(exc)
    except OSError as exc:
        fail(f"cannot write {out}: {exc}")
    sys.stdout.write(cp.text)


def prove(
    record_id: Annotated[str, typer.Argument(help="Evidence id (or a unique 8+ char prefix).")],
    db: DbOption = None,
    against: Annotated[
        Path | None,
        typer.Option("--checkpoint", help="Prove against this checkpoint (default: sign one now)."),
    ] = None,
    key: SigningKeyOption = None,
    verifier: Annotated[
        Path | None, typer.Option("--verifier-key", help="Verifier key for --checkpoint.")
    ] = None,
) -> None:
    """Print an inclusion proof of one record against a signed checkpoint, as JSON (checked
    here before it is printed)."""
    from vallum.evidence.keys import load_signing_key
    from vallum.evidence.proofs import checkpoint as make
    from vallum.evidence.proofs import inclusion

    try:
        log = open_log(db)
        if against is not None:
            cp = read_checkpoints([against], verifier_key(verifier))[0]
        else:
            cp = make(log, load_signing_key(key))
        proof = inclusion(log, record_id, cp.size)
    except VallumError as exc:
        report_error(exc)
    if not proof.verify(cp.root):
        fail(f"record #{proof.seq} does not prove against {cp}: run `vallum audit verify`")
    print_json(
        {
            "id": proof.id,
            "index": proof.seq - 1,
            "tree_size": proof.size,
            "leaf_hash": base64.b64encode(proof.leaf).decode(),
            "proof": [base64.b64encode(p).decode() for p in proof.proof],
            "record": proof.record,
            "checkpoint": cp.text,
        }
    )


def export(
    db: DbOption = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Records from this long ago (30m, 24h, 7d) or an ISO time."),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="jsonl (one record per line), or otel: OpenTelemetry log records sent over "
            "OTLP to OTEL_EXPORTER_OTLP_ENDPOINT (vallum[otel]).",
        ),
    ] = "jsonl",
    against: Annotated[
        Path | None,
        typer.Option("--checkpoint", help="Add inclusion proofs against this checkpoint."),
    ] = None,
    key: VerifierKeyOption = None,
) -> None:
    """Export records as JSON lines with their leaf index, for a SIEM or an auditor
    (`python -m vallum.evidence.verify_export` checks them against checkpoints)."""
    from vallum.evidence.export import export_lines

    if fmt not in ("jsonl", "otel"):
        fail(f"--format {fmt!r}: jsonl or otel")
    try:
        cutoff = _cutoff(since)
        cp = read_checkpoints([against], verifier_key(key))[0] if against else None
        lines = export_lines(open_log(db), since=cutoff, checkpoint=cp)
        if fmt == "otel":
            _to_otel(lines)
            return
        write = sys.stdout.write
        for line in lines:
            write(json.dumps(line, ensure_ascii=False) + "\n")
    except VallumError as exc:
        report_error(exc)


def _to_otel(lines: Iterator[dict[str, Any]]) -> None:
    from vallum.evidence.otel_logs import emit, provider_from_env

    provider, delivery = provider_from_env()
    try:
        count = emit(lines, provider)
    finally:
        provider.shutdown()  # flushes what is queued
    if delivery.sent != count:
        fail(
            f"{count} evidence records read, {delivery.sent} delivered to the OTLP endpoint "
            f"({delivery.failed} refused or unreachable)"
        )
    typer.echo(f"{count} evidence records sent as OpenTelemetry log records", err=True)


def _cutoff(since: str | None) -> str | None:
    from datetime import UTC, datetime

    from vallum.bundle.schema import parse_duration

    if since is None:
        return None
    try:
        return (datetime.now(UTC) - parse_duration(since)).isoformat("T", "microseconds")
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(since)
    except ValueError:
        fail(f"--since {since!r}: a duration (30m, 24h, 7d) or an ISO 8601 time")
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat("T", "microseconds")


def erase(
    record_id: Annotated[str, typer.Argument(help="Evidence id (or a unique 8+ char prefix).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the log).")],
    by: Annotated[str, typer.Option("--by", help="Who erases (recorded).")] = "cli",
    db: DbOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Delete a record's kept content and tool arguments; the erasure is itself a record, and
    the chain, the tree, checkpoints and proofs all stay valid."""
    from vallum.evidence.proofs import erase as do_erase

    try:
        stored = do_erase(open_log(db), record_id, reason=reason, by=by)
    except VallumError as exc:
        report_error(exc)
    target = stored.record["erased"]
    if as_json:
        print_json({"ok": True, "erased": target, "record": stored.id, "seq": stored.seq})
    else:
        typer.echo(f"erased the content of record #{target['seq']} ({target['id']}); "
                   f"erasure recorded as #{stored.seq}")  # fmt: skip


def witness(
    against: Annotated[Path, typer.Argument(help="The log's new signed checkpoint.")],
    log_key: Annotated[Path, typer.Option("--log-key", help="The log's verifier key (.pub).")],
    key: Annotated[Path, typer.Option("--key", help="This witness's signing key.")],
    state: Annotated[
        Path,
        typer.Option("--state", help="Where this witness keeps the last checkpoint it signed."),
    ],
    db: DbOption = None,
) -> None:
    """Co-sign a checkpoint only if it extends the last one this witness co-signed (checked with
    a consistency proof from the log); print the cosigned checkpoint, or fail naming the fork,
    rollback or rewrite."""
    from vallum.evidence.keys import load_signing_key
    from vallum.evidence.tree_proofs import consistency
    from vallum.evidence.witness import witness as cosign

    try:
        cp = read_checkpoints([against], verifier_key(log_key))[0]
        log = open_log(db, create=False)
        text = cosign(cp, load_signing_key(key), state, lambda old, new: consistency(log, old, new))
    except VallumError as exc:
        report_error(exc)
    except OSError as exc:
        fail(f"cannot keep the witness state in {state}: {exc}")
    sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    for command in (checkpoint, prove, export, erase, witness):
        app.command()(command)
