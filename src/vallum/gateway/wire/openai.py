"""OpenAI Chat Completions on the wire: requests and answers to and from the gateway's shapes.

Used both ways: the `/v1/chat/completions` route parses clients' requests and renders answers,
and the OpenAI-compatible upstream adapter renders requests and parses the provider's answers.
"""

from __future__ import annotations

import json
import time
from typing import Any

from vallum.exceptions import InputError
from vallum.gateway.wire.chat import (
    ChatMessage,
    ChatRequest,
    ChatResult,
    FinishReason,
    Role,
    StreamEnd,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallOut,
    Usage,
)
from vallum.gateway.wire.sse import encode

ROLES = ("system", "developer", "user", "assistant", "tool")
PARAMS = (
    "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed",
    "presence_penalty", "frequency_penalty", "user", "response_format", "n",
)  # fmt: skip
SOURCE_KEY = "vallum_source"  # a message carrying retrieved content names its source here
_FINISH: dict[str, FinishReason] = {
    "stop": "stop", "length": "length", "tool_calls": "tool_calls", "function_call": "tool_calls",
    "content_filter": "content_filter",
}  # fmt: skip


def parse_request(body: Any) -> ChatRequest:
    """A client's Chat Completions body as a `ChatRequest`; `InputError` names the bad field."""
    if not isinstance(body, dict):
        raise InputError("request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InputError("`model` must be a non-empty string")
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise InputError("`messages` must be a non-empty array")
    names: dict[str, str] = {}
    messages = tuple(_message(i, m, names) for i, m in enumerate(raw_messages))
    tools = body.get("tools") or []
    if not isinstance(tools, list) or not all(_is_function_tool(t) for t in tools):
        raise InputError("`tools` must be an array of {type: function, function: {name, ...}}")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise InputError("`stream` must be a boolean")
    params = {k: body[k] for k in PARAMS if k in body}
    return ChatRequest(
        model, messages, stream, tuple(tools), body.get("tool_choice"), params, "openai", body
    )


def _is_function_tool(tool: Any) -> bool:
    return (
        isinstance(tool, dict)
        and tool.get("type") == "function"
        and isinstance(tool.get("function"), dict)
        and isinstance(tool["function"].get("name"), str)
    )


def _message(i: int, raw: Any, names: dict[str, str]) -> ChatMessage:
    if not isinstance(raw, dict):
        raise InputError(f"messages[{i}] must be an object")
    role = raw.get("role")
    if role not in ROLES:
        raise InputError(f"messages[{i}].role must be one of {', '.join(ROLES)}, not {role!r}")
    text = content_text(raw.get("content"), f"messages[{i}].content")
    source = raw.get(SOURCE_KEY)
    if source is not None and not isinstance(source, str):
        raise InputError(f"messages[{i}].{SOURCE_KEY} must be a string")
    raw_calls = raw.get("tool_calls") or []
    if not isinstance(raw_calls, list):
        raise InputError(f"messages[{i}].tool_calls must be an array")
    calls = tuple(_tool_call(i, j, c) for j, c in enumerate(raw_calls))
    for call in calls:
        names[call.id] = call.name
    call_id = raw.get("tool_call_id")
    tool_name = None
    if role == "tool":
        if not isinstance(call_id, str):
            raise InputError(f"messages[{i}].tool_call_id must be a string for a tool message")
        tool_name = names.get(call_id) or (
            raw.get("name") if isinstance(raw.get("name"), str) else None
        )
    norm: Role = "system" if role == "developer" else role
    return ChatMessage(
        norm, text, calls, call_id if isinstance(call_id, str) else None, tool_name, source, raw
    )


def content_text(content: Any, where: str) -> str:
    """The text of a message content: a string, or the text parts of an array of parts
    (OpenAI content parts and Anthropic content blocks share this shape)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for k, part in enumerate(content):
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                raise InputError(f"{where}[{k}] must be an object with a `type`")
            if part["type"] == "text":
                if not isinstance(part.get("text"), str):
                    raise InputError(f"{where}[{k}].text must be a string")
                parts.append(part["text"])
        return "\n".join(parts)
    raise InputError(f"{where} must be a string or an array of content parts")


def _tool_call(i: int, j: int, raw: Any) -> ToolCallOut:
    fn = raw.get("function") if isinstance(raw, dict) else None
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        raise InputError(f"messages[{i}].tool_calls[{j}] must have function.name")
    args = fn.get("arguments", "")
    call_id = raw.get("id")
    return ToolCallOut(
        call_id if isinstance(call_id, str) else f"call_{i}_{j}",
        fn["name"],
        args if isinstance(args, str) else json.dumps(args),
    )


# --- the upstream side: our request out, the provider's answer in ---------------------------


def build_request(req: ChatRequest) -> dict[str, Any]:
    """The body to send an OpenAI-compatible upstream."""
    same = req.client_format == "openai"
    messages = [message_body(m, same) for m in req.messages]
    if same and req.raw is not None:
        body = {k: v for k, v in req.raw.items() if k != "stream_options"}
        body["messages"] = messages
    else:
        body = {"model": req.model, "messages": messages, **req.params}
        if req.tools:
            body["tools"] = list(req.tools)
        if req.tool_choice is not None:
            body["tool_choice"] = req.tool_choice
    body["model"] = req.model
    body["stream"] = req.stream
    if req.stream:  # usage is recorded in evidence and passed on: ask for it
        body["stream_options"] = {"include_usage": True}
    return body


def message_body(m: ChatMessage, raw_ok: bool) -> dict[str, Any]:
    if raw_ok and m.raw is not None:  # an OpenAI message unchanged since the client sent it
        return {k: v for k, v in m.raw.items() if k != SOURCE_KEY}
    out: dict[str, Any] = {"role": m.role, "content": m.text}
    if m.tool_calls:
        out["tool_calls"] = [tool_call_body(c) for c in m.tool_calls]
        out["content"] = m.text or None
    if m.role == "tool":
        out["tool_call_id"] = m.tool_call_id
    return out


def tool_call_body(call: ToolCallOut, index: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }
    if index is not None:
        body["index"] = index
    return body


def parse_response(body: Any) -> ChatResult:
    """An upstream's non-streaming answer; `ValueError` when it is not a usable completion."""
    choice = body["choices"][0]
    message = choice["message"]
    text = message.get("content") or ""
    if not isinstance(text, str):
        raise ValueError("message.content is not a string")
    calls = tuple(_tool_call(0, j, c) for j, c in enumerate(message.get("tool_calls") or []))
    finish = _FINISH.get(str(choice.get("finish_reason")), "stop")
    return ChatResult(
        str(body.get("id", "")),
        str(body.get("model", "")),
        text,
        calls,
        finish,
        _usage(body.get("usage")),
    )


def _usage(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    return Usage(int(raw.get("prompt_tokens") or 0), int(raw.get("completion_tokens") or 0))


def parse_chunk(body: Any) -> list[StreamEvent]:
    """The events in one streamed chunk; `ValueError` when it is malformed."""
    if "error" in body:
        raise ValueError(f"upstream stream error: {str(body['error'])[:200]}")
    events: list[StreamEvent] = []
    choices = body.get("choices") or []
    usage = _usage(body["usage"]) if isinstance(body.get("usage"), dict) else None
    for choice in choices[:1]:
        delta = choice.get("delta") or {}
        if delta.get("content"):
            events.append(TextDelta(str(delta["content"])))
        for call in delta.get("tool_calls") or []:
            fn = call.get("function") or {}
            pieces = fn.get("arguments") or ""
            if not isinstance(pieces, str):  # pieces of text, joined before they are read
                raise ValueError("tool_calls[].function.arguments is not a string")
            events.append(
                ToolCallDelta(int(call.get("index", 0)), call.get("id"), fn.get("name"), pieces)
            )
        if choice.get("finish_reason"):
            events.append(StreamEnd(_FINISH.get(str(choice["finish_reason"]), "stop"), usage))
    if not choices and usage is not None:
        events.append(StreamEnd("stop", usage))
    return events


# --- the client side: our answer out --------------------------------------------------------


def render_response(result: ChatResult, vallum: dict[str, Any] | None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": result.text}
    if result.tool_calls:
        message["tool_calls"] = [tool_call_body(c) for c in result.tool_calls]
        message["content"] = result.text or None
    body = {
        "id": result.id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": result.model,
        "choices": [{"index": 0, "message": message, "finish_reason": result.finish_reason}],
        "usage": {
            "prompt_tokens": result.usage.prompt_tokens,
            "completion_tokens": result.usage.completion_tokens,
            "total_tokens": result.usage.total,
        },
    }
    if vallum is not None:
        body["vallum"] = vallum
    return body


class StreamRenderer:
    """Our answer as `chat.completion.chunk` events, ended by `data: [DONE]`."""

    def __init__(self, completion_id: str, model: str):
        self._base = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }
        self._tool_index = 0

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return encode({**self._base, "choices": [choice], **extra})

    def start(self) -> bytes:
        return self._chunk({"role": "assistant", "content": ""})

    def text(self, piece: str) -> bytes:
        return self._chunk({"content": piece})

    def tool_call(self, call: ToolCallOut) -> bytes:
        index, self._tool_index = self._tool_index, self._tool_index + 1
        return self._chunk({"tool_calls": [tool_call_body(call, index)]})

    def end(
        self, finish: FinishReason, usage: Usage | None, vallum: dict[str, Any] | None
    ) -> bytes:
        extra: dict[str, Any] = {} if vallum is None else {"vallum": vallum}
        if usage is not None:
            extra["usage"] = {
                "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                "total_tokens": usage.total,
            }  # fmt: skip
        return self._chunk({}, finish, **extra) + b"data: [DONE]\n\n"

    def error(self, body: dict[str, Any]) -> bytes:
        return encode(body) + b"data: [DONE]\n\n"


def encode_tool_delta(
    completion_id: str, model: str, index: int, call: ToolCallOut, arguments: str, first: bool
) -> bytes:
    """One streamed piece of a tool call: the first carries id and name, later ones only arguments."""
    fn: dict[str, Any] = {"arguments": arguments}
    delta: dict[str, Any] = {"index": index, "function": fn}
    if first:
        delta.update(id=call.id, type="function")
        fn["name"] = call.name
    chunk = {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
             "choices": [{"index": 0, "delta": {"tool_calls": [delta]}, "finish_reason": None}]}  # fmt: skip
    return encode(chunk)
