"""The MCP proxy's enforcement, apart from any transport: what a client may see and do.

    tools/list     ─> poisoning checks + pins ─> only tools in their approved version are shown
    tools/call     ─> pin check ─> `tool_call` event (Cedar, per-argument provenance, through
                      `enforcement.authorize_tool_call`) ─> run | held (approval id) | refused
                   ─> the server's result ─> `tool_result` event, labelled with the server's trust
    resources/read ─> one `retrieval` event per content item (source: the server)
    prompts/get    ─> one `retrieval` event per message

A refusal is an MCP tool error (`isError`) whose text says what was stopped, why (as far as
`disclose` tells) and the evidence id; the client's model reads it and can tell the user. What
is delivered is what was checked: the arguments the engine saw are the ones forwarded, a result
is forwarded as the server sent it only when the whole of its text was allowed, and a redacted
result is delivered as the redacted text alone.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError

from vallum.bundle.gateway import Disclosure
from vallum.canonical import canonical_text
from vallum.enforcement import NOTICE_PREFIX, STOPPING, ApprovalHolds, authorize_tool_call
from vallum.enforcement.disclosure import explain
from vallum.engine import Engine
from vallum.evidence.record import RECORD_SCHEMA_VERSION, utc_now
from vallum.exceptions import CanonicalJSONError
from vallum.ids import new_id
from vallum.mcp.pins import Pin, PinStore, ToolVersion
from vallum.mcp.poisoning import DESCRIPTION_THRESHOLD, PoisoningChecks
from vallum.model import Action, Decision, Event, Principal, Stage, ToolCall

APPROVAL_META = "vallum/approval"  # `_meta` key a client may use to name an approval id
NOTICE_META = "vallum"
KIND_QUARANTINED = "mcp.quarantined"  # evidence of a call refused because its tool is quarantined
BLOCKED = -32001  # JSON-RPC error code of a blocked resource read or prompt fetch

ListTools = Callable[[], Awaitable[list[types.Tool]]]
CallTool = Callable[[str, dict[str, Any]], Awaitable[types.CallToolResult]]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls, in which session (sessions span servers: taint from one stops another)."""

    principal: Principal
    session: str


