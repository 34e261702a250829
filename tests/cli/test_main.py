"""The root command lists every command without importing any, and runs each from its module."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from vallum.cli.main import COMMANDS, app, load_command

HEAVY = ("sqlalchemy", "cedarpy", "numpy", "detect_secrets", "jsonschema", "httpx", "vallum.engine")


def _modules_after(*argv: str) -> set[str]:
    """The modules a fresh interpreter holds after running `vallum ARGV` (help exits 0)."""
    code = (
        "import json, sys\n"
        f"sys.argv = ['vallum', *{list(argv)!r}]\n"
        "from vallum.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(proc.stderr))


@pytest.mark.parametrize("name", list(COMMANDS))
def test_listed_help_is_the_commands_own(name: str) -> None:
    """The line `vallum --help` shows is the first line of the command's own help."""
    command = load_command(name)
    assert (command.help or "").strip().splitlines()[0] == COMMANDS[name].help


def test_help_lists_every_command() -> None:
    """`vallum --help` names each command."""
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert 0 == result.exit_code
    assert [] == [name for name in COMMANDS if f" {name} " not in result.output]


def test_root_help_imports_no_command() -> None:
    """`vallum --help` imports no command module and nothing heavy."""
    loaded = _modules_after("--help")
    commands = {entry.module for entry in COMMANDS.values()}
    assert set() == loaded & (commands | set(HEAVY))


def test_command_help_imports_only_its_module() -> None:
    """`vallum check --help` imports the check module, but not the engine behind it."""
    loaded = _modules_after("check", "--help")
    assert "vallum.cli.check" in loaded
    assert set() == loaded & set(HEAVY)


def test_unknown_command_is_a_usage_error() -> None:
    """A misspelt command exits 2 with a suggestion, as before."""
    result = CliRunner().invoke(app, ["chek"])
    assert 2 == result.exit_code
    assert "check" in result.output
