"""The `vallum` command line. Each area registers its commands from its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="vallum",
    help="Vallum: executable AI security design.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Explicit registration, one line per area: no package scanning.
    from vallum.cli import audit, bundle, check, evaluate

    bundle.register(app)
    check.register(app)
    evaluate.register(app)
    audit.register(app)
    from vallum.cli import gateway

    gateway.register(app)
    from vallum.cli import policy

    policy.register(app)
    from vallum.cli import review

    review.register(app)
    from vallum.cli import approvals, dashboard

    approvals.register(app)
    dashboard.register(app)


_register()


def main() -> None:
    app()
