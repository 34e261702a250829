"""Anthropic Messages on the wire: requests and answers to and from the gateway's shapes.

The gateway's shapes use OpenAI's vocabulary (roles, `tool_calls`, function tools, `stop`), so
this module translates: `tool_use` blocks become tool calls, `tool_result` blocks `tool`
messages, `document` blocks retrieved content, `stop_sequences` `stop`.
"""

from __future__ import annotations

import json
from typing import Any

from vallum.exceptions import InputError
from vallum.gateway.wire.chat import (
    ChatMessage,
    ChatRequest,
    ChatResult,
    FinishReason,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallOut,
    Usage,
)
from vallum.gateway.wire.openai import SOURCE_KEY, content_text
from vallum.gateway.wire.sse import encode

API_VERSION = "2023-06-01"
_STOP_IN: dict[str, FinishReason] = {
    "end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
    "refusal": "content_filter",
}  # fmt: skip
_STOP_OUT = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}
_PARAMS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "max_tokens": "max_tokens",
    "stop_sequences": "stop",
}


def parse_request(body: Any) -> ChatRequest:
    """A client's Messages body as a `ChatRequest`; `InputError` names the bad field."""
    if not isinstance(body, dict):
        raise InputError("request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InputError("`model` must be a non-empty string")
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        raise InputError("`max_tokens` must be a positive integer")
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise InputError("`messages` must be a non-empty array")
    messages: list[ChatMessage] = []
    system = body.get("system")
    if system is not None:
        messages.append(ChatMessage("system", content_text(system, "system"), raw=None))
    names: dict[str, str] = {}
    for i, raw in enumerate(raw_messages):
        messages.extend(_message(i, raw, names))
    tools = body.get("tools") or []
    if not isinstance(tools, list) or not all(
        isinstance(t, dict) and isinstance(t.get("name"), str) for t in tools
    ):
        raise InputError("`tools` must be an array of {name, input_schema}")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise InputError("`stream` must be a boolean")
    params = {ours: body[theirs] for theirs, ours in _PARAMS.items() if theirs in body}
    fn_tools = tuple(
        {"type": "function", "function": {"name": t["name"], "description": t.get("description", ""),
                                          "parameters": t.get("input_schema", {"type": "object"})}}
        for t in tools
    )  # fmt: skip
    choice = _tool_choice_in(body.get("tool_choice"))
    return ChatRequest(model, tuple(messages), stream, fn_tools, choice, params, "anthropic", body)


def _message(i: int, raw: Any, names: dict[str, str]) -> list[ChatMessage]:
    where = f"messages[{i}]"
    if not isinstance(raw, dict) or raw.get("role") not in ("user", "assistant"):
        raise InputError(f"{where} must be an object with role user or assistant")
    content = raw.get("content")
    source_name = raw.get(SOURCE_KEY)
    if source_name is not None and not isinstance(source_name, str):
        raise InputError(f"{where}.{SOURCE_KEY} must be a string")
    if isinstance(content, str):
        return [ChatMessage(raw["role"], content, source=source_name)]
    if not isinstance(content, list):
        raise InputError(f"{where}.content must be a string or an array of content blocks")
    out: list[ChatMessage] = []
    texts: list[str] = []
    calls: list[ToolCallOut] = []
    for k, block in enumerate(content):
        at = f"{where}.content[{k}]"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise InputError(f"{at} must be an object with a `type`")
        kind = block["type"]
        if kind == "text":
            texts.append(content_text([block], at))
        elif kind == "tool_use":
            if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
                raise InputError(f"{at} needs string `id` and `name`")
            names[block["id"]] = block["name"]
            calls.append(
                ToolCallOut(block["id"], block["name"], json.dumps(block.get("input", {})))
            )
        elif kind == "tool_result":
            use_id = block.get("tool_use_id")
            if not isinstance(use_id, str):
                raise InputError(f"{at}.tool_use_id must be a string")
            text = content_text(block.get("content", ""), f"{at}.content")
            out.append(ChatMessage("tool", text, tool_call_id=use_id, tool_name=names.get(use_id)))
        elif kind == "document":
            source = block.get("source") or {}
            if not isinstance(source, dict):
                raise InputError(f"{at}.source must be an object")
            data = source.get("data")
            text = (
                data
                if isinstance(data, str)
                else content_text(source.get("content", ""), f"{at}.source")
            )
            name = block.get(SOURCE_KEY) if isinstance(block.get(SOURCE_KEY), str) else None
            out.append(ChatMessage("user", text, source=name or "unknown"))
    if texts or calls:
        out.append(ChatMessage(raw["role"], "\n".join(texts), tuple(calls), source=source_name))
    return out


def _tool_choice_in(choice: Any) -> Any:
    if not isinstance(choice, dict):
        return None
    kind = choice.get("type")
    if kind == "tool" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    return {"auto": "auto", "any": "required", "none": "none"}.get(str(kind))


def _tool_choice_out(choice: Any) -> Any:
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return {"type": "tool", "name": choice["function"].get("name")}
    return {"auto": {"type": "auto"}, "required": {"type": "any"}, "none": {"type": "none"}}.get(
        str(choice)
    )


# --- the upstream side ----------------------------------------------------------------------


def build_request(req: ChatRequest) -> dict[str, Any]:
    """The body to send Anthropic's Messages API."""
    if req.client_format == "anthropic" and req.raw is not None and not req.rewritten:
        forward = dict(req.raw)  # untouched by enforcement: forward as the client sent it
        forward["model"], forward["stream"] = req.model, req.stream
        return forward
    system = "\n\n".join(m.text for m in req.messages if m.role == "system")
    messages: list[dict[str, Any]] = []
    for m in req.messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.text}
            _append(messages, "user", [block])
        elif m.role == "assistant":
            blocks: list[dict[str, Any]] = [{"type": "text", "text": m.text}] if m.text else []
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": _args(c.arguments)}
                for c in m.tool_calls
            ]
            _append(messages, "assistant", blocks)
        else:
            _append(messages, "user", [{"type": "text", "text": m.text}])
    body: dict[str, Any] = {"model": req.model, "messages": messages, "stream": req.stream}
    body["max_tokens"] = (
        req.params.get("max_tokens") or req.params.get("max_completion_tokens") or 1024
    )
    for theirs, ours in _PARAMS.items():
        if ours in req.params and theirs != "max_tokens":
            stop = req.params[ours]
            body[theirs] = [stop] if theirs == "stop_sequences" and isinstance(stop, str) else stop
    if system:
        body["system"] = system
    if req.tools:
        body["tools"] = [
            {"name": t["function"]["name"], "description": t["function"].get("description", ""),
             "input_schema": t["function"].get("parameters") or {"type": "object"}}
            for t in req.tools
        ]  # fmt: skip
    if req.tool_choice is not None and _tool_choice_out(req.tool_choice) is not None:
        body["tool_choice"] = _tool_choice_out(req.tool_choice)
    return body


