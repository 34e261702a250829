"""Enforcement for one model call, the same for every route and both modes:

    input messages ─> (blocked? HTTP 400 content_filter) ─> upstream
      ─> tool calls authorized (denied: removed + explained; require_approval: held)
      ─> output scanned (redacted, or cut with finish_reason content_filter)

`ModelPipeline` holds what this needs (the evaluator, approval holds, upstream routing, the
streaming settings, history marks) and nothing else; the routes parse and render their wire
format around it (`vallum.gateway.routes.chat`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from vallum.bundle.gateway import DEFAULT_MAX_JSON_DEPTH, StreamingConfig
from vallum.enforcement.approvals import ApprovalHolds
from vallum.gateway.errors import Style
from vallum.gateway.evaluator import Evaluator
from vallum.gateway.pipeline import input, output
from vallum.gateway.pipeline.events import Call
from vallum.gateway.pipeline.output import Renderer
from vallum.gateway.routing import Upstreams
from vallum.gateway.wire.chat import ChatRequest, ChatResult
from vallum.model import Decision
from vallum.sessions.store import CheckMarks

__all__ = ["Call", "ModelPipeline", "Renderer"]


class ModelPipeline:
    def __init__(
        self,
        evaluator: Evaluator,
        holds: ApprovalHolds,
        upstreams: Upstreams,
        streaming: StreamingConfig,
        marks: CheckMarks | None,
        version: str,
        *,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
    ):
        self._evaluator = evaluator
        self._holds = holds
        self._upstreams = upstreams
        self._streaming = streaming
        self._marks = marks
        self._version = version
        self._max_depth = max_json_depth

    async def check_input(self, call: Call, req: ChatRequest) -> ChatRequest | Decision:
        """The request to forward (redacted where needed), or the decision that blocks it."""
        return await input.check_input(self._evaluator, self._marks, self._version, call, req)

    async def complete(self, call: Call, req: ChatRequest) -> tuple[ChatResult, dict[str, Any]]:
        """A non-streaming call, after input checks: upstream, tool calls, output."""
        upstream = self._upstreams.for_model(req.model)
        return await output.complete(
            self._evaluator, self._holds, upstream, call, req, self._max_depth
        )

    def stream(
        self, call: Call, req: ChatRequest, renderer: Renderer, style: Style
    ) -> AsyncGenerator[bytes, None]:
        """A streaming call, after input checks: output released behind the hold-back window."""
        upstream = self._upstreams.for_model(req.model)
        return output.stream(
            self._evaluator, self._holds, upstream, self._streaming, call, req, renderer, style,
            self._max_depth,
        )  # fmt: skip
