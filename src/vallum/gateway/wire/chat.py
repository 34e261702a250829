"""The gateway's own view of a chat exchange, between the two wire formats.

Each route parses its format (OpenAI Chat Completions, Anthropic Messages) into a `ChatRequest`,
each upstream adapter speaks its provider's format, and enforcement only ever sees these shapes:
so a control cannot be skipped because a request came in through one route rather than another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]


@dataclass(frozen=True, slots=True)
class ToolCallOut:
    """A tool call the model asked for. `arguments` is JSON text: as the model produced it until
    the call is authorized, then the canonical text of the object that was checked (the only
    form a client receives, `vallum.enforcement.tools.read_arguments`)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message. `source` names a retrieval source for retrieved content; `tool_name` says
    which tool produced a `tool` message. `raw` keeps the client's original message so that an
    upstream of the same format receives it unchanged unless enforcement rewrote its text."""

    role: Role
    text: str
    tool_calls: tuple[ToolCallOut, ...] = ()
    tool_call_id: str | None = None
    tool_name: str | None = None
    source: str | None = None
    raw: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """A model call, format-neutral. `params` are sampling options both formats share
    (temperature, top_p, stop, max_tokens); `tools` are OpenAI-style function definitions."""

    model: str
    messages: tuple[ChatMessage, ...]
    stream: bool = False
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    client_format: Literal["openai", "anthropic", "responses"] = "openai"
    raw: dict[str, Any] | None = None
    rewritten: bool = False  # enforcement changed a message: `raw` no longer says what to send


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class ChatResult:
    """A complete answer: text, tool calls, why it ended, token usage."""

    id: str
    model: str
    text: str
    tool_calls: tuple[ToolCallOut, ...] = ()
    finish_reason: FinishReason = "stop"
    usage: Usage = Usage()


# Stream events an upstream adapter yields, in order: any number of TextDelta and
# ToolCallDelta, then exactly one StreamEnd (an adapter raises UpstreamError instead when the
# stream breaks).


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of tool call `index`: id and name arrive first, arguments in pieces."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True, slots=True)
class StreamEnd:
    finish_reason: FinishReason = "stop"
    usage: Usage | None = None


StreamEvent = TextDelta | ToolCallDelta | StreamEnd