def _append(messages: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    if messages and messages[-1]["role"] == role:
        messages[-1]["content"].extend(blocks)
    else:
        messages.append({"role": role, "content": blocks})


def _args(text: str) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {"_raw": text}


def parse_response(body: Any) -> ChatResult:
    """Anthropic's non-streaming answer; `ValueError`/`KeyError` when unusable."""
    texts, calls = [], []
    for block in body["content"]:
        if block["type"] == "text":
            texts.append(str(block["text"]))
        elif block["type"] == "tool_use":
            calls.append(
                ToolCallOut(
                    str(block["id"]), str(block["name"]), json.dumps(block.get("input", {}))
                )
            )
    usage = body.get("usage") or {}
    finish = _STOP_IN.get(str(body.get("stop_reason")), "stop")
    result_usage = Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0))
    return ChatResult(
        str(body.get("id", "")),
        str(body.get("model", "")),
        "".join(texts),
        tuple(calls),
        finish,
        result_usage,
    )


class ChunkParser:
    """Anthropic stream events into the gateway's; it remembers which block is which."""

    def __init__(self) -> None:
        self._tool_index: dict[int, int] = {}
        self._input_tokens = 0

    def parse(self, event: str | None, body: Any) -> list[StreamEvent]:
        kind = body.get("type", event)
        if kind == "error":
            raise ValueError(f"upstream stream error: {str(body.get('error'))[:200]}")
        if kind == "message_start":
            self._input_tokens = int(
                ((body.get("message") or {}).get("usage") or {}).get("input_tokens") or 0
            )
        elif kind == "content_block_start":
            block = body["content_block"]
            if block["type"] == "tool_use":
                index = len(self._tool_index)
                self._tool_index[int(body["index"])] = index
                return [ToolCallDelta(index, str(block["id"]), str(block["name"]))]
        elif kind == "content_block_delta":
            delta = body["delta"]
            if delta["type"] == "text_delta":
                return [TextDelta(str(delta["text"]))]
            if delta["type"] == "input_json_delta":
                piece = delta["partial_json"]
                if not isinstance(piece, str):  # pieces of text, joined before they are read
                    raise ValueError("input_json_delta.partial_json is not a string")
                return [ToolCallDelta(self._tool_index[int(body["index"])], arguments=piece)]
        elif kind == "message_delta":
            stop = _STOP_IN.get(str((body.get("delta") or {}).get("stop_reason")), "stop")
            output = int((body.get("usage") or {}).get("output_tokens") or 0)
            return [StreamEnd(stop, Usage(self._input_tokens, output))]
        return []


