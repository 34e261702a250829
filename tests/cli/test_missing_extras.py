"""A command whose optional dependency is missing prints one line naming the pip install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vallum.cli.main import app

runner = CliRunner()


def _block(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make `modules` unimportable, and forget any module of ours that already imported them."""
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)
    for name in [m for m in sys.modules if m.startswith(("vallum.review", "vallum.integrations"))]:
        monkeypatch.delitem(sys.modules, name)


@pytest.mark.parametrize(
    ("blocked", "args", "expected"),
    [
        (
            "uvicorn",
            ["serve", "bundle", "--mock"],
            "error: vallum serve needs the 'gateway' extra, which is not installed: "
            "pip install 'vallum[gateway]'",
        ),
        (
            "starlette",
            ["mock-model"],
            "error: vallum mock-model needs the 'gateway' extra, which is not installed: "
            "pip install 'vallum[gateway]'",
        ),
        (
            "jwt",
            ["keys", "list"],
            "error: vallum keys needs the 'gateway' extra, which is not installed: "
            "pip install 'vallum[gateway]'",
        ),
        (
            "jinja2",
            ["dashboard", "hash-password", "--stdin"],
            "error: vallum dashboard needs the 'gateway' extra, which is not installed: "
            "pip install 'vallum[gateway]'",
        ),
        (
            "psycopg",
            ["audit", "verify", "--db", "postgresql://vallum@127.0.0.1:1/none"],
            "error: database URL postgresql+psycopg://vallum@127.0.0.1:1/none needs the "
            "'postgres' extra, which is not installed: pip install 'vallum[postgres]'",
        ),
        (
            "agentdojo",
            ["eval", "bundle", "--agentdojo"],
            "error: the AgentDojo integration needs the 'agentdojo' extra, which is not "
            "installed: pip install 'vallum[agentdojo]'",
        ),
    ],
)
def test_missing_extra_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, blocked: str, args: list[str], expected: str
) -> None:
    """The command exits 1 with a single line on stderr and no traceback."""
    _block(monkeypatch, blocked)
    result = runner.invoke(app, args, input="a password long enough\n")
    assert 1 == result.exit_code
    assert [expected] == result.stderr.strip().splitlines()
    assert "Traceback" not in result.output


def test_review_without_tree_sitter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`vallum review` keeps its exit code 2 for a review that cannot run, in one line."""
    _block(monkeypatch, "tree_sitter")
    result = runner.invoke(app, ["review", str(tmp_path)])
    assert 2 == result.exit_code
    assert [
        "vallum review: vallum review needs the 'review' extra, which is not installed: "
        "pip install 'vallum[review]'"
    ] == result.stderr.strip().splitlines()


def test_console_script_prints_one_line(tmp_path: Path) -> None:
    """Through the real entry point: one line on stderr, exit status 1."""
    code = (
        "import sys; sys.modules['uvicorn'] = None; sys.argv = ['vallum', 'serve', 'bundle']; "
        "from vallum.cli.main import main; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert 1 == proc.returncode
    assert [
        "error: vallum serve needs the 'gateway' extra, which is not installed: "
        "pip install 'vallum[gateway]'"
    ] == proc.stderr.strip().splitlines()
