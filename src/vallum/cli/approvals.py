"""`vallum approvals list | show | approve | deny`: decide held actions from the shell.

`--as KIND:ID` names the approver; its roles come from `approvals.approvers` in the bundle
(`--bundle`, default the current directory). Whoever runs these commands can reach the database
already, so `--as` is an assertion recorded in evidence, not an authentication: give people the
dashboard or the HTTP API, which authenticate them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vallum.approvals.model import Approval, Status
from vallum.cli.common import DbOption, JsonFlag, fail, print_json, report_error
from vallum.exceptions import VallumError
from vallum.model import Principal

if TYPE_CHECKING:
    from vallum.approvals.store import ApprovalStore

console = Console(highlight=False)
approvals_app = typer.Typer(help="Decide actions held for a human.", no_args_is_help=True)

BundleOption = Annotated[
    Path, typer.Option("--bundle", help="The policy bundle whose approvers and roles apply.")
]
AsOption = Annotated[str, typer.Option("--as", help="The approver, KIND:ID (e.g. user:fiona).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why, kept in evidence.")]


def _store(db: str | None) -> ApprovalStore:
    from vallum.approvals.store import ApprovalStore
    from vallum.storage.database import Database

    store = ApprovalStore(Database(db))
    store.expire_due()
    return store


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


@approvals_app.command("list")
def list_approvals(
    status: Annotated[Status | None, typer.Option(help="Only approvals in this state.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
    db: DbOption = None,
    as_json: JsonFlag = False,
) -> None:
    """List approvals, newest first (expired ones are marked as such first)."""
    try:
        found = _store(db).list(status=status, limit=limit)
    except VallumError as exc:
        report_error(exc)
    if as_json:
        print_json({"approvals": [a.to_dict() for a in found]})
        return
    table = Table("id", "status", "principal", "tool", "arguments", "roles", "expires")
    for a in found:
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(a.arguments.items()))
        table.add_row(
            a.id[:8], a.status.value, escape(a.principal), escape(a.tool), escape(args),
            escape(" | ".join(a.roles)), _when(a.expires_at),
        )  # fmt: skip
    console.print(table)


@approvals_app.command()
def show(
    approval_id: Annotated[str, typer.Argument(help="Approval id (or a unique 8+ prefix).")],
    db: DbOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Show one approval: the exact call, why it was held, who may decide, where it stands."""
    try:
        found = _store(db).get(approval_id)
    except VallumError as exc:
        report_error(exc)
    if found is None:
        fail(f"no approval {approval_id!r}")
    if as_json:
        print_json(found.to_dict())
        return
    _print(found)


def _print(a: Approval) -> None:
    rows = [
        ("approval", f"{a.id}  {a.status.value}"),
        ("principal", a.principal),
        ("session", a.session),
        ("tool", a.tool),
        ("arguments", ", ".join(f"{k}={v!r}" for k, v in sorted(a.arguments.items()))),
        ("action hash", a.action_hash),
        ("rules", "; ".join(f"{r.id}: one of {', '.join(r.roles)}" for r in a.rules)),
        ("decision", a.decision_id),
        ("requested", _when(a.created_at)),
        ("expires", _when(a.expires_at)),
        ("decided", f"{a.decided_by} at {_when(a.decided_at)}" if a.decided_by else "-"),
        ("note", a.note or "-"),
        ("used", f"{_when(a.used_at)} by decision {a.used_by}" if a.used_at else "-"),
    ]
    for reason in a.reasons:
        rows.append(("reason", reason))
    for key, value in rows:
        console.print(f"[bold]{key:>12}[/]  {escape(str(value))}", soft_wrap=True)


def _decide(
    approval_id: str, who: str, reason: str, bundle: Path, db: str | None, approve: bool
) -> None:
    from vallum.approvals.service import ApprovalService
    from vallum.bundle.loader import load_bundle
    from vallum.storage.database import Database

    try:
        approver = Principal.parse(who)
        service = ApprovalService.open(load_bundle(bundle), Database(db), notify=False)
        decided = service.decide(approval_id, approver=str(approver), approve=approve, note=reason)
    except VallumError as exc:
        report_error(exc)
    console.print(f"approval {decided.id} {decided.status.value} by {escape(str(approver))}")


@approvals_app.command()
def approve(
    approval_id: Annotated[str, typer.Argument(help="Approval id (or a unique 8+ prefix).")],
    who: AsOption,
    reason: ReasonOption = "",
    bundle: BundleOption = Path("."),
    db: DbOption = None,
) -> None:
    """Approve a held action: that exact call may then run once."""
    _decide(approval_id, who, reason, bundle, db, approve=True)


@approvals_app.command()
def deny(
    approval_id: Annotated[str, typer.Argument(help="Approval id (or a unique 8+ prefix).")],
    who: AsOption,
    reason: ReasonOption = "",
    bundle: BundleOption = Path("."),
    db: DbOption = None,
) -> None:
    """Deny a held action."""
    _decide(approval_id, who, reason, bundle, db, approve=False)


def register(app: typer.Typer) -> None:
    app.add_typer(approvals_app, name="approvals")
