"""The OpenAI Responses API (`POST /v1/responses`) on the wire, to and from the gateway's shapes.

A request's `instructions` and `input` items become the neutral `ChatRequest` every control
already runs on (a message item by its role, `function_call` an assistant tool call,
`function_call_output` a tool result, a message naming `vallum_source` a retrieval), and the
answer is rendered back as a `response` object, or as the Responses streaming events
(`response.created`, `response.output_text.delta`, ..., `response.completed`). The upstream is
spoken to in its own format (Chat Completions or Anthropic Messages), as for every route.

What cannot be checked is refused, not passed through: `previous_response_id` (a conversation
stored at the provider, which the gateway never saw), built-in tools (web search, file search,
computer use: their results would reach the model unchecked) and input items of other types.
"""

from __future__ import annotations

import time
from typing import Any

from vallum.exceptions import InputError
from vallum.gateway.wire.chat import (
    ChatMessage,
    ChatRequest,
    ChatResult,
    FinishReason,
    Role,
    ToolCallOut,
    Usage,
)
from vallum.gateway.wire.openai import SOURCE_KEY, content_text
from vallum.gateway.wire.sse import encode

ROLES: dict[str, Role] = {"system": "system", "developer": "system", "user": "user",
                          "assistant": "assistant"}  # fmt: skip
PARAMS = {"temperature": "temperature", "top_p": "top_p", "max_output_tokens": "max_tokens",
          "user": "user", "seed": "seed"}  # fmt: skip
UNCHECKABLE = ("previous_response_id", "conversation", "prompt")


