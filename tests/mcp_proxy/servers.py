"""A real MCP server, written with the SDK, whose tools the tests control through a JSON file.

The file is read at every request, so a test changes a tool's description between two
listings (a rug pull) by rewriting it. Run as a script it serves stdio, or Streamable HTTP
with `--http PORT`:

    python tests/mcp_proxy/servers.py SPEC.json [--http PORT]

SPEC: {"name": ..., "tools": [{"name", "description", "input_schema", "result", "crash"}],
"resources": {URI: TEXT}, "prompts": {NAME: TEXT}}. `result` may use `{arg}` placeholders;
`crash: true` makes the process exit in the middle of the call.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

TEXT_SCHEMA = {"type": "object", "properties": {"text": {"type": "string"}}}


def tool(name: str, description: str, result: str, **extra: Any) -> dict[str, Any]:
    """A tool entry of a spec."""
    props = extra.pop("props", None)
    schema = (
        {"type": "object", "properties": {p: {"type": "string"} for p in props}}
        if props
        else TEXT_SCHEMA
    )
    return {
        "name": name,
        "description": description,
        "input_schema": schema,
        "result": result,
        **extra,
    }


def write_spec(path: Path, name: str, tools: list[dict[str, Any]], **rest: Any) -> Path:
    path.write_text(json.dumps({"name": name, "tools": tools, **rest}))
    return path


def make_server(spec_path: Path) -> Server[Any]:
    def spec() -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(spec_path.read_text())
        return loaded

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=t["name"], description=t["description"], input_schema=t["input_schema"]
                )
                for t in spec()["tools"]
            ]
        )

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        found = next(t for t in spec()["tools"] if t["name"] == params.name)
        if found.get("crash"):
            os._exit(3)
        text = found["result"].format(**(params.arguments or {}))
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])

    async def list_resources(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(
            resources=[types.Resource(uri=u, name=u) for u in spec().get("resources", {})]
        )

    async def read_resource(
        ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        text = spec()["resources"][str(params.uri)]
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=params.uri, text=text)]
        )

    async def list_prompts(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        return types.ListPromptsResult(
            prompts=[types.Prompt(name=n) for n in spec().get("prompts", {})]
        )

    async def get_prompt(
        ctx: ServerRequestContext[Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        text = spec()["prompts"][params.name]
        message = types.PromptMessage(
            role="user", content=types.TextContent(type="text", text=text)
        )
        return types.GetPromptResult(messages=[message])

    return Server(
        spec()["name"],
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
    )


async def _stdio(server: Server[Any]) -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def main() -> None:
    server = make_server(Path(sys.argv[1]))
    if len(sys.argv) > 3 and sys.argv[2] == "--http":
        import uvicorn

        app = server.streamable_http_app()
        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), log_level="warning")
    else:
        anyio.run(_stdio, server)


if __name__ == "__main__":
    main()
