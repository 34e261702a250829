"""A pipeline element replacing AgentDojo's `ToolsExecutor`, with Vallum deciding each step.

For each tool call in the assistant's last message:

1. `tool_call` event: Vallum authorizes the call. A refused call (`block`, or
   `require_approval` unless approvals are granted with `grant_approvals`, for counting how many
   a task would need) is removed from the assistant's message and replaced by a note in its text,
   as the gateway does: the call never happened, so AgentDojo's trace-based checks do not count
   it. `allow`/`redact` run the tool.
2. `tool_result` event: the formatted result is scanned. `block` withholds it (the model sees a
   notice instead), `redact` passes the redacted text.

Without an engine it behaves like AgentDojo's own executor (the "no defense" baseline). All runs
of one task share one Vallum session, so labels from earlier results shape later decisions; the
user's request enters that session first (an `input` event), as it does through the gateway, so
values the user named are known as the user's.
"""

from __future__ import annotations

import uuid
from ast import literal_eval
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentdojo.agent_pipeline.base_pipeline_element import BasePipelineElement
from agentdojo.agent_pipeline.tool_execution import is_string_list, tool_result_to_str
from agentdojo.functions_runtime import EmptyEnv, Env, FunctionsRuntime
from agentdojo.types import (
    ChatMessage,
    ChatToolResultMessage,
    get_text_content_as_str,
    text_content_block_from_string,
)

from vallum.engine import Engine
from vallum.model import Action, Event, Principal, Stage, ToolCall

AGENT = Principal("agent", "agentdojo")
SESSION_KEY = "vallum_session"
BLOCKED_PREFIX = "Vallum blocked this call"
HELD_PREFIX = "Vallum held this call for human approval, which was not granted"
WITHHELD_PREFIX = "Vallum withheld this tool result"


@dataclass(slots=True)
class RunStats:
    """What Vallum did during one task run."""

    calls: int = 0
    blocked: int = 0
    held: int = 0
    withheld: int = 0
    redacted: int = 0
    held_tools: list[str] = field(default_factory=list)


class VallumToolsExecutor(BasePipelineElement):  # type: ignore[misc]  # untyped base
    """Runs tool calls through Vallum; `stats` describes the current run (reset per task)."""

    def __init__(self, engine: Engine | None, *, grant_approvals: bool = False) -> None:
        self.engine = engine
        self.grant_approvals = grant_approvals
        self.stats = RunStats()

    def reset(self) -> None:
        self.stats = RunStats()

    def query(
        self,
        query: str,
        runtime: FunctionsRuntime,
        env: Env = EmptyEnv(),  # noqa: B008 - AgentDojo's own signature
        messages: Sequence[ChatMessage] = (),
        extra_args: dict[str, Any] = {},  # noqa: B006 - AgentDojo's own signature
    ) -> tuple[str, FunctionsRuntime, Env, Sequence[ChatMessage], dict[str, Any]]:
        if not messages or messages[-1]["role"] != "assistant":
            return query, runtime, env, messages, extra_args
        calls = messages[-1].get("tool_calls") or []
        if not calls:
            return query, runtime, env, messages, extra_args
        extra_args = dict(extra_args)
        session = extra_args.get(SESSION_KEY)
        if session is None:
            session = extra_args[SESSION_KEY] = f"agentdojo-{uuid.uuid4().hex[:12]}"
            self._start(session, query)
        names = {tool.name for tool in runtime.functions.values()}
        results: list[ChatMessage] = []
        kept: list[Any] = []
        notes: list[str] = []
        for call in calls:
            if call.function not in names:
                results.append(_result(call, "", f"Invalid tool {call.function} provided."))
                continue
            for key, value in call.args.items():
                if isinstance(value, str) and is_string_list(value):
                    call.args[key] = literal_eval(value)
            self.stats.calls += 1
            refusal = self._authorize(session, call.function, dict(call.args))
            if refusal is not None:
                notes.append(f"[{refusal} Removed call {call.id}: {call.function}]")
                continue
            kept.append(call)
            output, error = runtime.run_function(env, call.function, call.args)
            text = tool_result_to_str(output)
            text, withheld = self._scan(session, call.function, dict(call.args), text)
            results.append(_result(call, text, withheld or error))
        head = list(messages)
        if notes:
            assistant = dict(head[-1])
            text = get_text_content_as_str(assistant.get("content") or [])
            assistant["content"] = [
                text_content_block_from_string("\n".join([text, *notes]).strip())
            ]
            assistant["tool_calls"] = kept
            head[-1] = assistant
        return query, runtime, env, [*head, *results], extra_args

    def _start(self, session: str, query: str) -> None:
        """The user's request enters the session: what the user named is the user's."""
        if self.engine is not None and query:
            self.engine.evaluate(Event(Stage.INPUT, AGENT, session, text=query))

    def _authorize(self, session: str, tool: str, args: dict[str, Any]) -> str | None:
        if self.engine is None:
            return None
        event = Event(Stage.TOOL_CALL, AGENT, session, tool_call=ToolCall(tool, args))
        decision = self.engine.evaluate(event)
        why = "; ".join(
            f"{r.policy_id or r.control}: {r.message}"
            for r in decision.reasons
            if r.enforced and r.action is not Action.ALLOW
        )
        if decision.action is Action.BLOCK:
            self.stats.blocked += 1
            return f"{BLOCKED_PREFIX} ({why})."
        if decision.action is Action.REQUIRE_APPROVAL:
            self.stats.held += 1
            self.stats.held_tools.append(tool)
            if not self.grant_approvals:
                return f"{HELD_PREFIX} ({why})."
        return None

    def _scan(
        self, session: str, tool: str, args: dict[str, Any], text: str
    ) -> tuple[str, str | None]:
        if self.engine is None:
            return text, None
        event = Event(Stage.TOOL_RESULT, AGENT, session, text=text, tool_call=ToolCall(tool, args))
        decision = self.engine.evaluate(event)
        if decision.action is Action.BLOCK:
            self.stats.withheld += 1
            why = "; ".join(r.control for r in decision.reasons if r.enforced)
            return "", f"{WITHHELD_PREFIX} ({why})."
        if decision.action is Action.REDACT and decision.redacted_text is not None:
            self.stats.redacted += 1
            return decision.redacted_text, None
        return text, None


def _result(call: Any, text: str, error: str | None) -> ChatMessage:
    return ChatToolResultMessage(
        role="tool",
        content=[text_content_block_from_string(text)],
        tool_call_id=call.id,
        tool_call=call,
        error=error,
    )