def parse_request(body: Any) -> ChatRequest:
    """A client's Responses body as a `ChatRequest`; `InputError` names the bad field."""
    if not isinstance(body, dict):
        raise InputError("request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InputError("`model` must be a non-empty string")
    for key in UNCHECKABLE:
        if body.get(key) is not None:
            raise InputError(
                f"`{key}` is not supported: the gateway checks only what the request carries; "
                "send the whole conversation in `input`"
            )
    messages: list[ChatMessage] = []
    instructions = body.get("instructions")
    if instructions is not None:
        if not isinstance(instructions, str):
            raise InputError("`instructions` must be a string")
        messages.append(ChatMessage("system", instructions))
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        messages.append(ChatMessage("user", raw_input))
    elif isinstance(raw_input, list) and raw_input:
        names: dict[str, str] = {}
        messages.extend(_item(i, item, names) for i, item in enumerate(raw_input))
    else:
        raise InputError("`input` must be a string or a non-empty array of input items")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise InputError("`stream` must be a boolean")
    raw_tools = body.get("tools") or []
    if not isinstance(raw_tools, list):
        raise InputError("`tools` must be an array")
    tools = tuple(_tool(i, t) for i, t in enumerate(raw_tools))
    params = {ours: body[theirs] for theirs, ours in PARAMS.items() if theirs in body}
    return ChatRequest(
        model, tuple(messages), stream, tools, _tool_choice(body.get("tool_choice")), params,
        "responses", None,
    )  # fmt: skip


def _item(i: int, item: Any, names: dict[str, str]) -> ChatMessage:
    where = f"input[{i}]"
    if not isinstance(item, dict):
        raise InputError(f"{where} must be an object")
    kind = item.get("type", "message")
    if kind == "message":
        role = ROLES.get(str(item.get("role")))
        if role is None:
            raise InputError(f"{where}.role must be one of {', '.join(ROLES)}")
        text = content_text(_parts(item.get("content")), f"{where}.content")
        source = item.get(SOURCE_KEY)
        if source is not None and not isinstance(source, str):
            raise InputError(f"{where}.{SOURCE_KEY} must be a string")
        return ChatMessage(role, text, source=source)
    if kind == "function_call":
        call_id, name, args = item.get("call_id"), item.get("name"), item.get("arguments", "")
        if not (isinstance(call_id, str) and isinstance(name, str) and isinstance(args, str)):
            raise InputError(f"{where}: a function_call needs string call_id, name, arguments")
        names[call_id] = name
        return ChatMessage("assistant", "", (ToolCallOut(call_id, name, args),))
    if kind == "function_call_output":
        call_id, output = item.get("call_id"), item.get("output")
        if not isinstance(call_id, str):
            raise InputError(f"{where}.call_id must be a string")
        text = output if isinstance(output, str) else content_text(_parts(output), where)
        return ChatMessage("tool", text, tool_call_id=call_id, tool_name=names.get(call_id))
    raise InputError(f"{where}: input items of type {kind!r} cannot be checked by the gateway")


def _parts(content: Any) -> Any:
    """Responses content parts (`input_text`, `output_text`) in the shape `content_text` reads;
    a part that is not text (an image, a file) is refused: it would reach the model unchecked."""
    if not isinstance(content, list):
        return content
    out = []
    for k, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text"):
            out.append({"type": "text", "text": part.get("text")})
        else:
            raise InputError(f"content[{k}] of type {kind!r} cannot be checked by the gateway")
    return out


def _tool(i: int, tool: Any) -> dict[str, Any]:
    if not isinstance(tool, dict) or tool.get("type") != "function":
        kind = tool.get("type") if isinstance(tool, dict) else None
        raise InputError(
            f"tools[{i}] of type {kind!r}: only function tools are supported (a built-in "
            "tool's results would reach the model unchecked)"
        )
    if not isinstance(tool.get("name"), str):
        raise InputError(f"tools[{i}].name must be a string")
    fn = {k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool}
    return {"type": "function", "function": fn}


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    return choice


# --- our answer out ---------------------------------------------------------------------------


def _status(finish: FinishReason) -> tuple[str, dict[str, str] | None]:
    if finish == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    return "completed", None


def _usage(usage: Usage) -> dict[str, int]:
    return {
        "input_tokens": usage.prompt_tokens,
        "output_tokens": usage.completion_tokens,
        "total_tokens": usage.total,
    }


def _message_item(item_id: str, text: str, status: str = "completed") -> dict[str, Any]:
    part = {"type": "output_text", "text": text, "annotations": []}
    return {"type": "message", "id": item_id, "status": status, "role": "assistant",
            "content": [part] if text or status == "completed" else []}  # fmt: skip


def _call_item(call: ToolCallOut) -> dict[str, Any]:
    return {"type": "function_call", "id": f"fc_{call.id}", "call_id": call.id,
            "name": call.name, "arguments": call.arguments, "status": "completed"}  # fmt: skip


def _response(
    response_id: str,
    model: str,
    output: list[dict[str, Any]],
    finish: FinishReason | None,
    usage: Usage | None,
) -> dict[str, Any]:
    status, incomplete = _status(finish) if finish is not None else ("in_progress", None)
    return {
        "id": response_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "incomplete_details": incomplete,
        "model": model,
        "output": output,
        "usage": _usage(usage) if usage is not None else None,
    }


def render_response(result: ChatResult, vallum: dict[str, Any] | None) -> dict[str, Any]:
    output: list[dict[str, Any]] = []
    if result.text or not result.tool_calls:
        output.append(_message_item(f"msg_{result.id}", result.text))
    output.extend(_call_item(c) for c in result.tool_calls)
    body = _response(f"resp_{result.id}", result.model, output, result.finish_reason, result.usage)
    body["output_text"] = result.text
    if vallum is not None:
        body["vallum"] = vallum
    return body


class StreamRenderer:
    """Our answer as Responses streaming events (named SSE events, each with its `type` and a
    `sequence_number`), ended by `response.completed` (or `response.incomplete`)."""

    def __init__(self, response_id: str, model: str):
        self._id = "resp_" + response_id.removeprefix("chatcmpl-")
        self._model = model
        self._seq = 0
        self._text: list[str] = []
        self._message_open = False
        self._message_id = ""
        self._items: list[dict[str, Any]] = []

    def _event(self, kind: str, **fields: Any) -> bytes:
        data = {"type": kind, "sequence_number": self._seq, **fields}
        self._seq += 1
        return encode(data, kind)

    def start(self) -> bytes:
        return self._event(
            "response.created", response=_response(self._id, self._model, [], None, None)
        )

    def _open_message(self) -> bytes:
        if self._message_open:
            return b""
        self._message_open = True
        self._text = []
        self._message_id = f"msg_{self._id.removeprefix('resp_')}_{len(self._items)}"
        item = _message_item(self._message_id, "", "in_progress")
        index = len(self._items)
        return self._event("response.output_item.added", output_index=index, item=item) + (
            self._event(
                "response.content_part.added",
                item_id=item["id"],
                output_index=index,
                content_index=0,
                part={"type": "output_text", "text": "", "annotations": []},
            )
        )

    def _close_message(self) -> bytes:
        if not self._message_open:
            return b""
        self._message_open = False
        text = "".join(self._text)
        item = _message_item(self._message_id, text)
        index = len(self._items)
        self._items.append(item)
        common = {"item_id": item["id"], "output_index": index, "content_index": 0}
        return (
            self._event("response.output_text.done", text=text, **common)
            + self._event("response.content_part.done", part=item["content"][0], **common)
            + self._event("response.output_item.done", output_index=index, item=item)
        )

    def text(self, piece: str) -> bytes:
        head = self._open_message()
        self._text.append(piece)
        return head + self._event(
            "response.output_text.delta", item_id=self._message_id,
            output_index=len(self._items), content_index=0, delta=piece,
        )  # fmt: skip

    def tool_call(self, call: ToolCallOut) -> bytes:
        head = self._close_message()
        item = _call_item(call)
        index = len(self._items)
        self._items.append(item)
        added = dict(item, arguments="", status="in_progress")
        return (
            head
            + self._event("response.output_item.added", output_index=index, item=added)
            + self._event(
                "response.function_call_arguments.delta",
                item_id=item["id"],
                output_index=index,
                delta=call.arguments,
            )
            + self._event(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=index,
                arguments=call.arguments,
            )
            + self._event("response.output_item.done", output_index=index, item=item)
        )

    def end(
        self, finish: FinishReason, usage: Usage | None, vallum: dict[str, Any] | None
    ) -> bytes:
        # an answer with nothing in it still has its (empty) message, as the whole form does
        head = self._open_message() if not self._items else b""
        head += self._close_message()
        body = _response(self._id, self._model, self._items, finish, usage)
        if vallum is not None:
            body["vallum"] = vallum
        kind = "response.completed" if body["status"] == "completed" else "response.incomplete"
        return head + self._event(kind, response=body)

    def error(self, body: dict[str, Any]) -> bytes:
        error = body.get("error") or {}
        return self._event(
            "error",
            code=error.get("code"),
            message=error.get("message"),
            param=error.get("param"),
            vallum=body.get("vallum"),
        )
