"""`vallum dashboard hash-password`: an argon2id hash for `dashboard.users` in vallum.yaml."""

from __future__ import annotations

from typer.testing import CliRunner

from vallum.bundle.dashboard import DashboardUser
from vallum.cli.main import app
from vallum.dashboard.passwords import verify_password

runner = CliRunner()


def test_hash_password_prints_a_hash_the_bundle_accepts() -> None:
    """The printed hash verifies the password and passes the bundle's validation."""
    result = runner.invoke(
        app, ["dashboard", "hash-password", "--stdin"], input="a-long-password\n"
    )
    stored = result.stdout.strip()
    user = DashboardUser(principal="user:fiona", password_hash=stored)
    assert (0, True) == (result.exit_code, verify_password("a-long-password", user.password_hash))


def test_hash_password_refuses_a_short_password() -> None:
    """Fewer than 12 characters is refused, and nothing is printed as a hash."""
    result = runner.invoke(app, ["dashboard", "hash-password", "--stdin"], input="short\n")
    assert (1, False) == (result.exit_code, "$argon2id$" in result.stdout)
