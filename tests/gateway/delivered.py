"""A scripted provider that answers with tool calls whose arguments are exact text, and readers of
the tool calls a client receives, for both client routes, streamed and not."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from vallum.model import Event, Stage

from .helpers import Served, anthropic, chat, sse_events

ROUTES = ("openai", "anthropic")  # the client's route
KINDS = ("openai", "anthropic")  # the upstream's format


@dataclass
class Script:
    """What the provider answers next: tool calls as (name, arguments text), each text cut into
    pieces at `cuts` when streamed (an Anthropic answer embeds the text as the `input` value)."""

    calls: list[tuple[str, str]] = field(default_factory=lambda: [("get_order", "{}")])
    cuts: tuple[int, ...] = ()

    def pieces(self, text: str) -> list[str]:
        points = sorted({c for c in self.cuts if 0 < c < len(text)})
        edges = [0, *points, len(text)]
        return [text[a:b] for a, b in itertools.pairwise(edges)] or [""]


def provider(kind: str, script: Script) -> httpx.MockTransport:
    """A provider of `kind` answering every request as `script` says, streamed when asked."""

    def handler(request: httpx.Request) -> httpx.Response:
        streamed = bool(json.loads(request.content).get("stream"))
        if kind == "openai":
            return _openai_stream(script) if streamed else _openai(script)
        return _anthropic_stream(script) if streamed else _anthropic(script)

    return httpx.MockTransport(handler)


def _openai(script: Script) -> httpx.Response:
    calls = [{"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": text}}
             for i, (name, text) in enumerate(script.calls)]  # fmt: skip
    body = {"id": "c1", "object": "chat.completion", "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": None, "tool_calls": calls},
                         "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}  # fmt: skip
    return httpx.Response(
        200, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )


def _sse(events: list[str]) -> httpx.Response:
    return httpx.Response(
        200, content="".join(events).encode(), headers={"content-type": "text/event-stream"}
    )


def _openai_stream(script: Script) -> httpx.Response:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        body = {"id": "c1", "object": "chat.completion.chunk", "model": "m",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
        return f"data: {json.dumps(body)}\n\n"

    events = [chunk({"role": "assistant", "content": ""})]
    for i, (name, text) in enumerate(script.calls):
        for j, piece in enumerate(script.pieces(text)):
            call: dict[str, Any] = {"index": i, "function": {"arguments": piece}}
            if j == 0:
                call.update(id=f"call_{i}", type="function")
                call["function"]["name"] = name
            events.append(chunk({"tool_calls": [call]}))
    events += [chunk({}, "tool_calls"), "data: [DONE]\n\n"]
    return _sse(events)


def _anthropic(script: Script) -> httpx.Response:
    blocks = ",".join(
        f'{{"type":"tool_use","id":"tu_{i}","name":{json.dumps(name)},"input":{text or "{}"}}}'
        for i, (name, text) in enumerate(script.calls)
    )
    body = ('{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[' + blocks
            + '],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}')  # fmt: skip
    return httpx.Response(200, content=body.encode(), headers={"content-type": "application/json"})


def _anthropic_stream(script: Script) -> httpx.Response:
    def event(name: str, body: dict[str, Any]) -> str:
        return f"event: {name}\ndata: {json.dumps({'type': name, **body})}\n\n"

    events = [event("message_start", {"message": {"id": "msg_1", "usage": {"input_tokens": 1}}})]
    for i, (name, text) in enumerate(script.calls):
        block = {"type": "tool_use", "id": f"tu_{i}", "name": name, "input": {}}
        events.append(event("content_block_start", {"index": i, "content_block": block}))
        for piece in script.pieces(text):
            delta = {"type": "input_json_delta", "partial_json": piece}
            events.append(event("content_block_delta", {"index": i, "delta": delta}))
        events.append(event("content_block_stop", {"index": i}))
    events.append(
        event(
            "message_delta", {"delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 1}}
        )
    )
    events.append(event("message_stop", {}))
    return _sse(events)


def request(
    route: str, stream: bool, text: str = "Please look into my order."
) -> tuple[str, dict[str, Any]]:
    """The path and body of a client request on `route`."""
    if route == "openai":
        return "/v1/chat/completions", chat(text, stream=stream)
    return "/v1/messages", anthropic(text, stream=stream)


def delivered_calls(route: str, stream: bool, response: httpx.Response) -> list[tuple[str, str]]:
    """The tool calls a client assembles from an answer: (name, arguments as JSON text)."""
    if not stream:
        body = response.json()
        if route == "openai":
            message = body["choices"][0]["message"]
            return [
                (c["function"]["name"], c["function"]["arguments"])
                for c in message.get("tool_calls") or []
            ]
        return [
            (b["name"], json.dumps(b["input"])) for b in body["content"] if b["type"] == "tool_use"
        ]
    calls: dict[int, list[str]] = {}
    for _, data in sse_events(response.text):
        if not isinstance(data, dict):
            continue
        if route == "openai":
            for choice in data.get("choices", []):
                for piece in choice.get("delta", {}).get("tool_calls") or []:
                    slot = calls.setdefault(piece["index"], ["", ""])
                    slot[0] = piece["function"].get("name") or slot[0]
                    slot[1] += piece["function"].get("arguments") or ""
        elif (
            data.get("type") == "content_block_start"
            and data["content_block"]["type"] == "tool_use"
        ):
            calls[data["index"]] = [data["content_block"]["name"], ""]
        elif (
            data.get("type") == "content_block_delta"
            and data["delta"]["type"] == "input_json_delta"
        ):
            calls[data["index"]][1] += data["delta"]["partial_json"]
    return [(name, text) for name, text in (calls[k] for k in sorted(calls))]


def spy(s: Served) -> list[Event]:
    """Every tool-call event the engine decides from now on, in order."""
    seen: list[Event] = []
    decide: Callable[..., Any] = s.gw.evaluator.evaluate_now

    def evaluate_now(ctx: Any, event: Event, *args: Any, **kwargs: Any) -> Any:
        if event.stage is Stage.TOOL_CALL:
            seen.append(event)
        return decide(ctx, event, *args, **kwargs)

    s.gw.evaluator.evaluate_now = evaluate_now  # type: ignore[method-assign]
    return seen
