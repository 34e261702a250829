"""Enforcement for one model call, the same for every route and both modes:

    input messages ─> (blocked? HTTP 400 content_filter) ─> upstream
      ─> tool calls authorized (denied: removed + explained; require_approval: held)
      ─> output scanned (redacted, or cut with finish_reason content_filter)

Each message is one engine event at the stage its role and metadata give: user and system text
`input`, a message naming a `vallum_source` `retrieval`, a tool message `tool_result`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass, replace
from typing import Any, Protocol

from vallum.gateway import history
from vallum.gateway.chat import (
    ChatMessage,
    ChatRequest,
    ChatResult,
    FinishReason,
    Notice,
    StreamEnd,
    TextDelta,
    ToolCallDelta,
    ToolCallOut,
    Usage,
)
from vallum.gateway.context import RequestContext, delivered_summary
from vallum.gateway.errors import Style, stream_error, why
from vallum.gateway.gateway import Gateway
from vallum.gateway.holds import HeldCall
from vallum.gateway.streaming import STOPPING, OutputScanner
from vallum.model import Action, Decision, Event, Stage, ToolCall

NOTICE_PREFIX = "[vallum]"


class Renderer(Protocol):
    def start(self) -> bytes: ...
    def text(self, piece: str) -> bytes: ...
    def tool_call(self, call: ToolCallOut) -> bytes: ...
    def end(
        self, finish: FinishReason, usage: Usage | None, vallum: dict[str, Any] | None
    ) -> bytes: ...
    def error(self, body: dict[str, Any]) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Call:
    """Per-request inputs that are not part of the chat itself."""

    ctx: RequestContext
    prompt: str | None = None
    approval: str | None = None  # X-Vallum-Approval: resume a held call


def _event(call: Call, stage: Stage, req: ChatRequest, **fields: Any) -> Event:
    ctx = call.ctx
    assert ctx.principal is not None
    meta = {"request_id": ctx.id, **fields.pop("metadata", {})}
    return Event(stage=stage, principal=ctx.principal, session=ctx.session, model=req.model,
                 prompt=call.prompt, metadata=meta, **fields)  # fmt: skip


def _message_event(call: Call, req: ChatRequest, m: ChatMessage) -> Event | None:
    meta = {"role": m.role}
    if m.role == "tool":
        tool = ToolCall(m.tool_name or "unknown", {})
        return _event(call, Stage.TOOL_RESULT, req, text=m.text, tool_call=tool, metadata=meta)
    if m.source is not None:
        return _event(call, Stage.RETRIEVAL, req, text=m.text, source=m.source, metadata=meta)
    if not m.text:
        return None
    # A request without tools, in a session of its own: no tool call can follow (one an upstream
    # returns anyway is judged without the user's words, so more strictly).
    tools_may_follow = call.ctx.linked or bool(req.tools)
    return _event(
        call, Stage.INPUT, req, text=m.text, metadata=meta, tools_may_follow=tools_may_follow
    )


async def check_input(gw: Gateway, call: Call, req: ChatRequest) -> ChatRequest | Decision:
    """The request to forward (redacted where needed), or the decision that blocks it.

    In a named session, messages an earlier request already had allowed under the same labels
    are not checked again (`vallum.gateway.history`); the request record lists them as covered.
    """
    ctx = call.ctx
    events = [_message_event(call, req, m) for m in req.messages]
    store = gw.marks if ctx.linked else None
    labels: frozenset[str] = frozenset()
    found: dict[str, str] = {}
    keys: list[str | None] = [None] * len(events)
    if store is not None:
        labels = await gw.run(lambda: gw.sessions.labels(ctx.session))
        version = gw.bundle.version
        keys = [None if e is None else history.mark_key(version, labels, e) for e in events]
        wanted = [k for k in keys if k is not None]
        found = await gw.run(lambda: store.checked(ctx.session, wanted))
    current = labels
    messages, rewritten = [], False
    for i, (m, event) in enumerate(zip(req.messages, events, strict=True)):
        if event is None:
            messages.append(m)
            continue
        key = keys[i]
        if key is not None and current == labels and key in found:  # labels unchanged so far
            ctx.covered.append({"message": i, "decision": found[key]})
            messages.append(m)
            continue
        decision = await gw.evaluate(ctx, event)
        if decision.action in STOPPING:
            return decision
        if store is not None:
            # Keyed by the labels the decision saw (the session's, plus what this message adds):
            # a later request finds it while the session holds exactly those labels.
            current = frozenset(decision.labels)
            if history.reusable(decision):
                ctx.marks[history.mark_key(gw.bundle.version, current, event)] = str(
                    decision.evidence_id
                )
        if decision.action is Action.REDACT and decision.redacted_text is not None:
            m, rewritten = replace(m, text=decision.redacted_text, raw=None), True
        messages.append(m)
    return replace(req, messages=tuple(messages), rewritten=rewritten) if rewritten else req


def _arguments(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text.strip() else {}
    except ValueError:
        return {"_unparsed": text}
    return value if isinstance(value, dict) else {"_value": value}


async def authorize_calls(
    gw: Gateway, call: Call, req: ChatRequest, calls: tuple[ToolCallOut, ...]
) -> tuple[list[ToolCallOut], list[Notice]]:
    """The tool calls the client may see, and notices for those removed or held."""
    kept: list[ToolCallOut] = []
    notices: list[Notice] = []
    ctx = call.ctx
    assert ctx.principal is not None
    for out in calls:
        args = _arguments(out.arguments)
        event = _event(call, Stage.TOOL_CALL, req, tool_call=ToolCall(out.name, args))
        decision = await gw.evaluate(ctx, event)
        if decision.action is Action.ALLOW:
            kept.append(out)
        elif decision.action is Action.REQUIRE_APPROVAL:
            held = HeldCall(ctx.principal, ctx.session, out.name, args, decision, ctx.id)
            if call.approval and await gw.holds.release(call.approval, held):
                kept.append(out)
                continue
            hold = await gw.holds.hold(held)
            message = f"{NOTICE_PREFIX} {hold.message}: {why(decision)}"
            notices.append(
                Notice(out.name, "pending", message, decision.id, decision.evidence_id, hold.id)
            )
        else:  # block, or a redaction Vallum cannot apply to arguments: the call does not run
            message = f"{NOTICE_PREFIX} the call to {out.name} was blocked: {why(decision)} (evidence {decision.evidence_id})"
            notices.append(Notice(out.name, "denied", message, decision.id, decision.evidence_id))
    ctx.notices.extend(n.to_dict() for n in notices)
    return kept, notices


def vallum_info(
    ctx: RequestContext, notices: list[Notice], output: Decision | None
) -> dict[str, Any]:
    """The `vallum` object in every answer: what was decided, with evidence ids."""
    info: dict[str, Any] = {
        "request_id": ctx.id,
        "decisions": [
            {"action": d.action.value, "evidence_id": d.evidence_id} for d in ctx.decisions
        ],
        "notices": [n.to_dict() for n in notices],
    }
    if output is not None:
        info["output"] = {"action": output.action.value, "reasons": [r.to_dict() for r in output.reasons if r.enforced],
                          "evidence_id": output.evidence_id}  # fmt: skip
    return info


def _explain(text: str, notices: list[Notice]) -> str:
    lines = "\n".join(n.message for n in notices)
    return f"{text}\n\n{lines}" if text and lines else text or lines


def _finish(original: FinishReason, kept: list[ToolCallOut], notices: list[Notice]) -> FinishReason:
    if original == "tool_calls" and not kept and notices:
        return "stop"
    return original


async def complete(gw: Gateway, call: Call, req: ChatRequest) -> tuple[ChatResult, dict[str, Any]]:
    """A non-streaming call, after input checks: upstream, tool calls, output."""
    ctx = call.ctx
    result = await gw.upstream_for(req.model).complete(req)
    kept, notices = await authorize_calls(gw, call, req, result.tool_calls)
    output = await gw.evaluate(ctx, _event(call, Stage.OUTPUT, req, text=result.text))
    text, finish = result.text, _finish(result.finish_reason, kept, notices)
    if output.action in STOPPING:
        text, finish, kept = "", "content_filter", []
    elif output.action is Action.REDACT and output.redacted_text is not None:
        text = output.redacted_text
    text = _explain(text, notices)
    ctx.delivered = delivered_summary(text, complete=finish != "content_filter", ended_by=finish)
    final = replace(
        result,
        text=text,
        tool_calls=tuple(kept),
        finish_reason=finish,
        model=result.model or req.model,
    )
    return final, vallum_info(ctx, notices, output)


async def stream(
    gw: Gateway, call: Call, req: ChatRequest, renderer: Renderer, style: Style
) -> AsyncGenerator[bytes, None]:
    """A streaming call, after input checks: scanned output released behind the hold-back window."""
    ctx = call.ctx
    settings = gw.config.streaming
    scanner = OutputScanner(
        gw.bundle,
        lambda text: gw.probe_now(_event(call, Stage.OUTPUT, req, text=text)),
        lambda text: gw.evaluate_now(ctx, _event(call, Stage.OUTPUT, req, text=text)),
        holdback=settings.holdback_chars,
        step=settings.scan_step_chars,
    )
    pending: dict[int, dict[str, str]] = {}
    end = StreamEnd()
    ended_by = "client_disconnected"
    try:
        yield renderer.start()
        async with contextlib.aclosing(gw.upstream_for(req.model).stream(req)) as events:
            async for event in events:
                if isinstance(event, TextDelta):
                    piece = await gw.run(lambda t=event.text: scanner.feed(t))  # type: ignore[misc]
                    if piece:
                        yield renderer.text(piece)
                    if scanner.stopped_by is not None:
                        break
                elif isinstance(event, ToolCallDelta):
                    slot = pending.setdefault(event.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = event.id or slot["id"]
                    slot["name"] = event.name or slot["name"]
                    slot["arguments"] += event.arguments
                else:
                    end = event
        tail = await gw.run(scanner.finish)
        if tail:
            yield renderer.text(tail)
        if scanner.stopped_by is not None:
            ended_by = "content_filter"
            ctx.outcome = "output_blocked"
            yield renderer.end(
                "content_filter", end.usage, vallum_info(ctx, [], scanner.stopped_by)
            )
            return
        calls = tuple(
            ToolCallOut(s["id"] or f"call_{i}", s["name"], s["arguments"])
            for i, s in sorted(pending.items())
        )
        kept, notices = await authorize_calls(gw, call, req, calls)
        for out in kept:
            yield renderer.tool_call(out)
        if notices:
            explanation = _explain("", notices)
            scanner.delivered.append(("\n\n" if scanner.delivered_text else "") + explanation)
            yield renderer.text(("\n\n" if scanner.released else "") + explanation)
        finish = _finish(end.finish_reason, kept, notices)
        ended_by = finish
        yield renderer.end(finish, end.usage, vallum_info(ctx, notices, scanner.decision))
    except Exception as exc:  # the stream has started: end it with a well-formed error event
        from vallum.gateway.errors import classify

        info = classify(exc)
        ctx.fail(info.status, info.outcome, exc)
        ended_by = "error"
        yield renderer.error(stream_error(style, exc, ctx.id))
    finally:
        scanner.abandon()
        ctx.delivered = delivered_summary(scanner.delivered_text, complete=ended_by in ("stop", "length", "tool_calls"),
                                          ended_by=ended_by)  # fmt: skip
        ctx.delivered["violation_already_delivered"] = scanner.delivered_violation
        if ended_by == "client_disconnected":
            ctx.outcome = "client_disconnected"
