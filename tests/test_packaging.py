"""pyproject.toml: the core install is the SDK and CLI; servers, drivers and binaries are extras."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

NOT_IN_CORE = (
    "starlette",
    "prometheus-client",
    "structlog",
    "opentelemetry-sdk",
    "uvicorn",
    "httptools",
    "uvloop",
    "psycopg",
    "redis",
    "tree-sitter*",
    "zizmor",
    "bandit",
    "mcp",
)
RUNTIME_EXTRAS = {"gateway", "postgres", "redis", "review", "mcp", "agentdojo", "otel"}


def _project() -> dict[str, Any]:
    text = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    project: dict[str, Any] = tomllib.loads(text)["project"]
    return project


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _matches(name: str, pattern: str) -> bool:
    return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern


@pytest.mark.parametrize("excluded", NOT_IN_CORE)
def test_core_dependencies_exclude(excluded: str) -> None:
    """The core's declared dependencies include no server, driver, Redis client or review tool."""
    core = [_name(r) for r in _project()["dependencies"]]
    assert [] == [name for name in core if _matches(name, excluded)]


def test_all_extra_is_every_runtime_extra() -> None:
    """`vallum[all]` brings every runtime extra, and `dev` brings `all`."""
    extras = _project()["optional-dependencies"]
    assert RUNTIME_EXTRAS <= set(extras)
    (all_line,) = extras["all"]
    listed = set(re.search(r"\[(.*)\]", all_line).group(1).split(","))  # type: ignore[union-attr]
    assert RUNTIME_EXTRAS == listed
    assert "vallum[all]" in extras["dev"]


def test_extras_hold_what_core_leaves_out() -> None:
    """Each package kept out of the core is in some extra (nothing was simply dropped)."""
    extras = _project()["optional-dependencies"]
    names = {_name(r) for key, reqs in extras.items() if key != "dev" for r in reqs}
    missing = [p for p in NOT_IN_CORE if not any(_matches(n, p) for n in names)]
    assert [] == missing
