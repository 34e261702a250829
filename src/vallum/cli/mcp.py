"""`vallum mcp run | serve | pins | approve | scan`: the MCP proxy and its tool pins.

vallum mcp run policies/ --name files -- npx -y @modelcontextprotocol/server-filesystem ~/
vallum mcp serve policies/ --name web --upstream http://127.0.0.1:9000/mcp --port 8765
vallum mcp pins --server files
vallum mcp approve files read_file --as user:ann
vallum mcp scan --format sarif
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from vallum.cli.common import DbOption, JsonFlag, fail, print_json, report_error
from vallum.exceptions import VallumError
from vallum.extras import require_all
from vallum.model import Principal

mcp_app = typer.Typer(
    help="The MCP proxy: enforce the bundle on MCP servers, pin their tools, scan configs.",
    no_args_is_help=True,
)

BundleArg = Annotated[Path, typer.Argument(help="The policy bundle directory.")]
NameOption = Annotated[
    str, typer.Option("--name", help="The server's name (its `mcp.servers` entry and its pins).")
]
PrincipalOption = Annotated[
    str, typer.Option(help="Who the client acts as, KIND:ID.", envvar="VALLUM_MCP_PRINCIPAL")
]
SessionOption = Annotated[
    str | None,
    typer.Option(
        help="Session shared by the servers of one client (default: one per client process)."
    ),
]


class Disclose(enum.StrEnum):
    MINIMAL = "minimal"
    REASONS = "reasons"
    FULL = "full"


DiscloseOption = Annotated[
    Disclose, typer.Option(help="How much a refused call tells the client about why.")
]


@mcp_app.command()
def run(
    bundle: BundleArg,
    command: Annotated[list[str], typer.Argument(help="The server's command, after `--`.")],
    name: NameOption,
    principal: PrincipalOption = "agent:mcp",
    session: SessionOption = None,
    disclose: DiscloseOption = Disclose.REASONS,
    db: DbOption = None,
) -> None:
    """Wrap a stdio MCP server: clients start this command in its place."""
    import anyio

    from vallum.mcp.build import build_gate, default_session
    from vallum.mcp.server import fixed_caller, run_stdio

    require_all("mcp", feature="vallum mcp run")
    try:
        gate = build_gate(bundle, name, database_url=db, disclose=disclose.value)
        caller = fixed_caller(Principal.parse(principal), session or default_session())
    except VallumError as exc:
        report_error(exc)
    if not command:
        fail("give the server's command after `--`")
    anyio.run(run_stdio, gate, command, caller)


@mcp_app.command()
def serve(
    bundle: BundleArg,
    name: NameOption,
    upstream: Annotated[str, typer.Option(help="The Streamable HTTP server's URL (…/mcp).")],
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (clients use /mcp).")] = 8765,
    principal: PrincipalOption = "agent:mcp",
    session: SessionOption = None,
    disclose: DiscloseOption = Disclose.REASONS,
    db: DbOption = None,
) -> None:
    """Front a Streamable HTTP MCP server: clients connect to http://HOST:PORT/mcp."""
    import anyio

    from vallum.ids import new_id
    from vallum.mcp.build import build_gate
    from vallum.mcp.server import fixed_caller, serve_http

    require_all("mcp", feature="vallum mcp serve")
    try:
        gate = build_gate(bundle, name, database_url=db, disclose=disclose.value)
        who = Principal.parse(principal)
    except VallumError as exc:
        report_error(exc)
    # One session for the whole proxy unless named: an HTTP request does not say reliably which
    # client sent it, and sharing labels between clients only ever blocks more, never less.
    caller = fixed_caller(who, session or f"mcp-serve-{name}-{new_id()}")
    anyio.run(lambda: serve_http(gate, upstream, caller, host=host, port=port))


@mcp_app.command()
def pins(
    server: Annotated[str | None, typer.Option(help="Only this server's tools.")] = None,
    db: DbOption = None,
    as_json: JsonFlag = False,
) -> None:
    """List pinned tools: approved, quarantined, and why."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from vallum.mcp.pins import PinStore
    from vallum.storage.database import Database

    try:
        found = PinStore(Database(db)).list(server)
    except VallumError as exc:
        report_error(exc)
    if as_json:
        print_json({"pins": [p.to_dict() for p in found]})
        return
    table = Table("server", "tool", "status", "version", "reason")
    for p in found:
        status = "approved" if p.delivered else "quarantined"
        table.add_row(escape(p.server), escape(p.tool), status, p.seen_hash[:12], escape(p.reason))
    Console(highlight=False).print(table)


@mcp_app.command()
def approve(
    server: Annotated[str, typer.Argument(help="The server's name.")],
    tools: Annotated[list[str], typer.Argument(help="The tools to approve, as last seen.")],
    approver: Annotated[str, typer.Option("--as", help="Who approves, KIND:ID (kept).")],
    version: Annotated[
        str | None,
        typer.Option(help="The version reviewed (8+ hex of `pins`): refused if it changed."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Accept a quarantined tool in the version last seen (review it with `pins --json`)."""
    from vallum.mcp.pins import PinStore
    from vallum.storage.database import Database

    try:
        Principal.parse(approver)
        store = PinStore(Database(db))
        for tool in tools:
            pin = store.approve(server, tool, by=approver, expected_hash=version)
            typer.echo(f"approved {server}.{tool} at version {pin.seen_hash[:12]}")
    except VallumError as exc:
        report_error(exc)


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"


@mcp_app.command()
def scan(
    configs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Config files (default: Claude Desktop, Claude Code, Cursor, VS Code)."
        ),
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="table, json or sarif.")] = (
        Format.TABLE
    ),
    bundle: Annotated[
        Path | None, typer.Option(help="A bundle whose `mcp.servers` say which are trusted.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds each server may take to list.")] = 20.0,
    db: DbOption = None,
) -> None:
    """Scan MCP client configs offline: poisoned tools, changed pins, toxic flows (exit 1)."""
    import anyio

    from vallum.bundle.loader import load_bundle
    from vallum.mcp import report as render
    from vallum.mcp.configs import default_paths
    from vallum.mcp.pins import PinStore
    from vallum.mcp.scan import scan as run_scan
    from vallum.storage.database import DEFAULT_DB_PATH, Database

    require_all("mcp", feature="vallum mcp scan")
    paths = list(configs) if configs else [p for p in default_paths() if p.is_file()]
    try:
        mcp_config = load_bundle(bundle).config.mcp if bundle is not None else None
        pins = PinStore(Database(db)) if db or DEFAULT_DB_PATH.is_file() else None
    except VallumError as exc:
        report_error(exc)
    found = anyio.run(lambda: run_scan(paths, timeout_s=timeout, pins=pins, bundle=mcp_config))
    if output is Format.JSON:
        typer.echo(render.to_json(found))
    elif output is Format.SARIF:
        typer.echo(render.to_sarif(found))
    else:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        console = Console(highlight=False)
        scanned = sum(1 for s in found.servers if s.error is None)
        console.print(f"{len(found.configs)} config(s), {scanned} server(s) scanned")
        table = Table("severity", "rule", "where", "config", "finding")
        for row in render.rows(found):
            table.add_row(*(escape(cell) for cell in row))
        console.print(table)
    if found.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(mcp_app, name="mcp")
