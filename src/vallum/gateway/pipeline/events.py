"""The engine events one model call gives rise to, and the per-request inputs they carry.

Each message is one engine event at the stage its role and metadata give: user and system text
`input`, a message naming a `vallum_source` `retrieval`, a tool message `tool_result`; each tool
call the model asks for `tool_call`; the answer `output`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vallum.bundle.gateway import Disclosure
from vallum.gateway.context import RequestContext
from vallum.gateway.wire.chat import ChatMessage, ChatRequest
from vallum.model import Event, Stage, ToolCall


@dataclass(frozen=True, slots=True)
class Call:
    """Per-request inputs that are not part of the chat itself."""

    ctx: RequestContext
    prompt: str | None = None
    approval: str | None = None  # X-Vallum-Approval: resume a held call
    disclose: Disclosure = "minimal"  # gateway.disclose: what a blocked client is told


def event(call: Call, stage: Stage, req: ChatRequest, **fields: Any) -> Event:
    ctx = call.ctx
    assert ctx.principal is not None
    meta = {"request_id": ctx.id, **fields.pop("metadata", {})}
    return Event(stage=stage, principal=ctx.principal, session=ctx.session, model=req.model,
                 prompt=call.prompt, metadata=meta, **fields)  # fmt: skip


def message_event(call: Call, req: ChatRequest, m: ChatMessage) -> Event | None:
    meta = {"role": m.role}
    if m.role == "tool":
        tool = ToolCall(m.tool_name or "unknown", {})
        return event(call, Stage.TOOL_RESULT, req, text=m.text, tool_call=tool, metadata=meta)
    if m.source is not None:
        return event(call, Stage.RETRIEVAL, req, text=m.text, source=m.source, metadata=meta)
    if not m.text:
        return None
    # A request without tools, in a session of its own: no tool call can follow (one an upstream
    # returns anyway is judged without the user's words, so more strictly).
    tools_may_follow = call.ctx.linked or bool(req.tools)
    return event(
        call, Stage.INPUT, req, text=m.text, metadata=meta, tools_may_follow=tools_may_follow
    )
