"""One gateway request and the evidence it leaves.

The rule, whatever happens (a block, an upstream timeout, a 5xx, malformed JSON, a client that
hangs up mid-stream): every model or guard request appends exactly one `gateway_request` record,
and every engine decision taken for it (each input message, each tool call, the output) is a
`decision` record whose `request_id` names that request. The request record lists those
decision ids and says what was delivered. All of a request's records are appended together, in
one transaction, when the request ends: nothing is half-recorded.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from vallum.bundle.loader import Bundle
from vallum.evidence.record import RECORD_SCHEMA_VERSION, utc_now
from vallum.gateway.deferred import Lane
from vallum.ids import new_id
from vallum.model import Action, Decision, Principal

KIND_REQUEST = "gateway_request"


@dataclass
class RequestContext:
    """What the gateway knows about one request as it goes."""

    route: str
    id: str = field(default_factory=new_id)
    started: float = field(default_factory=time.perf_counter)
    started_ns: int = field(default_factory=time.time_ns)  # wall clock, for telemetry spans
    principal: Principal | None = None
    session: str = ""
    linked: bool = False  # the session was named (X-Vallum-Session): history may be covered
    model: str | None = None
    upstream: str | None = None
    stream: bool = False
    status: int = 200
    outcome: str = "ok"
    error: dict[str, str] | None = None
    delivered: dict[str, Any] | None = None
    notices: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    timeline: list[tuple[int, str]] = field(default_factory=list)  # per decision: (ended ns, stage)
    records: list[dict[str, Any]] = field(default_factory=list)
    covered: list[dict[str, Any]] = field(default_factory=list)  # messages earlier decisions cover
    marks: dict[str, str] = field(default_factory=dict)  # to remember once committed (history)
    marks_scope: str | None = None  # where `marks` go: the session, or shared content marks
    cpu_ms: float = 0.0  # CPU its checks took so far (the evaluator's per-request budget)
    lane: Lane | None = None  # its fingerprint jobs, run in order off its path (`deferred`)
    usage: dict[str, int] | None = None  # token usage the upstream reported
    finished: bool = False

    def fail(self, status: int, outcome: str, exc: BaseException) -> None:
        self.status, self.outcome = status, outcome
        self.error = {"type": type(exc).__name__, "message": str(exc)[:500]}

    def request_record(self, bundle: Bundle) -> dict[str, Any]:
        actions = [d.action for d in self.decisions]
        return {
            "schema": RECORD_SCHEMA_VERSION,
            "kind": KIND_REQUEST,
            "id": self.id,
            "created_at": utc_now(),
            "principal": str(self.principal) if self.principal else "anonymous",
            "session": self.session,
            "stage": "request",
            "action": Action.strictest(actions).value if actions else "none",
            "bundle": {"name": bundle.name, "version": bundle.version},
            "route": self.route,
            "model": self.model,
            "upstream": self.upstream,
            "stream": self.stream,
            "status": self.status,
            "outcome": self.outcome,
            "error": self.error,
            "decisions": [d.id for d in self.decisions],
            "covered": self.covered,
            "notices": self.notices,
            "delivered": self.delivered,
            "usage": self.usage,
            "latency_ms": {"total": round((time.perf_counter() - self.started) * 1000, 4)},
        }


def usage_record(usage: Any) -> dict[str, int] | None:
    """Token usage as evidence keeps it (`Usage` from `wire.chat`, or None when not reported)."""
    if usage is None:
        return None
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens}


def delivered_summary(text: str, *, complete: bool, ended_by: str) -> dict[str, Any]:
    """What reached the client, without keeping it: length, hash, and how delivery ended."""
    return {
        "chars": len(text),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "complete": complete,
        "ended_by": ended_by,
    }
