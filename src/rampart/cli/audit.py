"""`rampart audit verify` and `rampart trace`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from rampart.cli.common import DbOption, JsonFlag, fail, print_json, report_error
from rampart.evidence.log import EvidenceLog
from rampart.exceptions import ChainBrokenError, RampartError
from rampart.storage.database import Database

console = Console(highlight=False)
audit_app = typer.Typer(help="Check the evidence log.", no_args_is_help=True)


@audit_app.command()
def verify(db: DbOption = None, as_json: JsonFlag = False) -> None:
    """Verify the hash chain: exit 0 when intact, 1 naming the first bad record."""
    try:
        report = EvidenceLog(Database(db, create=True)).verify()
    except ChainBrokenError as exc:
        if as_json:
            print_json({"ok": False, "seq": exc.seq, "id": exc.record_id, "problem": exc.problem})
            raise typer.Exit(1) from None
        fail(f"evidence chain broken at {exc}")
    except RampartError as exc:
        report_error(exc)
    if as_json:
        print_json({"ok": True, "records": report.records, "head": report.head_hash})
    else:
        console.print(
            f"[green]✓[/] evidence chain intact: {report.records} records, head {report.head_hash[:16]}"
        )


def trace(
    record_id: Annotated[
        str, typer.Argument(help="Evidence id (or a unique prefix of 8+ characters).")
    ],
    db: DbOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Show what influenced a decision."""
    try:
        stored = EvidenceLog(Database(db)).get(record_id)
    except RampartError as exc:
        report_error(exc)
    if stored is None:
        fail(f"no evidence record {record_id!r}")
    record = stored.record
    if as_json:
        print_json({**record, "hash": stored.hash})
        return
    _show_trace(record, stored.hash)


def _show_trace(record: dict[str, Any], digest: str) -> None:
    prompt = record.get("prompt") or {}
    rows = [
        (
            "decision",
            f"{record.get('action')} at {record.get('stage')}  ({record.get('created_at')})",
        ),
        ("evidence", f"{record.get('id')}  #{record.get('seq')}  hash {digest[:16]}"),
        ("principal", record.get("principal")),
        ("session", record.get("session")),
        ("model", record.get("model") or "-"),
        ("prompt", f"{prompt.get('id')} @ {prompt.get('version')}" if prompt else "-"),
        ("bundle", f"{record['bundle']['name']} @ {record['bundle']['version']}"),
        ("source", record.get("source") or (record.get("tool") or {}).get("name") or "-"),
        ("labels before", ", ".join(record.get("session_labels_before", [])) or "-"),
        ("labels after", ", ".join(record.get("labels", [])) or "-"),
    ]
    for key, value in rows:
        console.print(f"[bold]{key:>14}[/]  {value}", soft_wrap=True)
    for det in record.get("detectors", []):
        console.print(
            f"[bold]{'detector':>14}[/]  {det['id']} v{det['version']} score {det['score']}"
        )
    for finding in record.get("findings", []):
        console.print(
            f"[bold]{'finding':>14}[/]  {finding['type']} {finding['score']} ({finding['detector']})"
        )
    for reason in record.get("reasons", []):
        policy = f" policy {reason['policy_id']}" if reason.get("policy_id") else ""
        line = f"{reason['action']} ({reason['mode']}) by {reason['control']}{policy}: {reason['message']}"
        console.print(f"[bold]{'reason':>14}[/]  {line}", soft_wrap=True)
    tool = record.get("tool")
    if tool:
        labels = (
            "; ".join(f"{k}: {', '.join(v)}" for k, v in tool.get("arg_labels", {}).items()) or "-"
        )
        console.print(
            f"[bold]{'tool':>14}[/]  {tool['name']}  argument labels: {labels}", soft_wrap=True
        )
    content = record.get("content", {})
    if "text" in content:
        console.print(
            f"[bold]{'content':>14}[/]  ({content['policy']}) {content['text'][:500]}",
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.command()(trace)
