"""Every error Vallum raises, in one tree.

    VallumError
    ├── BundleError             a policy bundle cannot be loaded (file, line, key)
    │   └── BundleValidationError   several problems at once, each a BundleIssue
    ├── PolicyError             Cedar policies could not be parsed or evaluated
    ├── DetectorError           a detector is unknown, misconfigured or failed
    ├── InputError              content or a request that cannot be checked (size, encoding)
    │   ├── RequestTooLarge         a gateway request over the configured size limit
    │   └── NestingTooDeep          JSON nested deeper than the configured limit
    ├── CanonicalJSONError      a value has no canonical JSON form (not JSON, too deep)
    ├── EvidenceError           the evidence log cannot be written or read
    │   ├── ChainBrokenError        verification found a tampered record
    │   └── CheckpointError         a signed checkpoint is malformed, forged or of another log
    ├── SessionStoreError       session labels cannot be read or written
    ├── ToolBlocked             `@guard.tool` refused a call or its result; carries the decision
    ├── ContentBlocked          a framework hook (a LangChain callback) stopped model input or
    │                           output it cannot rewrite; carries the decision
    ├── ApprovalError           an approval cannot be created or decided
    │   ├── ApprovalNotFound        no approval has this id
    │   ├── ApprovalPending         a call waits for a human; carries the approval id
    │   ├── ApprovalDenied          a human refused the call
    │   ├── ApprovalExpired         nobody decided (or used the approval) in time
    │   └── ApprovalForbidden       this approver may not decide (own request, missing role)
    ├── AuthenticationError     unknown or invalid credentials
    ├── AccessDenied            a known principal may not use this model or route
    ├── RateLimited             a principal exceeded its requests or tokens per minute
    ├── ConfigError             environment or settings are invalid
    │   └── MissingExtra            an optional dependency is not installed; names the pip install
    ├── ReviewError             `vallum review` cannot run (threat model, baseline, git, back end)
    ├── EvalError               an evaluation suite, scenario or gate is malformed (file, line)
    ├── PolicyVersionError      an unknown bundle version, or nothing to roll back to
    └── UpstreamError           the model provider failed
        ├── UpstreamTimeout
        └── UpstreamRejected        the provider refused the request (a 4xx status)

A block is a result (a `Decision`), never an exception: these are for things that went wrong.
"""

from __future__ import annotations

from dataclasses import dataclass


class VallumError(Exception):
    """Base class of every error raised by Vallum."""


@dataclass(frozen=True, slots=True)
class BundleIssue:
    """One problem in a policy bundle, located well enough to fix it from the message alone."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key = f" [{self.key}]" if self.key else ""
        return f"{where}{key}: {self.message}"


class BundleError(VallumError):
    """A policy bundle cannot be loaded."""


class BundleValidationError(BundleError):
    """A bundle has one or more problems; `issues` lists every one of them."""

    def __init__(self, issues: list[BundleIssue]) -> None:
        self.issues = list(issues)
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"invalid policy bundle ({len(self.issues)} problem(s)):\n{lines}")


class PolicyError(VallumError):
    """Cedar policies could not be parsed, validated or evaluated."""


class DetectorError(VallumError):
    """A detector is unknown, misconfigured, or failed while running."""


class InputError(VallumError):
    """Content or a request that cannot be checked: too large, not text, malformed."""


class NestingTooDeep(InputError):
    """JSON nested deeper than the limit (`gateway.limits.max_json_depth`): refused whole, before
    anything walks it (a deep value would exhaust the stack of every recursive reader after)."""


class CanonicalJSONError(VallumError, ValueError):
    """A value has no canonical JSON form: a type JSON lacks, NaN, a non-string key, a lone
    surrogate, or nesting too deep (`vallum.canonical`)."""


class EvidenceError(VallumError):
    """The evidence log cannot be written or read."""


class ChainBrokenError(EvidenceError):
    """Verification found a record whose hash or link does not match."""

    def __init__(self, seq: int, record_id: str, problem: str) -> None:
        self.seq = seq
        self.record_id = record_id
        self.problem = problem
        super().__init__(f"evidence record #{seq} ({record_id}): {problem}")


class CheckpointError(EvidenceError):
    """A signed checkpoint cannot be parsed, does not verify, or is not this log's."""


class SessionStoreError(VallumError):
    """Session labels cannot be read or written."""


class ToolBlocked(VallumError):
    """A guarded tool call (or its result) was blocked; `decision` says why."""

    def __init__(self, message: str, decision: object):
        self.decision = decision
        super().__init__(message)


class ContentBlocked(VallumError):
    """Model input or output was blocked where it could only be stopped, not rewritten (a
    framework callback); `decision` says why, its `evidence_id` where it is recorded."""

    def __init__(self, message: str, decision: object):
        self.decision = decision
        super().__init__(message)


class ApprovalError(VallumError):
    """An approval cannot be created, found or decided."""


class ApprovalNotFound(ApprovalError):
    """No approval has this id (or the prefix given is not unique)."""


class ApprovalPending(ApprovalError):
    """A call needs a human decision first; `approval_id` names the pending approval."""

    def __init__(self, approval_id: str, message: str = "") -> None:
        self.approval_id = approval_id
        super().__init__(message or f"approval {approval_id} is pending")


class ApprovalDenied(ApprovalError):
    """A human denied the call that approval `approval_id` held."""

    def __init__(self, approval_id: str, message: str = "") -> None:
        self.approval_id = approval_id
        super().__init__(message or f"approval {approval_id} was denied")


class ApprovalExpired(ApprovalError):
    """Approval `approval_id` was not decided, or not used, before it expired."""

    def __init__(self, approval_id: str, message: str = "") -> None:
        self.approval_id = approval_id
        super().__init__(message or f"approval {approval_id} has expired")


class ApprovalForbidden(ApprovalError):
    """The approver may not decide this request: it is their own, or they lack the role."""


class AuthenticationError(VallumError):
    """Unknown, expired or invalid credentials."""


class AccessDenied(VallumError):
    """A known principal may not use this model or route."""


class RateLimited(VallumError):
    """A principal exceeded its rate limit; `retry_after_s` says when to try again."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class RequestTooLarge(InputError):
    """A gateway request is over the configured size limit."""


class ConfigError(VallumError):
    """Environment or settings are invalid."""


class MissingExtra(ConfigError):
    """A feature needs an optional dependency that is not installed.

    `extra` is the `vallum[...]` extra that brings it and `module` the module that failed to
    import; the message is one line naming the `pip install` to run.
    """

    def __init__(self, extra: str, module: str, feature: str = "") -> None:
        self.extra = extra
        self.module = module
        what = feature or f"this feature (module {module!r})"
        super().__init__(
            f"{what} needs the {extra!r} extra, which is not installed: "
            f"pip install 'vallum[{extra}]'"
        )


class ReviewError(VallumError):
    """`vallum review` cannot run: a bad threat model or baseline, git or a back end failed."""


class EvalError(VallumError):
    """An evaluation suite, scenario file or `--fail-under` gate is malformed or cannot run."""


class PolicyVersionError(VallumError):
    """A bundle version is unknown, or there is no earlier version to roll back to."""


class UpstreamError(VallumError):
    """The model provider failed or answered something unusable."""


class UpstreamTimeout(UpstreamError):
    """The model provider did not answer in time."""


class UpstreamRejected(UpstreamError):
    """The model provider refused the request with a 4xx `status`."""

    def __init__(self, message: str, status: int) -> None:
        self.status = status
        super().__init__(message)
