"""The OpenAI Agents SDK (`vallum[openai-agents]`): input and output guardrails, a tool wrapper.

    from agents import Agent
    from vallum import Guard
    from vallum.integrations.openai_agents import guard_function_tool, input_guardrail, output_guardrail

    guard = Guard("policies/", principal="agent:support-bot")
    agent = Agent(
        name="support",
        tools=[guard_function_tool(guard, send_email)],
        input_guardrails=[input_guardrail(guard)],
        output_guardrails=[output_guardrail(guard)],
    )

The guardrails trip the SDK's own tripwire (`InputGuardrailTripwireTriggered`,
`OutputGuardrailTripwireTriggered`) on anything but `allow`; their `output_info` carries the
action, the explanation and the evidence id. The tool wrapper authorizes each call before the
tool runs (Cedar, per-argument provenance, approvals) and checks a text result before the model
sees it; a refusal is returned to the model as the tool's answer, the SDK's way of reporting a
tool error, saying what was blocked, why and the evidence id (a held call: the approval id).
The arguments are read once, strictly, and the tool runs with the canonical text of what was
checked.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from agents import (
    Agent,
    FunctionTool,
    GuardrailFunctionOutput,
    InputGuardrail,
    OutputGuardrail,
    RunContextWrapper,
)
from agents.tool_context import ToolContext

from vallum.enforcement.tools import NOTICE_PREFIX, read_arguments
from vallum.exceptions import ApprovalPending, InputError, ToolBlocked
from vallum.guard import Guard
from vallum.model import Action, Decision

__all__ = ["guard_function_tool", "input_guardrail", "output_guardrail"]

INPUT_ROLES = ("user", "system", "developer")


def _info(decisions: list[Decision]) -> dict[str, Any]:
    worst = max(decisions, key=lambda d: d.action.severity)
    return {
        "action": worst.action.value,
        "explanation": worst.explain(),
        "evidence_id": worst.evidence_id,
        "evidence_ids": [d.evidence_id for d in decisions],
    }


def _texts(value: str | list[Any]) -> list[str]:
    """The text of every user, system and developer item of an agent's input."""
    if isinstance(value, str):
        return [value]
    out: list[str] = []
    for item in value:
        if not isinstance(item, dict) or item.get("role") not in INPUT_ROLES:
            continue
        content = item.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.extend(
                str(part.get("text", ""))
                for part in content
                if isinstance(part, dict) and part.get("type") in ("input_text", "text")
            )
    return out


def input_guardrail(guard: Guard, *, name: str = "vallum_input") -> InputGuardrail[Any]:
    """A guardrail checking the agent's input as `input` events."""

    async def check(
        ctx: RunContextWrapper[Any], agent: Agent[Any], value: str | list[Any]
    ) -> GuardrailFunctionOutput:
        decisions = [await guard.acheck_input(text) for text in _texts(value)]
        if not decisions:
            return GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)
        info = _info(decisions)
        return GuardrailFunctionOutput(
            output_info=info, tripwire_triggered=info["action"] != Action.ALLOW.value
        )

    return InputGuardrail(guardrail_function=check, name=name)


def output_guardrail(guard: Guard, *, name: str = "vallum_output") -> OutputGuardrail[Any]:
    """A guardrail checking the agent's final output as an `output` event."""

    async def check(
        ctx: RunContextWrapper[Any], agent: Agent[Any], output: Any
    ) -> GuardrailFunctionOutput:
        text = output if isinstance(output, str) else str(output)
        info = _info([await guard.acheck_output(text)])
        return GuardrailFunctionOutput(
            output_info=info, tripwire_triggered=info["action"] != Action.ALLOW.value
        )

    return OutputGuardrail(guardrail_function=check, name=name)


def guard_function_tool(guard: Guard, tool: FunctionTool) -> FunctionTool:
    """`tool`, with every call authorized and every text result checked by `guard`."""
    name, invoke = tool.name, tool.on_invoke_tool

    async def guarded(ctx: ToolContext[Any], input_json: str) -> Any:
        try:
            arguments = read_arguments(input_json)
        except InputError as exc:
            return f"{NOTICE_PREFIX} the call to {name} was blocked: its arguments could not be checked ({exc})"
        try:
            await asyncio.to_thread(guard.authorize_tool, name, arguments.value)
            result = await invoke(ctx, arguments.text)
            if isinstance(result, str):
                return await asyncio.to_thread(guard.screen_tool_result, name, result)
            return result
        except (ToolBlocked, ApprovalPending) as exc:
            return f"{NOTICE_PREFIX} {exc}"

    return dataclasses.replace(tool, on_invoke_tool=guarded)
