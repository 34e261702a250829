"""Helpers for the threats tests: edit a bundle copy and run `vallum threats` on it."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from vallum.cli.main import app


def run(*args: str) -> tuple[int, str]:
    """`vallum ARGS`: exit code and everything printed (stdout and stderr)."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "400"})
    return result.exit_code, result.output


def drop_policy(bundle: Path, policy_id: str) -> None:
    """Remove the statement annotated `@id(policy_id)` from policies.cedar."""
    file = bundle / "policies.cedar"
    text = file.read_text()
    pattern = re.compile(r'@id\("' + re.escape(policy_id) + r'"\).*?;\n', re.DOTALL)
    edited, n = pattern.subn("", text)
    assert n == 1, f"{policy_id} not found once in policies.cedar"
    file.write_text(edited)


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text()
    assert text.count(old) == 1, f"{old!r} is not in {file.name} exactly once"
    file.write_text(text.replace(old, new))
