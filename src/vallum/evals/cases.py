"""Labelled evaluation cases: one or more events run in a fresh session, with a label.

A case is a *positive* (label 1) when it should be stopped, a *negative* (label 0) when it should
pass untouched. It counts as flagged when any of its steps gets an action other than `allow`:
earlier steps set the scene (a web page read, an order looked up), the last one is usually what
an attacker wants (an email sent), and stopping the attack at any step is a success.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vallum.model import Event, Principal, Stage, ToolCall

EVAL_PRINCIPAL = Principal("user", "eval")
EVAL_AGENT = Principal("agent", "eval")
# Tool results in the attack library come from this tool: the example bundle declares it, so the
# case measures the detectors, not Cedar's default deny of an undeclared tool.
EVAL_TOOL = "search_kb"


@dataclass(frozen=True, slots=True)
class Step:
    """One event of a case: content at a stage, or a tool call with arguments."""

    stage: Stage
    text: str = ""
    tool: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None

    def event(self, principal: Principal, session: str) -> Event:
        call = None
        if self.tool is not None:
            call = ToolCall(self.tool, dict(self.args))
        source = self.source
        if source is None and self.stage is Stage.RETRIEVAL:
            source = "eval"
        return Event(self.stage, principal, session, text=self.text, tool_call=call, source=source)


@dataclass(frozen=True, slots=True)
class Case:
    """A labelled item of a suite: `kind` groups cases in the report (`injection.direct`,
    `benign.document`); benign look-alikes of an attack share its kind with label 0."""

    id: str
    suite: str
    kind: str
    label: int
    steps: tuple[Step, ...]
    principal: Principal = EVAL_PRINCIPAL
    source: str = ""


def text_case(
    case_id: str,
    suite: str,
    kind: str,
    label: int,
    stage: Stage,
    text: str,
    source: str = "",
    tool: str | None = None,
) -> Case:
    """A one-step case: text at a stage (a retrieval comes from the untrusted `eval` source; a
    tool result from `tool`)."""
    return Case(case_id, suite, kind, label, (Step(stage, text, tool=tool),), source=source)
