"""`vallum serve`, `vallum mock-model` and `vallum keys create|list|revoke`."""

from __future__ import annotations

import enum
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vallum.cli.common import DbOption, fail, report_error
from vallum.exceptions import InputError, VallumError
from vallum.extras import require_all
from vallum.model import Principal

if TYPE_CHECKING:
    from vallum.gateway.upstream import UpstreamClientKind

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_MOCK_PORT = 8081
DRAIN_TIMEOUT_S = 30


class UpstreamClient(enum.Enum):
    HTTPX = "httpx"
    LEAN = "lean"


keys_app = typer.Typer(help="Vallum API keys for the gateway.", no_args_is_help=True)


def serve(
    directory: Annotated[
        Path | None,
        typer.Argument(help="The policy bundle directory (or --active instead)."),
    ] = None,
    active: Annotated[
        bool,
        typer.Option(
            "--active",
            help="Serve the policy store's active version and follow `vallum policy "
            "activate|rollback` (every replica within seconds) instead of a directory.",
        ),
    ] = False,
    poll_interval: Annotated[
        float,
        typer.Option(help="With --active: seconds between looks at the policy store.", min=0.1),
    ] = 2.0,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    upstream: Annotated[
        str | None,
        typer.Option(
            help="An OpenAI-compatible base URL for every model (e.g. http://127.0.0.1:8000/v1)."
        ),
    ] = None,
    upstream_key_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the --upstream API key.")
    ] = None,
    mock: Annotated[
        bool, typer.Option("--mock", help="Answer every model with the built-in mock model.")
    ] = False,
    db: DbOption = None,
    log_level: Annotated[
        str, typer.Option(help="uvicorn log level (info logs each request).")
    ] = "info",
    upstream_client: Annotated[
        UpstreamClient,
        typer.Option(
            envvar="VALLUM_UPSTREAM_CLIENT",
            help="How plain-HTTP upstreams are called: httpx, or the lean transport.",
        ),
    ] = UpstreamClient.LEAN,
) -> None:
    """Run the gateway: OpenAI- and Anthropic-compatible, enforcing the bundle on every call."""
    require_all("gateway", feature="vallum serve")
    import uvicorn

    from vallum.gateway import GatewayOptions, create_app
    from vallum.gateway.app import freeze_heap

    if upstream and mock:
        fail("give --upstream URL or --mock, not both")
    if (directory is None) == (not active):
        fail("give a bundle DIRECTORY, or --active to serve the policy store's active version")
    client: UpstreamClientKind = "lean" if upstream_client is UpstreamClient.LEAN else "httpx"
    options = GatewayOptions(
        directory, db, upstream, upstream_key_env, mock, upstream_client=client,
        active=active, poll_interval_s=poll_interval,
    )  # fmt: skip
    try:
        app = create_app(options)
    except VallumError as exc:
        report_error(exc)
    freeze_heap()  # what the app holds for its life: out of every full collection's walk
    from vallum.telemetry.access import configure_json_logging

    # One JSON object per line: the access log (`vallum.access`, one per request, naming the
    # action taken and the evidence ids) replaces uvicorn's, which logs a blocked answer as 200.
    configure_json_logging(log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per upstream call is noise
    uvicorn.run(
        app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=DRAIN_TIMEOUT_S,
        log_config=None, access_log=False,
        http="httptools", server_header=False,  # no "server: uvicorn" banner
        # Forwarded headers are believed only from `dashboard.trusted_proxies`, not from
        # whatever uvicorn trusts by default (localhost, or FORWARDED_ALLOW_IPS).
        proxy_headers=False,
    )  # fmt: skip


def mock_model(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_MOCK_PORT,
) -> None:
    """Run the deterministic mock model alone (OpenAI-compatible and Anthropic Messages)."""
    require_all("gateway", feature="vallum mock-model")
    import uvicorn

    from vallum.gateway.mock_model import create_mock_app

    uvicorn.run(create_mock_app(), host=host, port=port, log_level="warning")


@keys_app.command("create")
def create_key(
    principal: Annotated[str, typer.Option(help="Who the key acts as: KIND:ID, e.g. app:web.")],
    name: Annotated[str, typer.Option(help="A label to recognise the key by.")] = "",
    db: DbOption = None,
) -> None:
    """Create an API key and print it once; only its hash is stored."""
    require_all("gateway", feature="vallum keys")
    from vallum.gateway.auth import create_api_key
    from vallum.storage.database import Database

    try:
        who = Principal.parse(principal)
        key = create_api_key(Database(db), who, name=name)
    except InputError as exc:
        fail(str(exc))
    except VallumError as exc:
        report_error(exc)
    typer.echo(key)
    typer.echo(f"API key for {who} created. It is shown only once: store it now.", err=True)


@keys_app.command("list")
def list_keys(
    all_keys: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    db: DbOption = None,
) -> None:
    """List API keys by id and prefix (the keys themselves are never stored)."""
    require_all("gateway", feature="vallum keys")
    from vallum.gateway.keys import list_api_keys
    from vallum.storage.database import Database

    try:
        keys = list_api_keys(Database(db), include_revoked=all_keys)
    except VallumError as exc:
        report_error(exc)
    for k in keys:
        state = "revoked" if k.revoked else "active"
        typer.echo(f"{k.id}  {k.prefix}  {k.principal}  {state}  {k.created_at}  {k.name}")
    if not keys:
        typer.echo("no API keys", err=True)


@keys_app.command("revoke")
def revoke_key(
    key: Annotated[str, typer.Argument(help="The key's id or prefix, as `keys list` shows.")],
    db: DbOption = None,
) -> None:
    """Revoke an API key; running gateways refuse it within 30 seconds."""
    require_all("gateway", feature="vallum keys")
    from vallum.gateway.auth import CACHE_TTL_S
    from vallum.gateway.keys import revoke_api_key
    from vallum.storage.database import Database

    try:
        info = revoke_api_key(Database(db), key)
    except InputError as exc:
        fail(str(exc))
    except VallumError as exc:
        report_error(exc)
    typer.echo(
        f"revoked {info.prefix} ({info.principal}); running gateways refuse it within "
        f"{CACHE_TTL_S:.0f} s"
    )


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command("mock-model")(mock_model)
    app.add_typer(keys_app, name="keys")
