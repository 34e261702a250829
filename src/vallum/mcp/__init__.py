"""The MCP proxy (`vallum[mcp]`): enforcement wherever an agent talks to an MCP server.

`vallum mcp run BUNDLE --name NAME -- COMMAND...` wraps a stdio server and `vallum mcp serve
BUNDLE --upstream URL` fronts a Streamable HTTP one. Every tool call is a `tool_call` event,
every result a `tool_result` labelled with the server's trust, every resource read and prompt
fetch a `retrieval`; tools are pinned (a changed one is quarantined until approved) and their
descriptions checked for poisoning and shadowing. `vallum mcp scan` checks a client's
configuration offline.

- `pins`: canonical hashes of tools, in the database; quarantine and approval
- `poisoning`: descriptions and schemas through the injection and invisible-text detectors,
  and the tells of poisoning and shadowing
- `gate`: the enforcement, apart from any transport
- `server`: the proxy as an MCP server (the SDK's), on stdio or Streamable HTTP
- `build`: the composition root
- `scan`: offline configuration scanning, reported as a table, JSON or SARIF
"""
