"""`vallum mcp scan`: check the MCP servers a client is configured with, offline.

Each stdio server of each configuration is started (bounded by a timeout) and asked for its
tools; nothing else is called and nothing leaves the machine (servers reached by URL are listed,
not contacted). Then, per configuration:

- every tool passes the poisoning and shadowing checks (`vallum.mcp.poisoning`), with the other
  servers of the same configuration as the tools it must not shadow;
- a tool pinned in the project's database whose definition changed since it was approved is a
  changed pin (a rug pull waiting for the next session);
- a toxic flow is one configuration that combines a source of untrusted content, access to
  private data and a way to send data out: together, an injection read through the first can
  carry the second out through the third, whatever each server's own checks say.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import anyio
import re2
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from vallum.bundle.mcp import McpConfig
from vallum.exceptions import InputError
from vallum.mcp.configs import ServerEntry, read_config
from vallum.mcp.pins import PinStore, ToolVersion
from vallum.mcp.poisoning import PoisoningChecks
from vallum.mcp.server import list_all_tools
from vallum.model import Trust

DEFAULT_TIMEOUT_S = 20.0

# What a tool gives an attacker, read from its name and description (RE2: linear time).
_SOURCE = re2.compile(
    r"(?i)\b(?:fetch|browse|browser|scrape|crawl|web|url|http|rss|news)\b|"
    r"\b(?:read|get|list|search|fetch|check)\w*\s+(?:\w+\s+)?(?:emails?|mail|inbox|issues?|"
    r"comments?|messages?|tickets?|pull\s+requests?|reviews?|slack|posts?)\b"
)
_PRIVATE = re2.compile(
    r"(?i)\b(?:files?|read_file|filesystem|director(?:y|ies)|database|sql|query|secrets?|"
    r"credentials?|passwords?|inbox|emails?|calendar|contacts?|drive|notes|documents?|"
    r"private|repositor(?:y|ies)|customers?|accounts?)\b"
)
_EXIT = re2.compile(
    r"(?i)\b(?:send|post|upload|publish|share|push|webhook|create[ _-]?(?:issue|comment|pr|"
    r"pull[ _-]?request)|comment|reply|forward|fetch|http|request|email|message|write[ _-]?url)"
)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class ScanFinding:
    rule: str
    severity: Severity
    config: Path
    server: str
    message: str
    tool: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "config": str(self.config),
            "server": self.server,
            "tool": self.tool,
            "message": self.message,
        }


@dataclass(slots=True)
class ScannedServer:
    entry: ServerEntry
    tools: list[ToolVersion] = field(default_factory=list)
    error: str | None = None


@dataclass(slots=True)
class ScanReport:
    configs: list[Path] = field(default_factory=list)
    servers: list[ScannedServer] = field(default_factory=list)
    findings: list[ScanFinding] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)


async def list_tools(entry: ServerEntry, timeout_s: float) -> list[ToolVersion]:
    """Start `entry` (stdio), list its tools, stop it; within `timeout_s` or `TimeoutError`."""
    params = StdioServerParameters(
        command=entry.command[0], args=list(entry.command[1:]), env={**os.environ, **entry.env}
    )
    with open(os.devnull, "w") as quiet, anyio.fail_after(timeout_s):
        async with Client(stdio_client(params, errlog=quiet), cache=None) as client:
            tools = await list_all_tools(client)
    return [ToolVersion(t.name, t.description or "", dict(t.input_schema)) for t in tools]


async def scan(
    paths: Sequence[Path],
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    pins: PinStore | None = None,
    bundle: McpConfig | None = None,
    checks: PoisoningChecks | None = None,
) -> ScanReport:
    """Scan the configurations at `paths` (those that exist)."""
    checks = checks or PoisoningChecks()
    report = ScanReport()
    for path in paths:
        try:
            entries = read_config(path)
        except InputError as exc:
            report.findings.append(
                ScanFinding("config-unreadable", Severity.ERROR, path, "", str(exc))
            )
            continue
        report.configs.append(path)
        scanned = [await _scan_server(entry, timeout_s) for entry in entries]
        report.servers.extend(scanned)
        for server in scanned:
            report.findings.extend(_server_findings(server, scanned, checks, pins))
        report.findings.extend(_toxic_flows(path, scanned, bundle or McpConfig()))
    return report


async def _scan_server(entry: ServerEntry, timeout_s: float) -> ScannedServer:
    if not entry.stdio:
        return ScannedServer(entry, error=f"not contacted (remote server at {entry.url})")
    try:
        return ScannedServer(entry, await list_tools(entry, timeout_s))
    except TimeoutError:
        return ScannedServer(entry, error=f"did not list its tools within {timeout_s:g} s")
    except Exception as exc:  # any failure to start or speak MCP is reported, not raised
        return ScannedServer(entry, error=f"could not be started: {_first_line(exc)}")


def _server_findings(
    server: ScannedServer,
    everyone: Iterable[ScannedServer],
    checks: PoisoningChecks,
    pins: PinStore | None,
) -> list[ScanFinding]:
    entry = server.entry
    if server.error is not None:
        severity = Severity.NOTE if not entry.stdio else Severity.WARNING
        return [ScanFinding("server-not-scanned", severity, entry.config, entry.name, server.error)]
    others = {s.entry.name: [t.name for t in s.tools] for s in everyone if s is not server}
    out: list[ScanFinding] = []
    for version in server.tools:
        for flag in checks.check(version, other_tools=others):
            out.append(
                ScanFinding(
                    flag.check, Severity.ERROR, entry.config, entry.name, flag.detail, version.name
                )
            )
        pin = pins.get(entry.name, version.name) if pins is not None else None
        if pin is not None and pin.approved_hash not in (None, version.version_hash):
            approved = pin.approved_hash or ""
            message = (
                f"changed since it was approved (approved {approved[:12]}, "
                f"now {version.version_hash[:12]})"
            )
            out.append(
                ScanFinding(
                    "changed-pin", Severity.ERROR, entry.config, entry.name, message, version.name
                )
            )
    return out


def _toxic_flows(
    path: Path, servers: Sequence[ScannedServer], bundle: McpConfig
) -> list[ScanFinding]:
    roles: dict[str, list[str]] = {"source": [], "private": [], "exit": []}
    for server in servers:
        untrusted = bundle.server(server.entry.name).trust is Trust.UNTRUSTED
        named = server.entry.name in bundle.servers
        for tool in server.tools:
            text = f"{tool.name.replace('_', ' ')} {tool.description}"
            label = f"{server.entry.name}.{tool.name}"
            if (named and untrusted) or (not named and _SOURCE.search(text)):
                roles["source"].append(label)
            if _PRIVATE.search(text):
                roles["private"].append(label)
            if _EXIT.search(text):
                roles["exit"].append(label)
    if not all(roles.values()):
        return []
    parts = "; ".join(f"{role}: {', '.join(sorted(found)[:4])}" for role, found in roles.items())
    message = (
        "untrusted content, private data and a way out in one configuration (an injection "
        f"read through the first can send the second out through the third): {parts}"
    )
    return [ScanFinding("toxic-flow", Severity.ERROR, path, "", message)]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
