"""The one place where what went wrong becomes an HTTP status and a provider-style error body,
for every route of the gateway (model routes, the guard API, the approvals API).

OpenAI style: `{"error": {"message", "type", "param", "code"}}`; Anthropic style:
`{"type": "error", "error": {"type", "message"}}`. Both carry a `vallum` object with the request
id and, for blocks, the evidence id (and the reasons, as far as `gateway.disclose` tells: see
`vallum.enforcement.disclosure`). A blocked input is not an exception but a decision: `blocked`
renders it as HTTP 400 with code `content_filter` (Azure OpenAI's convention).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from vallum.bundle.gateway import Disclosure
from vallum.enforcement import disclosure
from vallum.exceptions import (
    AccessDenied,
    ApprovalError,
    ApprovalExpired,
    ApprovalForbidden,
    ApprovalNotFound,
    AuthenticationError,
    EvidenceError,
    InputError,
    RateLimited,
    RequestTooLarge,
    SessionStoreError,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
)
from vallum.model import Decision

Style = Literal["openai", "anthropic"]


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    status: int
    type: str  # OpenAI error type
    code: str
    anthropic_type: str
    outcome: str  # for the evidence record


# Most specific first: the first isinstance match wins.
_TABLE: tuple[tuple[type[BaseException], ErrorInfo], ...] = (
    (AuthenticationError, ErrorInfo(401, "authentication_error", "invalid_api_key", "authentication_error", "unauthenticated")),
    (AccessDenied, ErrorInfo(403, "permission_error", "model_not_allowed", "permission_error", "denied")),
    (RateLimited, ErrorInfo(429, "rate_limit_error", "rate_limit_exceeded", "rate_limit_error", "rate_limited")),
    (RequestTooLarge, ErrorInfo(413, "invalid_request_error", "request_too_large", "request_too_large", "too_large")),
    (InputError, ErrorInfo(400, "invalid_request_error", "invalid_request", "invalid_request_error", "invalid_request")),
    (ApprovalForbidden, ErrorInfo(403, "permission_error", "approval_forbidden", "permission_error", "denied")),
    (ApprovalNotFound, ErrorInfo(404, "not_found_error", "approval_not_found", "not_found_error", "not_found")),
    (ApprovalExpired, ErrorInfo(410, "invalid_request_error", "approval_expired", "invalid_request_error", "expired")),
    (ApprovalError, ErrorInfo(409, "invalid_request_error", "approval_conflict", "invalid_request_error", "conflict")),
    (UpstreamTimeout, ErrorInfo(504, "upstream_error", "upstream_timeout", "api_error", "upstream_timeout")),
    (UpstreamError, ErrorInfo(502, "upstream_error", "upstream_error", "api_error", "upstream_error")),
    (EvidenceError, ErrorInfo(503, "service_unavailable", "evidence_unavailable", "overloaded_error", "evidence_error")),
    (SessionStoreError, ErrorInfo(503, "service_unavailable", "state_unavailable", "overloaded_error", "state_error")),
)  # fmt: skip
_INTERNAL = ErrorInfo(500, "server_error", "internal_error", "api_error", "internal_error")


def classify(exc: BaseException) -> ErrorInfo:
    for cls, info in _TABLE:
        if isinstance(exc, cls):
            if isinstance(exc, UpstreamRejected):
                # The provider refused what we sent: the client's fault for 400/404/413/422/429,
                # ours (a bad upstream key, say) otherwise.
                status = exc.status if exc.status in (400, 404, 413, 422, 429) else 502
                return ErrorInfo(
                    status, info.type, "upstream_rejected", info.anthropic_type, "upstream_rejected"
                )
            return info
    return _INTERNAL


def error_body(
    style: Style, info: ErrorInfo, message: str, vallum: dict[str, Any]
) -> dict[str, Any]:
    if style == "anthropic":
        return {
            "type": "error",
            "error": {"type": info.anthropic_type, "message": message},
            "vallum": vallum,
        }
    return {
        "error": {"message": message, "type": info.type, "param": None, "code": info.code},
        "vallum": vallum,
    }


def exception_body(
    style: Style, exc: BaseException, request_id: str
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, body and extra headers for an exception raised while serving a request."""
    info = classify(exc)
    message = str(exc) if info is not _INTERNAL else "internal error; see the gateway log"
    headers = {"retry-after": str(exc.retry_after_s)} if isinstance(exc, RateLimited) else {}
    return info.status, error_body(style, info, message, {"request_id": request_id}), headers


def blocked(
    style: Style, decision: Decision, request_id: str, disclose: Disclosure
) -> tuple[int, dict[str, Any]]:
    """HTTP 400, code `content_filter`, with the evidence id and as much of the reason as
    `disclose` tells."""
    info = ErrorInfo(
        400, "invalid_request_error", "content_filter", "invalid_request_error", "blocked"
    )
    vallum = {
        "request_id": request_id,
        "action": decision.action.value,
        "reasons": disclosure.reasons(decision, disclose),
        "evidence_id": decision.evidence_id,
    }
    why = disclosure.explain(decision, disclose)
    message = (
        f"request blocked by Vallum{': ' + why if why else ''} (evidence {decision.evidence_id})"
    )
    return 400, error_body(style, info, message, vallum)


def stream_error(style: Style, exc: BaseException, request_id: str) -> dict[str, Any]:
    """The final event of a stream that broke after it started."""
    info = classify(exc)
    message = str(exc) if info is not _INTERNAL else "internal error; see the gateway log"
    return error_body(style, info, message, {"request_id": request_id})
