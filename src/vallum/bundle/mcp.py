"""The `mcp:` section of `vallum.yaml`: the MCP servers the proxy fronts, and how far to trust them.

    mcp:
      servers:
        files:                  # the name given to `vallum mcp run --name files`
          trust: trusted        # what its tools return and its resources hold: trusted or not
          pin: approve          # new tools start quarantined until `vallum mcp approve` (default)
        web:
          trust: untrusted
          pin: first_use        # trust on first use: new tools are pinned as they are first seen

A server the bundle does not name is untrusted and its tools start quarantined: failing closed.
A changed tool (a rug pull) is quarantined whatever `pin` says, and so is one whose description
the poisoning checks flag.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vallum.model import Trust

PinPolicy = Literal["approve", "first_use"]
SERVER_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class McpServer(_Model):
    """One MCP server: the trust of what it returns, and how its new tools are pinned."""

    trust: Trust = Trust.UNTRUSTED
    pin: PinPolicy = "approve"
    description: str = ""


class McpConfig(_Model):
    """MCP servers by the name the proxy runs them under."""

    servers: dict[str, McpServer] = Field(default_factory=dict)

    def server(self, name: str) -> McpServer:
        """The server's settings; a server the bundle does not name gets the strictest."""
        return self.servers.get(name, McpServer())
