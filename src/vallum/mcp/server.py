"""The MCP proxy as a server: clients connect to it exactly as they would to the real server.

    client ── stdio or Streamable HTTP ──> Vallum (an MCP server built with the SDK)
                                              │ ToolGate: pins, poisoning checks, the engine
                                              ▼
                                           the real server (an MCP client of it, the SDK's)

`run_stdio` wraps a server started as a command (`vallum mcp run`); `serve_http` fronts one
reached over Streamable HTTP (`vallum mcp serve`). Only what the real server offers is
offered (tools always; resources and prompts when it has them), and every request passes the
gate. The client sees the server's name and instructions unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import mcp_types as types
from mcp import Client, StdioServerParameters
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

from vallum.mcp.gate import APPROVAL_META, Caller, ToolGate
from vallum.mcp.pins import ToolVersion
from vallum.model import Principal

MAX_PAGES = 100  # a server whose listing never ends is cut here (what was listed is pinned)

CallerFor = Callable[[ServerRequestContext[Any]], Caller]


async def list_all_tools(upstream: Client) -> list[types.Tool]:
    """Every tool the real server lists, page by page."""
    tools: list[types.Tool] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await upstream.list_tools(cursor=cursor, cache_mode="bypass")
        tools.extend(page.tools)
        cursor = page.next_cursor
        if cursor is None:
            break
    return tools


def build_server(gate: ToolGate, upstream: Client, caller_for: CallerFor) -> Server[Any]:
    """An MCP server offering what `upstream` offers, through `gate`."""
    capabilities = upstream.server_capabilities
    info = upstream.server_info

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=await gate.list_tools(await list_all_tools(upstream)))

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        meta = params.meta or {}
        approval = meta.get(APPROVAL_META)

        async def forward(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
            return await upstream.call_tool(name, arguments)

        return await gate.call_tool(
            params.name,
            params.arguments,
            caller_for(ctx),
            list_upstream=lambda: list_all_tools(upstream),
            forward=forward,
            approval=approval if isinstance(approval, str) else None,
        )

    async def list_resources(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        cursor = params.cursor if params else None
        return await upstream.list_resources(cursor=cursor, cache_mode="bypass")

    async def list_resource_templates(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        cursor = params.cursor if params else None
        return await upstream.list_resource_templates(cursor=cursor, cache_mode="bypass")

    async def read_resource(
        ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        result = await upstream.read_resource(params.uri, cache_mode="bypass")
        return await gate.read_resource(params.uri, result, caller_for(ctx))

    async def list_prompts(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        cursor = params.cursor if params else None
        return await upstream.list_prompts(cursor=cursor, cache_mode="bypass")

    async def get_prompt(
        ctx: ServerRequestContext[Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        result = await upstream.get_prompt(params.name, params.arguments)
        return await gate.get_prompt(params.name, result, caller_for(ctx))

    # The server's instructions reach the model as a description does: checked alike, and
    # withheld when flagged.
    instructions = upstream.instructions
    if instructions and gate.checks.check(ToolVersion("instructions", instructions, {})):
        instructions = None
    has_resources = capabilities.resources is not None
    has_prompts = capabilities.prompts is not None
    return Server(
        info.name if info else gate.server,
        version=info.version if info else "",
        instructions=instructions,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources if has_resources else None,
        on_list_resource_templates=list_resource_templates if has_resources else None,
        on_read_resource=read_resource if has_resources else None,
        on_list_prompts=list_prompts if has_prompts else None,
        on_get_prompt=get_prompt if has_prompts else None,
    )


def fixed_caller(principal: Principal, session: str) -> CallerFor:
    """Every request in one session: a client host's servers all share it."""
    caller = Caller(principal, session)
    return lambda _ctx: caller


async def run_stdio(gate: ToolGate, command: list[str], caller_for: CallerFor) -> None:
    """Start `command` as the real server and serve its clients on this process's stdio."""
    params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
    async with Client(params, cache=None) as upstream:
        server = build_server(gate, upstream, caller_for)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())


async def serve_http(
    gate: ToolGate, url: str, caller_for: CallerFor, *, host: str, port: int
) -> None:
    """Front the Streamable HTTP server at `url`, serving clients at http://HOST:PORT/mcp."""
    import uvicorn

    async with Client(url, cache=None) as upstream:
        server = build_server(gate, upstream, caller_for)
        app = server.streamable_http_app(host=host)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        await uvicorn.Server(config).serve()
