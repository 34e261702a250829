"""The MCP proxy's cost per tool call: the SDK's client calling a real SDK server directly, and
through the proxy (pin check, `tool_call` and `tool_result` decisions with evidence in SQLite,
session labels in the database), side by side in one run, all in process.

    .venv/bin/python bench/bench_mcp.py [--calls N]

Prints milliseconds per call (median and 95th percentile) for each path and the difference.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp import Client
from mcp.server import Server, ServerRequestContext

from vallum.mcp.build import build_gate
from vallum.mcp.server import build_server, fixed_caller
from vallum.model import Principal

RESULT = "Order ORD-12345678 shipped on Monday; it should arrive within three working days."


def upstream() -> Server[Any]:
    async def list_tools(ctx: ServerRequestContext[Any], params: Any) -> types.ListToolsResult:
        schema = {"type": "object", "properties": {"order_id": {"type": "string"}}}
        tool = types.Tool(name="get_order", description="Look up an order.", input_schema=schema)
        return types.ListToolsResult(tools=[tool])

    async def call_tool(ctx: ServerRequestContext[Any], params: Any) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(type="text", text=RESULT)])

    return Server("orders", on_list_tools=list_tools, on_call_tool=call_tool)


async def timed(client: Client, calls: int) -> list[float]:
    await client.list_tools()
    out = []
    for _ in range(calls):
        start = time.perf_counter()
        result = await client.call_tool("get_order", {"order_id": "ORD-12345678"})
        out.append((time.perf_counter() - start) * 1000)
        assert not result.is_error, result
    return out


async def main(calls: int) -> None:
    bundle = Path(str(files("vallum.bundle").joinpath("example")))
    with tempfile.TemporaryDirectory() as tmp:
        gate = build_gate(bundle, "orders", database_url=f"sqlite:///{tmp}/bench.db")
        async with Client(upstream(), cache=None) as direct:
            plain = await timed(direct, calls)
        async with Client(upstream(), cache=None) as up:
            proxy = build_server(gate, up, fixed_caller(Principal.parse("agent:bench"), "b1"))
            async with Client(proxy, cache=None) as client:
                await client.list_tools()  # first sight pins the tool (quarantined)
                gate.pins.approve("orders", "get_order", by="user:bench")
                guarded = await timed(client, calls)
    print(f"{calls} calls of get_order, in process (ms per call)")
    print(f"{'path':<28}{'median':>10}{'p95':>10}")
    for name, figures in (("direct", plain), ("through the proxy", guarded)):
        p95 = statistics.quantiles(figures, n=20)[-1]
        print(f"{name:<28}{statistics.median(figures):>10.2f}{p95:>10.2f}")
    print(
        f"{'proxy overhead (median)':<28}{statistics.median(guarded) - statistics.median(plain):>10.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    anyio.run(main, parser.parse_args().calls)
