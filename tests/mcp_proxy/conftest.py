"""Fixtures for the MCP proxy: a bundle naming two servers, gates on one SQLite database, and
the SDK's real client talking to the proxy, which talks to a real SDK server."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from vallum.mcp.build import build_gate
from vallum.mcp.gate import ToolGate
from vallum.mcp.server import build_server, fixed_caller
from vallum.model import Principal

from .servers import make_server

PRINCIPAL = Principal.parse("agent:mcp-test")
MCP_SECTION = """
mcp:
  servers:
    web: {trust: untrusted, pin: first_use}
    mail: {trust: trusted, pin: first_use}
    strict: {trust: trusted}
"""
EXTRA_TOOLS = """
  fetch_page:
    args: {url: string}
    results: untrusted
  echo:
    args: {text: string}
"""


@pytest.fixture
def mcp_bundle(example_dir: Path, tmp_path: Path) -> Path:
    """The example bundle, with `fetch_page` and `echo` declared and three MCP servers named."""
    target = tmp_path / "bundle"
    shutil.copytree(example_dir, target, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    yaml = (target / "vallum.yaml").read_text()
    yaml = yaml.replace("tools:\n", "tools:" + EXTRA_TOOLS, 1) + MCP_SECTION
    (target / "vallum.yaml").write_text(yaml)
    schema = (target / "schema.cedarschema").read_text()
    schema = schema.replace("type Args = {\n", "type Args = {\n  url?: String,\n  text?: String,\n")
    (target / "schema.cedarschema").write_text(schema)
    return target


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'vallum.db'}"


@pytest.fixture
def gate_for(mcp_bundle: Path, db_url: str) -> Callable[[str], ToolGate]:
    """A gate per server name, all on one database (as the proxies of one client are)."""
    return lambda server: build_gate(mcp_bundle, server, database_url=db_url, disclose="full")


Proxied = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def proxied() -> Proxied:
    """`async with proxied(gate, spec) as client`: the SDK's client, through the proxy, to a
    real SDK server serving `spec` (all in process)."""

    @asynccontextmanager
    async def connect(gate: ToolGate, spec: Path, session: str = "s1") -> AsyncIterator[Client]:
        async with Client(make_server(spec), cache=None) as upstream:
            proxy = build_server(gate, upstream, fixed_caller(PRINCIPAL, session))
            async with Client(proxy, cache=None) as client:
                yield client

    return connect


def text_of(result: Any) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")
