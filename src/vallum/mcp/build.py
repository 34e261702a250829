"""The MCP proxy's composition root: the engine, evidence, sessions, approvals and pins it uses.

Everything lives in the project's database (`--db`, `VALLUM_DATABASE_URL`, or SQLite at
`.vallum/vallum.db`): evidence, pins, approvals, and session labels, so the proxies a client
starts (one per server) share one session and taint read through one server stops a send
through another.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from vallum.approvals.service import ApprovalService
from vallum.bundle.gateway import Disclosure
from vallum.bundle.loader import load_bundle
from vallum.enforcement import ApprovalHolds
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.mcp.gate import ToolGate
from vallum.mcp.pins import PinStore
from vallum.sessions.sql import SqlSessionStore
from vallum.storage.database import Database

SESSION_ENV = "VALLUM_MCP_SESSION"


def build_gate(
    bundle_dir: Path | str,
    server: str,
    *,
    database_url: str | None = None,
    disclose: Disclosure = "reasons",
) -> ToolGate:
    """A gate for MCP server `server`, enforcing the bundle at `bundle_dir`."""
    bundle = load_bundle(bundle_dir)
    db = Database(database_url)
    engine = Engine(bundle, evidence=EvidenceLog(db), sessions=SqlSessionStore(db))
    holds = ApprovalHolds(ApprovalService.open(bundle, db))
    return ToolGate(server, engine=engine, pins=PinStore(db), holds=holds, disclose=disclose)


def default_session() -> str:
    """The session the servers of one client share: `VALLUM_MCP_SESSION` if set, else one per
    client process (the parent that started this proxy, and when it started: a pid alone is
    reused), so every server Claude Desktop or Cursor starts in one run shares its labels."""
    named = os.environ.get(SESSION_ENV)
    if named:
        return named
    parent = os.getppid()
    return f"mcp-{parent}-{_start_time(parent)}"


def _start_time(pid: int) -> str:
    if not sys.platform.startswith("linux"):
        return "0"
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "0"
    # field 22 (starttime), counted after the command name, which may hold spaces
    return stat.rpartition(")")[2].split()[19]
