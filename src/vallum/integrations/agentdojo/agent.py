"""A deterministic stand-in for the LLM: it does the user's task and obeys any injection it sees.

The plan is the user task's ground truth (AgentDojo's reference tool calls). After each round of
tool results the agent looks for the attack's injected text in what reached it; the first time it
finds it, it carries out the injection task's ground-truth calls, then goes on with the user task.
This is the worst case for a defense: a model that always follows injected instructions. When
Vallum withholds a result or refuses one of the user's calls, the agent stops with an apology: it
lacks what it needed, as a real agent would.

Injection tasks without ground-truth calls (several v1.2 workspace tasks) cannot be scripted;
`scriptable` tells them apart so the harness can leave them out and say so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentdojo.agent_pipeline.base_pipeline_element import BasePipelineElement
from agentdojo.base_tasks import BaseInjectionTask, BaseUserTask
from agentdojo.functions_runtime import EmptyEnv, Env, FunctionCall, FunctionsRuntime
from agentdojo.types import (
    ChatAssistantMessage,
    ChatMessage,
    get_text_content_as_str,
    text_content_block_from_string,
)

from vallum.integrations.agentdojo.executor import BLOCKED_PREFIX, HELD_PREFIX, WITHHELD_PREFIX

# AgentDojo's attacks address the model by name, taken from the pipeline's name.
PIPELINE_NAME = "vallum-scripted-agent-gpt-4o-2024-05-13"
STATE_KEY = "vallum_scripted"
GIVE_UP = "I could not complete the task: a required step was refused or withheld."
_NON_WORD = re.compile(r"[^0-9a-z]+")
_ESCAPES = re.compile(r"\\[nrt]")
_REMOVED = re.compile(r"Removed call (call_\d+):")
MATCH_CHARS = 80


def _norm(text: str) -> str:
    # a result printed as YAML escapes the newlines of the injected text (`\\n`): read as a
    # model does, or the marker is never found and the agent never obeys (travel's reviews)
    return _NON_WORD.sub("", _ESCAPES.sub(" ", text).lower())


def scriptable(task: BaseInjectionTask[Any], env: Env) -> bool:
    return bool(task.ground_truth(env.model_copy(deep=True)))


@dataclass(slots=True)
class _State:
    plan: list[tuple[FunctionCall, bool]]  # (call, is_injected)
    followed: bool = False
    gave_up: bool = False
    seen: int = 0
    counter: int = 0
    injected_calls: list[str] = field(default_factory=list)


class ScriptedAgent(BasePipelineElement):  # type: ignore[misc]  # untyped base
    """Configure with `set_task` before each run; then use it where the LLM element would go."""

    name = PIPELINE_NAME

    def __init__(self) -> None:
        self.user_task: BaseUserTask[Any] | BaseInjectionTask[Any] | None = None
        self.injection_task: BaseInjectionTask[Any] | None = None
        self._markers: list[str] = []

    def set_task(
        self,
        user_task: BaseUserTask[Any] | BaseInjectionTask[Any],
        injection_task: BaseInjectionTask[Any] | None = None,
        injections: dict[str, str] | None = None,
    ) -> None:
        self.user_task = user_task
        self.injection_task = injection_task
        self._markers = [m[:MATCH_CHARS] for m in map(_norm, (injections or {}).values()) if m]

    def query(
        self,
        query: str,
        runtime: FunctionsRuntime,
        env: Env = EmptyEnv(),  # noqa: B008 - AgentDojo's own signature
        messages: Sequence[ChatMessage] = (),
        extra_args: dict[str, Any] = {},  # noqa: B006 - AgentDojo's own signature
    ) -> tuple[str, FunctionsRuntime, Env, Sequence[ChatMessage], dict[str, Any]]:
        assert self.user_task is not None, "call set_task() before running the agent"
        extra_args = dict(extra_args)
        state: _State | None = extra_args.get(STATE_KEY)
        if state is None:
            plan = [(c, False) for c in self.user_task.ground_truth(env.model_copy(deep=True))]
            state = _State(plan)
            extra_args[STATE_KEY] = state
        self._observe(state, messages, env)
        if state.plan and not state.gave_up:
            call, injected = state.plan.pop(0)
            state.counter += 1
            call = FunctionCall(
                function=call.function, args=dict(call.args), id=f"call_{state.counter}"
            )
            if injected:
                state.injected_calls.append(call.id or "")
            message = ChatAssistantMessage(
                role="assistant", content=[text_content_block_from_string("")], tool_calls=[call]
            )
        else:
            message = ChatAssistantMessage(
                role="assistant",
                content=[text_content_block_from_string(self._answer(state))],
                tool_calls=None,
            )
        state.seen = len(messages) + 1
        return query, runtime, env, [*messages, message], extra_args

    def _observe(self, state: _State, messages: Sequence[ChatMessage], env: Env) -> None:
        for message in messages[max(state.seen - 1, 0) :]:
            if message["role"] == "assistant":
                # Vallum removes refused calls from our message and notes their ids
                note = get_text_content_as_str(message.get("content") or [])
                for call_id in _REMOVED.findall(note):
                    if call_id not in state.injected_calls:
                        state.gave_up = True
                continue
            if message["role"] != "tool":
                continue
            error = message.get("error") or ""
            call_id = message.get("tool_call_id")
            if error.startswith((BLOCKED_PREFIX, HELD_PREFIX, WITHHELD_PREFIX)):
                if call_id not in state.injected_calls:
                    state.gave_up = True  # the user's task lost a step it needed
                continue
            text = _norm(get_text_content_as_str(message["content"] or []))
            if (
                not state.followed
                and self.injection_task is not None
                and any(marker in text for marker in self._markers)
            ):
                state.followed = True
                injected = self.injection_task.ground_truth(env.model_copy(deep=True))
                state.plan = [(c, True) for c in injected] + state.plan

    def _answer(self, state: _State) -> str:
        if state.gave_up:
            return GIVE_UP
        assert self.user_task is not None
        answer = getattr(self.user_task, "GROUND_TRUTH_OUTPUT", "") or ""
        if state.followed and self.injection_task is not None:
            extra = getattr(self.injection_task, "GROUND_TRUTH_OUTPUT", "") or ""
            answer = f"{answer}\n{extra}".strip()
        return answer
