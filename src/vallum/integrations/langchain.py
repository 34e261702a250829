"""LangChain and LangGraph (`vallum[langchain]`): a tool wrapper and a callback handler.

    from vallum import Guard
    from vallum.integrations.langchain import VallumCallbackHandler, guard_tool

    guard = Guard("policies/", principal="agent:support-bot")
    send_email = guard_tool(guard, send_email)          # same name, description and schema
    model = model.with_config(callbacks=[VallumCallbackHandler(guard)])

`guard_tool` authorizes every call (Cedar, per-argument provenance, approvals) before the tool
runs, and checks a text result before the model sees it; a refusal is LangChain's own
`ToolException`, which the wrapped tool hands back to the model as the tool's answer (the text
says what was blocked, why and the evidence id; a held call gives the approval id). The
arguments the tool runs with are the ones that were checked: the tool's own schema parses them
once, first.

`VallumCallbackHandler` checks what goes into a model (human and system messages as `input`,
tool messages as `tool_result`) and what comes out (`output`). A callback can stop a call but
cannot rewrite it, so anything other than `allow` raises `ContentBlocked` (a redaction too:
the text cannot be delivered redacted from here; the gateway redacts).
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult
from langchain_core.tools import BaseTool, StructuredTool, ToolException

from vallum.exceptions import ApprovalPending, ContentBlocked, ToolBlocked
from vallum.guard import Guard
from vallum.model import Action, Decision

__all__ = ["VallumCallbackHandler", "guard_tool"]


def guard_tool(guard: Guard, tool: BaseTool) -> StructuredTool:
    """`tool`, with every call authorized and every text result checked by `guard`."""
    name = tool.name

    def refuse(exc: ToolBlocked | ApprovalPending) -> ToolException:
        return ToolException(f"[vallum] {exc}")

    def run(**kwargs: Any) -> Any:
        try:
            guard.authorize_tool(name, kwargs)
            result = tool.invoke(kwargs)
            return guard.screen_tool_result(name, result) if isinstance(result, str) else result
        except (ToolBlocked, ApprovalPending) as exc:
            raise refuse(exc) from None

    async def arun(**kwargs: Any) -> Any:
        try:
            await asyncio.to_thread(guard.authorize_tool, name, kwargs)
            result = await tool.ainvoke(kwargs)
            if isinstance(result, str):
                return await asyncio.to_thread(guard.screen_tool_result, name, result)
            return result
        except (ToolBlocked, ApprovalPending) as exc:
            raise refuse(exc) from None

    return StructuredTool.from_function(
        func=run,
        coroutine=arun,
        name=name,
        description=tool.description,
        args_schema=tool.args_schema,
        return_direct=tool.return_direct,
        handle_tool_error=True,
    )


class VallumCallbackHandler(BaseCallbackHandler):
    """Checks a model's input and output through `guard`; raises `ContentBlocked` to stop."""

    raise_error = True  # LangChain re-raises a handler's exception instead of logging it

    def __init__(self, guard: Guard):
        self.guard = guard

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        for batch in messages:
            for message in batch:
                text = message.text if isinstance(message.text, str) else str(message.text)
                if message.type in ("human", "system"):
                    self._stop_unless_allowed("input", self.guard.check_input(text))
                elif message.type == "tool":
                    tool = getattr(message, "name", None) or "unknown"
                    self._stop_unless_allowed(
                        "tool result", self.guard.check_tool_result(tool, text)
                    )

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], **kwargs: Any) -> None:
        for prompt in prompts:
            self._stop_unless_allowed("input", self.guard.check_input(prompt))

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        for generations in response.generations:
            for generation in generations:
                self._stop_unless_allowed("output", self.guard.check_output(generation.text))

    @staticmethod
    def _stop_unless_allowed(what: str, decision: Decision) -> None:
        if decision.action is Action.ALLOW:
            return
        raise ContentBlocked(
            f"[vallum] model {what} stopped ({decision.action.value}): {decision.explain()} "
            f"(evidence {decision.evidence_id})",
            decision,
        )
