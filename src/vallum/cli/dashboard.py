"""`vallum dashboard hash-password`: a password hash for `dashboard.users` in vallum.yaml."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from vallum.cli.common import fail
from vallum.extras import require_all

dashboard_app = typer.Typer(help="The dashboard served under /ui.", no_args_is_help=True)


@dashboard_app.command("hash-password")
def hash_password_cmd(
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Print an argon2id hash of a password, for `dashboard.users.NAME.password_hash`."""
    require_all("gateway", feature="vallum dashboard")
    from vallum.dashboard.passwords import hash_password

    if stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 12:
        fail("use a password of at least 12 characters")
    typer.echo(hash_password(password))


def register(app: typer.Typer) -> None:
    app.add_typer(dashboard_app, name="dashboard")
