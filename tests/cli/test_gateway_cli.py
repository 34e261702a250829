"""`vallum serve`'s choice of upstream client (flag or environment) and of uvicorn protocol."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

import vallum.gateway
from vallum.cli.main import app

runner = CliRunner()


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What `serve` passes to create_app and uvicorn.run (neither runs)."""
    seen: dict[str, Any] = {}

    def create_app(options: Any) -> str:
        seen["options"] = options
        return "app"

    def run(app_: Any, **kwargs: Any) -> None:
        seen["uvicorn"] = kwargs

    monkeypatch.setattr(vallum.gateway, "create_app", create_app)
    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.delenv("VALLUM_UPSTREAM_CLIENT", raising=False)
    return seen


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ([], {}, "lean"),
        (["--upstream-client", "httpx"], {}, "httpx"),
        ([], {"VALLUM_UPSTREAM_CLIENT": "httpx"}, "httpx"),
        (["--upstream-client", "lean"], {"VALLUM_UPSTREAM_CLIENT": "httpx"}, "lean"),
    ],
)
def test_the_upstream_client_comes_from_the_flag_or_the_environment(
    captured: dict[str, Any], args: list[str], env: dict[str, str], expected: str
) -> None:
    """Lean by default; `--upstream-client` or VALLUM_UPSTREAM_CLIENT choose, the flag first."""
    result = runner.invoke(
        app, ["serve", "bundle", "--upstream", "http://127.0.0.1:1/v1", *args], env=env
    )
    assert 0 == result.exit_code, result.output
    assert expected == captured["options"].upstream_client
    assert "httptools" == captured["uvicorn"]["http"]


def test_an_unknown_upstream_client_is_refused(captured: dict[str, Any]) -> None:
    """A value other than httpx or lean: a usage error, nothing started."""
    result = runner.invoke(app, ["serve", "bundle", "--upstream-client", "curl"])
    assert 2 == result.exit_code
    assert "options" not in captured
