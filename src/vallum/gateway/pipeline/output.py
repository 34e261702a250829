"""After the input checks: the upstream call, its tool calls authorized, its output scanned.

    upstream ─> tool calls authorized (denied: removed + explained; require_approval: held)
             ─> output scanned (redacted, or cut with finish_reason content_filter)

A streamed answer is released through the hold-back window of `vallum.enforcement.output`,
and the whole output is decided (and recorded) once more at its end.

A tool call's arguments are read once (`enforcement.tools.read_arguments`), whole (a stream's
pieces are joined first): the call the client receives carries the canonical text of the object
the engine saw. Arguments that are not one JSON object are refused with the reason; arguments
nested deeper than `gateway.limits.max_json_depth` fail the answer as an upstream error (502).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from dataclasses import replace
from typing import Any, Protocol

from vallum.bundle.gateway import StreamingConfig
from vallum.enforcement import disclosure
from vallum.enforcement.approvals import ApprovalHolds
from vallum.enforcement.output import STOPPING, OutputScanner
from vallum.enforcement.tools import Notice, authorize_tool_call, read_arguments, refuse_unreadable
from vallum.exceptions import InputError, NestingTooDeep, UpstreamError
from vallum.gateway.context import delivered_summary, usage_record
from vallum.gateway.errors import Style, classify, stream_error
from vallum.gateway.evaluator import Evaluator
from vallum.gateway.pipeline.events import Call, event
from vallum.gateway.upstream import Upstream
from vallum.gateway.wire.chat import (
    ChatRequest,
    ChatResult,
    FinishReason,
    StreamEnd,
    TextDelta,
    ToolCallDelta,
    ToolCallOut,
    Usage,
)
from vallum.model import Action, Decision, Stage, ToolCall


class Renderer(Protocol):
    def start(self) -> bytes: ...
    def text(self, piece: str) -> bytes: ...
    def tool_call(self, call: ToolCallOut) -> bytes: ...
    def end(
        self, finish: FinishReason, usage: Usage | None, vallum: dict[str, Any] | None
    ) -> bytes: ...
    def error(self, body: dict[str, Any]) -> bytes: ...


async def authorize_calls(
    evaluator: Evaluator,
    holds: ApprovalHolds,
    call: Call,
    req: ChatRequest,
    calls: tuple[ToolCallOut, ...],
    max_depth: int,
) -> tuple[list[ToolCallOut], list[Notice]]:
    """The tool calls the client may see (their arguments in canonical form: what was checked),
    and notices for those removed or held."""
    kept: list[ToolCallOut] = []
    notices: list[Notice] = []
    ctx = call.ctx
    for out in calls:
        try:
            arguments = read_arguments(out.arguments, max_depth=max_depth)
        except NestingTooDeep as exc:
            raise UpstreamError(f"tool call {out.name!r} from the upstream: {exc}") from None
        except InputError as exc:
            notices.append(refuse_unreadable(out.name, exc))
            continue
        out = replace(out, arguments=arguments.text)
        tool_call = ToolCall(out.name, arguments.value)
        notice = await authorize_tool_call(
            event(call, Stage.TOOL_CALL, req, tool_call=tool_call),
            evaluate=lambda e: evaluator.evaluate(ctx, e),
            holds=holds,
            approval=call.approval,
            disclose=call.disclose,
        )
        if notice is None:
            kept.append(out)
        else:
            notices.append(notice)
    ctx.notices.extend(n.to_dict() for n in notices)
    return kept, notices


def vallum_info(call: Call, notices: list[Notice], output: Decision | None) -> dict[str, Any]:
    """The `vallum` object in every answer: what was decided, with evidence ids."""
    ctx = call.ctx
    info: dict[str, Any] = {
        "request_id": ctx.id,
        "decisions": [
            {"action": d.action.value, "evidence_id": d.evidence_id} for d in ctx.decisions
        ],
        "notices": [n.to_dict() for n in notices],
    }
    if output is not None:
        info["output"] = {"action": output.action.value, "reasons": disclosure.reasons(output, call.disclose),
                          "evidence_id": output.evidence_id}  # fmt: skip
    return info


def _explain(text: str, notices: list[Notice]) -> str:
    lines = "\n".join(n.message for n in notices)
    return f"{text}\n\n{lines}" if text and lines else text or lines


def _finish(original: FinishReason, kept: list[ToolCallOut], notices: list[Notice]) -> FinishReason:
    if original == "tool_calls" and not kept and notices:
        return "stop"
    return original


async def complete(
    evaluator: Evaluator,
    holds: ApprovalHolds,
    upstream: Upstream,
    call: Call,
    req: ChatRequest,
    max_depth: int,
) -> tuple[ChatResult, dict[str, Any]]:
    """A non-streaming call, after input checks: upstream, tool calls, output."""
    ctx = call.ctx
    result = await upstream.complete(req)
    kept, notices = await authorize_calls(evaluator, holds, call, req, result.tool_calls, max_depth)
    output = await evaluator.evaluate(ctx, event(call, Stage.OUTPUT, req, text=result.text))
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
    return final, vallum_info(call, notices, output)


async def stream(
    evaluator: Evaluator,
    holds: ApprovalHolds,
    upstream: Upstream,
    settings: StreamingConfig,
    call: Call,
    req: ChatRequest,
    renderer: Renderer,
    style: Style,
    max_depth: int,
) -> AsyncGenerator[bytes, None]:
    """A streaming call, after input checks: scanned output released behind the hold-back window."""
    ctx = call.ctx
    scanner = OutputScanner(
        lambda text: evaluator.probe_now(event(call, Stage.OUTPUT, req, text=text)),
        lambda text: evaluator.evaluate_now(ctx, event(call, Stage.OUTPUT, req, text=text)),
        holdback=settings.holdback_chars,
        step=settings.scan_step_chars,
    )
    pending: dict[int, dict[str, str]] = {}
    end = StreamEnd()
    ended_by = "client_disconnected"
    try:
        yield renderer.start()
        async with contextlib.aclosing(upstream.stream(req)) as events:
            async for item in events:
                if isinstance(item, TextDelta):
                    piece = await evaluator.run(lambda t=item.text: scanner.feed(t))  # type: ignore[misc]
                    if piece:
                        yield renderer.text(piece)
                    if scanner.stopped_by is not None:
                        break
                elif isinstance(item, ToolCallDelta):
                    slot = pending.setdefault(item.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = item.id or slot["id"]
                    slot["name"] = item.name or slot["name"]
                    slot["arguments"] += item.arguments
                else:
                    end = item
        tail = await evaluator.run(scanner.finish)
        if tail:
            yield renderer.text(tail)
        if scanner.stopped_by is not None:
            ended_by = "content_filter"
            ctx.outcome = "output_blocked"
            ctx.usage = usage_record(end.usage)
            yield renderer.end(
                "content_filter", end.usage, vallum_info(call, [], scanner.stopped_by)
            )
            return
        calls = tuple(
            ToolCallOut(s["id"] or f"call_{i}", s["name"], s["arguments"])
            for i, s in sorted(pending.items())
        )
        kept, notices = await authorize_calls(evaluator, holds, call, req, calls, max_depth)
        for out in kept:
            yield renderer.tool_call(out)
        if notices:
            explanation = _explain("", notices)
            scanner.delivered.append(("\n\n" if scanner.delivered_text else "") + explanation)
            yield renderer.text(("\n\n" if scanner.released else "") + explanation)
        finish = _finish(end.finish_reason, kept, notices)
        ended_by = finish
        ctx.usage = usage_record(end.usage)
        yield renderer.end(finish, end.usage, vallum_info(call, notices, scanner.decision))
    except Exception as exc:  # the stream has started: end it with a well-formed error event
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
