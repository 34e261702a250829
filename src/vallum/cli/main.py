"""The `vallum` command line. Each area registers its commands from its own module.

A command's module (and the engine, Cedar, SQLAlchemy or the gateway behind it) is imported only
when that command runs: `vallum --help` lists the commands from `COMMANDS` alone, and
`vallum check --help` loads the `check` module but nothing it calls. A feature whose optional
dependency is missing (`vallum serve` without `vallum[gateway]`) fails with one line naming the
`pip install` to run.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType
from typing import Any, Final, NamedTuple

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group

from vallum.exceptions import MissingExtra


class Entry(NamedTuple):
    """Where a top-level command lives, and the line `vallum --help` shows for it."""

    module: str
    help: str


# Explicit, one line per command: no package scanning. `help` repeats the first line of the
# command's docstring (a test checks they agree), so listing the commands imports none of them.
COMMANDS: Final = MappingProxyType(
    {
        "init": Entry(
            "vallum.cli.bundle", "Scaffold a commented example bundle for a customer-support agent."
        ),
        "validate": Entry(
            "vallum.cli.bundle",
            "Check the bundle: YAML schema, Cedar syntax and schema, detector ids, references.",
        ),
        "check": Entry(
            "vallum.cli.check",
            "Decide on one piece of content or one tool call, and record the evidence.",
        ),
        "eval": Entry(
            "vallum.cli.evaluate",
            "Measure the bundle's controls on suites: TPR/FPR with 95% intervals, AUC, latency.",
        ),
        "test": Entry(
            "vallum.cli.evaluate",
            "Run the scenario files in the bundle's tests/ folder; exit 1 if any step fails.",
        ),
        "trace": Entry("vallum.cli.audit", "Show what influenced a decision."),
        "serve": Entry(
            "vallum.cli.gateway",
            "Run the gateway: OpenAI- and Anthropic-compatible, enforcing the bundle on every call.",
        ),
        "mock-model": Entry(
            "vallum.cli.gateway",
            "Run the deterministic mock model alone (OpenAI-compatible and Anthropic Messages).",
        ),
        "replay": Entry(
            "vallum.cli.policy",
            "Replay recorded events through a candidate bundle; list every decision that would change.",
        ),
        "review": Entry(
            "vallum.cli.review",
            "Review code for vulnerabilities and threat-model violations (SARIF for code scanning).",
        ),
        "audit": Entry("vallum.cli.audit", "Check the evidence log."),
        "keys": Entry("vallum.cli.gateway", "Vallum API keys for the gateway."),
        "policy": Entry(
            "vallum.cli.policy", "Bundle versions: history, activate, rollback, shadow."
        ),
        "approvals": Entry("vallum.cli.approvals", "Decide actions held for a human."),
        "dashboard": Entry("vallum.cli.dashboard", "The dashboard served under /ui."),
    }
)


def load_command(name: str) -> Any:
    """Import the module that registers `name` and return its click command (or group)."""
    module: Any = importlib.import_module(COMMANDS[name].module)
    area = typer.Typer()
    module.register(area)
    group = get_group(area)
    command = group.commands.get(name)
    if command is None:
        raise LookupError(f"{COMMANDS[name].module} does not register {name!r}")
    return command


class LazyGroup(TyperGroup):
    """The root group: lists commands from `COMMANDS`, imports one only to run it.

    Contexts and commands are typed `Any`: they are click's, which typer vendors (`typer._click`)
    in recent versions and takes from the `click` package in older ones.
    """

    def __init__(self, *args: Any, **attrs: Any) -> None:
        super().__init__(*args, **attrs)
        # Stand-ins with the name and help line: enough to list, resolve and suggest commands.
        for name, entry in COMMANDS.items():
            self.commands[name] = TyperCommand(name, help=entry.help, short_help=entry.help)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and name in COMMANDS:
            command = load_command(name)
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MissingExtra as exc:
            from vallum.cli.common import report_error

            report_error(exc)


app = typer.Typer(
    name="vallum",
    cls=LazyGroup,
    help="Vallum: executable AI security design.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Vallum: executable AI security design."""


def main() -> None:
    app()