class ToolGate:
    """Enforcement for one MCP server's tools, resources and prompts."""

    def __init__(
        self,
        server: str,
        *,
        engine: Engine,
        pins: PinStore,
        holds: ApprovalHolds,
        checks: PoisoningChecks | None = None,
        disclose: Disclosure = "reasons",
    ):
        self.server = server
        self.engine = engine
        self.pins = pins
        self.holds = holds
        self.checks = checks or PoisoningChecks(_threshold(engine))
        self.disclose = disclose
        self._listed: dict[str, tuple[types.Tool, Pin]] = {}
        self._lock = asyncio.Lock()

    # tools/list
    async def list_tools(self, upstream: list[types.Tool]) -> list[types.Tool]:
        """The tools a client may see: each in the version approved, none other."""
        policy = self.engine.bundle.config.mcp.server(self.server)
        others = await asyncio.to_thread(self._other_tools)
        versions = {t.name: _version(t) for t in upstream}
        flags = {
            name: "; ".join(str(f) for f in found)
            for name, version in versions.items()
            if (found := self.checks.check(version, other_tools=others))
        }
        pins = await asyncio.to_thread(
            self.pins.observe,
            self.server,
            list(versions.values()),
            first_use=policy.pin == "first_use",
            flags=flags,
        )
        # A name listed twice would deliver a definition nobody pinned: neither is delivered.
        twice = {name for name, n in Counter(t.name for t in upstream).items() if n > 1}
        async with self._lock:
            self._listed = {t.name: (t, pins[t.name]) for t in upstream if t.name not in twice}
        return [t for t in upstream if t.name not in twice and pins[t.name].delivered]

    def _other_tools(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for pin in self.pins.list():
            if pin.server != self.server:
                out.setdefault(pin.server, []).append(pin.tool)
        return out

    # tools/call
    async def call_tool(
        self,
        name: str,
        arguments: Mapping[str, Any] | None,
        caller: Caller,
        *,
        list_upstream: ListTools,
        forward: CallTool,
        approval: str | None = None,
    ) -> types.CallToolResult:
        """Decide on the call, run it through `forward` if allowed, check what it returns."""
        args = dict(arguments or {})
        if name not in self._listed:  # a call without a listing first: pin what is there now
            await self.list_tools(await list_upstream())
        listed = self._listed.get(name)
        if listed is None:
            return _error(f"{NOTICE_PREFIX} {self.server} has no tool {name!r}")
        # The pin as it is now, not as this process last saw it: approved since (by `vallum mcp
        # approve`), or quarantined since (another proxy saw the server change).
        pin = await asyncio.to_thread(self.pins.get, self.server, name) or listed[1]
        if not pin.delivered or pin.seen_hash != _version(listed[0]).version_hash:
            reason = pin.reason if not pin.delivered else "changed since it was listed"
            evidence = await asyncio.to_thread(self._record_refusal, caller, pin, reason)
            return _error(
                f"{NOTICE_PREFIX} the tool {name} of {self.server} is quarantined: {reason} "
                f"(evidence {evidence})"
            )
        try:
            canonical_text(args)
        except CanonicalJSONError as exc:
            return _error(f"{NOTICE_PREFIX} the call to {name} was blocked: {exc}")
        event = Event(
            Stage.TOOL_CALL,
            caller.principal,
            caller.session,
            tool_call=ToolCall(name, args),
            source=self.server,
        )
        notice = await authorize_tool_call(
            event,
            evaluate=self._evaluate,
            holds=self.holds,
            approval=approval,
            any_approval=True,
            disclose=self.disclose,
        )
        if notice is not None:
            return _error(notice.message, meta={NOTICE_META: notice.to_dict()})
        try:
            result = await forward(name, args)
        except Exception as exc:  # the server died or broke the protocol mid-call
            return _error(
                f"{NOTICE_PREFIX} the MCP server {self.server} failed during the call to {name}: "
                f"{_first_line(exc)}"
            )
        return await self._screen_result(name, args, result, caller)

    def _record_refusal(self, caller: Caller, pin: Pin, reason: str) -> str | None:
        """Evidence of a call refused before any decision (the tool is quarantined)."""
        log = self.engine.evidence
        if log is None:
            return None
        bundle = self.engine.bundle
        record = {
            "schema": RECORD_SCHEMA_VERSION,
            "kind": KIND_QUARANTINED,
            "id": new_id(),
            "created_at": utc_now(),
            "principal": str(caller.principal),
            "session": caller.session,
            "stage": Stage.TOOL_CALL.value,
            "action": Action.BLOCK.value,
            "bundle": {"name": bundle.name, "version": bundle.version},
            "mcp": {"server": self.server, "tool": pin.tool, "version": pin.seen_hash,
                    "approved": pin.approved_hash, "reason": reason},
        }  # fmt: skip
        log.append(record)
        return str(record["id"])

    async def _screen_result(
        self, name: str, args: dict[str, Any], result: types.CallToolResult, caller: Caller
    ) -> types.CallToolResult:
        text = result_text(result.content, result.structured_content)
        event = Event(
            Stage.TOOL_RESULT,
            caller.principal,
            caller.session,
            text=text,
            tool_call=ToolCall(name, args),
            source=self.server,
        )
        decision = await self._evaluate(event)
        if decision.action in STOPPING:
            return _error(self._blocked(f"the result of {name}", decision))
        if decision.action is Action.REDACT and decision.redacted_text is not None:
            block = types.TextContent(type="text", text=decision.redacted_text)
            return types.CallToolResult(content=[block], is_error=result.is_error)
        return result

    # resources/read and prompts/get
    async def read_resource(
        self, uri: str, result: types.ReadResourceResult, caller: Caller
    ) -> types.ReadResourceResult:
        """Each text content is a `retrieval` event from this server; a block raises."""
        contents: list[types.TextResourceContents | types.BlobResourceContents] = []
        for item in result.contents:
            if not isinstance(item, types.TextResourceContents):
                contents.append(item)
                continue
            text = await self._retrieve(item.text, caller, f"the resource {uri}", uri=uri)
            contents.append(item if text == item.text else item.model_copy(update={"text": text}))
        return types.ReadResourceResult(contents=contents)

    async def get_prompt(
        self, name: str, result: types.GetPromptResult, caller: Caller
    ) -> types.GetPromptResult:
        """Each message of a prompt is a `retrieval` event from this server; a block raises."""
        messages: list[types.PromptMessage] = []
        for message in result.messages:
            text = result_text([message.content], None)
            checked = await self._retrieve(text, caller, f"the prompt {name}", prompt=name)
            if checked != text:
                content = types.TextContent(type="text", text=checked)
                message = types.PromptMessage(role=message.role, content=content)
            messages.append(message)
        return types.GetPromptResult(description=result.description, messages=messages)

    async def _retrieve(self, text: str, caller: Caller, what: str, **meta: str) -> str:
        event = Event(
            Stage.RETRIEVAL,
            caller.principal,
            caller.session,
            text=text,
            source=self.server,
            metadata=meta,
        )
        decision = await self._evaluate(event)
        if decision.action in STOPPING:
            raise MCPError(BLOCKED, self._blocked(what, decision))
        if decision.action is Action.REDACT and decision.redacted_text is not None:
            return decision.redacted_text
        return text

    async def _evaluate(self, event: Event) -> Decision:
        return await asyncio.to_thread(self.engine.evaluate, event)

    def _blocked(self, what: str, decision: Decision) -> str:
        why = explain(decision, self.disclose)
        because = f": {why}" if why else ""
        return (
            f"{NOTICE_PREFIX} {what} from {self.server} was blocked{because} "
            f"(evidence {decision.evidence_id})"
        )


def result_text(content: list[types.ContentBlock], structured: Any) -> str:
    """The text of a result as the engine sees it: every text block, embedded text resource and
    resource link, and the structured content as canonical JSON. Images, audio and binary
    resources carry no text the detectors could read; they are named, not scanned."""
    parts: list[str] = []
    for block in content:
        if isinstance(block, types.TextContent):
            parts.append(block.text)
        elif isinstance(block, types.EmbeddedResource):
            inner = block.resource
            text = inner.text if isinstance(inner, types.TextResourceContents) else "[binary]"
            parts.append(f"[resource {inner.uri}]\n{text}")
        elif isinstance(block, types.ResourceLink):
            parts.append(f"[link {block.uri}] {block.name} {block.description or ''}".strip())
        else:
            parts.append(f"[{block.type}]")
    if structured is not None:
        try:
            parts.append(canonical_text(structured))
        except CanonicalJSONError:
            parts.append(str(structured))
    return "\n".join(parts)


def _version(tool: types.Tool) -> ToolVersion:
    return ToolVersion(tool.name, tool.description or "", dict(tool.input_schema))


def _threshold(engine: Engine) -> float:
    """The bundle's threshold for the injection detector on instructions (stage `input`)."""
    found = [
        c.config.threshold
        for c in engine.bundle.controls
        if c.detector.id == "injection" and c.applies_to(Stage.INPUT) and c.config.mode == "enforce"
    ]
    return min(found) if found else DESCRIPTION_THRESHOLD


def _error(message: str, meta: dict[str, Any] | None = None) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)], is_error=True, meta=meta
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
