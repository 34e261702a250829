"""MCP client configurations: where Claude Desktop, Claude Code, Cursor and VS Code keep them,
and the servers each names.

    {"mcpServers": {NAME: {"command": ..., "args": [...], "env": {...}}}}   Claude, Cursor
    {"servers": {NAME: {"type": "stdio", "command": ..., "args": [...]}}}   VS Code
    {"mcp": {"servers": {...}}}                                             VS Code settings
    {"projects": {PATH: {"mcpServers": {...}}}}                             Claude Code

A server already wrapped by `vallum mcp run ... --name NAME -- COMMAND` is read as the server
it wraps, under its Vallum name. Files are read strictly: a file that is not JSON (or JSON with
comments, as VS Code allows, that cannot be read) is reported, never guessed at.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vallum.exceptions import InputError


@dataclass(frozen=True, slots=True)
class ServerEntry:
    """One server of one configuration."""

    config: Path
    name: str
    command: tuple[str, ...] = ()
    url: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def stdio(self) -> bool:
        return bool(self.command)


def default_paths(home: Path | None = None, cwd: Path | None = None) -> list[Path]:
    """The configuration files the four clients use, for this user and this folder."""
    home = home or Path.home()
    cwd = cwd or Path.cwd()
    appdata = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
    claude_desktop = {
        "darwin": home / "Library" / "Application Support" / "Claude",
        "win32": appdata / "Claude",
    }.get(sys.platform, home / ".config" / "Claude")
    vscode_user = {
        "darwin": home / "Library" / "Application Support" / "Code" / "User",
        "win32": appdata / "Code" / "User",
    }.get(sys.platform, home / ".config" / "Code" / "User")
    return [
        claude_desktop / "claude_desktop_config.json",
        home / ".claude.json",
        cwd / ".mcp.json",
        home / ".cursor" / "mcp.json",
        cwd / ".cursor" / "mcp.json",
        cwd / ".vscode" / "mcp.json",
        vscode_user / "mcp.json",
        vscode_user / "settings.json",
    ]


def read_config(path: Path) -> list[ServerEntry]:
    """The servers `path` names; `InputError` naming the file when it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a JSON object")
    return [_entry(path, name, raw) for name, raw in _servers(data)]


def _servers(data: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for key in ("mcpServers", "servers"):
        yield from _items(data.get(key))
    mcp = data.get("mcp")
    if isinstance(mcp, dict):
        yield from _items(mcp.get("servers"))
    projects = data.get("projects")
    if isinstance(projects, dict):
        for project in projects.values():
            if isinstance(project, dict):
                yield from _items(project.get("mcpServers"))


def _items(block: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(block, dict):
        yield from ((str(k), v) for k, v in block.items())


def _entry(path: Path, name: str, raw: Any) -> ServerEntry:
    if not isinstance(raw, dict):
        raise InputError(f"{path}: server {name!r} is not an object")
    env = {str(k): str(v) for k, v in (raw.get("env") or {}).items()}
    command = raw.get("command")
    if isinstance(command, str) and command:
        args = raw.get("args") or []
        if not isinstance(args, list):
            raise InputError(f"{path}: server {name!r}: `args` is not a list")
        full = (command, *(str(a) for a in args))
        wrapped = unwrap(full)
        if wrapped is not None:
            name, full = wrapped
        return ServerEntry(path, name, command=full, env=env)
    url = raw.get("url") or raw.get("serverUrl")
    if isinstance(url, str):
        return ServerEntry(path, name, url=url, env=env)
    raise InputError(f"{path}: server {name!r} has neither `command` nor `url`")


def unwrap(command: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
    """(name, inner command) of `vallum mcp run ... --name NAME -- INNER`, else None."""
    words = list(command)
    if "--" not in words or "run" not in words or "mcp" not in words:
        return None
    head, inner = words[: words.index("--")], tuple(words[words.index("--") + 1 :])
    if not inner or "--name" not in head or head.index("--name") + 1 >= len(head):
        return None
    return head[head.index("--name") + 1], inner