# --- the client side ------------------------------------------------------------------------


def render_response(result: ChatResult, vallum: dict[str, Any] | None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": result.text}] if result.text else []
    content += [
        {"type": "tool_use", "id": c.id, "name": c.name, "input": _args(c.arguments)}
        for c in result.tool_calls
    ]
    body = {
        "id": result.id,
        "type": "message",
        "role": "assistant",
        "model": result.model,
        "content": content,
        "stop_reason": _STOP_OUT[result.finish_reason],
        "stop_sequence": None,
        "usage": {
            "input_tokens": result.usage.prompt_tokens,
            "output_tokens": result.usage.completion_tokens,
        },
    }
    if vallum is not None:
        body["vallum"] = vallum
    return body


class StreamRenderer:
    """Our answer as Anthropic stream events: message_start ... message_stop."""

    def __init__(self, message_id: str, model: str):
        self._id, self._model = message_id, model
        self._block = -1
        self._text_open = False

    def start(self) -> bytes:
        message: dict[str, Any] = {"id": self._id, "type": "message", "role": "assistant", "model": self._model, "content": [],
                   "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0}}  # fmt: skip
        return encode({"type": "message_start", "message": message}, "message_start")

    def _close_text(self) -> bytes:
        if not self._text_open:
            return b""
        self._text_open = False
        return encode({"type": "content_block_stop", "index": self._block}, "content_block_stop")

    def text(self, piece: str) -> bytes:
        head = b""
        if not self._text_open:
            self._block += 1
            self._text_open = True
            start = {
                "type": "content_block_start",
                "index": self._block,
                "content_block": {"type": "text", "text": ""},
            }
            head = encode(start, "content_block_start")
        delta = {
            "type": "content_block_delta",
            "index": self._block,
            "delta": {"type": "text_delta", "text": piece},
        }
        return head + encode(delta, "content_block_delta")

    def tool_call(self, call: ToolCallOut) -> bytes:
        out = self._close_text()
        self._block += 1
        block = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
        out += encode(
            {"type": "content_block_start", "index": self._block, "content_block": block},
            "content_block_start",
        )
        # The arguments were read once and are carried in canonical form: sent as they are.
        delta = {"type": "input_json_delta", "partial_json": call.arguments or "{}"}
        out += encode(
            {"type": "content_block_delta", "index": self._block, "delta": delta},
            "content_block_delta",
        )
        return out + encode(
            {"type": "content_block_stop", "index": self._block}, "content_block_stop"
        )

    def end(
        self, finish: FinishReason, usage: Usage | None, vallum: dict[str, Any] | None
    ) -> bytes:
        out = self._close_text()
        counts = {"output_tokens": usage.completion_tokens if usage else 0}
        if usage is not None:  # known only at the end when the upstream speaks another format
            counts["input_tokens"] = usage.prompt_tokens
        delta: dict[str, Any] = {"type": "message_delta", "delta": {"stop_reason": _STOP_OUT[finish], "stop_sequence": None},
                 "usage": counts}  # fmt: skip
        if vallum is not None:
            delta["vallum"] = vallum
        out += encode(delta, "message_delta")
        return out + encode({"type": "message_stop"}, "message_stop")

    def error(self, body: dict[str, Any]) -> bytes:
        return self._close_text() + encode(body, "error")
