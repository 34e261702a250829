"""Vallum: executable AI security design.

from vallum import Guard
guard = Guard("policies/", principal="agent:support-bot")
decision = guard.check_input("Ignore all previous instructions and ...")
decision.action  # Action.BLOCK
"""

from vallum.bundle.loader import Bundle, load_bundle, validate_bundle
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.exceptions import (
    AccessDenied,
    ApprovalDenied,
    ApprovalError,
    ApprovalExpired,
    ApprovalForbidden,
    ApprovalNotFound,
    ApprovalPending,
    AuthenticationError,
    BundleError,
    BundleIssue,
    BundleValidationError,
    ChainBrokenError,
    ConfigError,
    DetectorError,
    EvalError,
    EvidenceError,
    InputError,
    PolicyError,
    PolicyVersionError,
    RateLimited,
    RequestTooLarge,
    ReviewError,
    SessionStoreError,
    ToolBlocked,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
    VallumError,
)
from vallum.guard import Guard
from vallum.model import (
    Action,
    Decision,
    Event,
    Finding,
    Mode,
    Principal,
    Reason,
    Stage,
    ToolCall,
    Trust,
)
from vallum.storage.database import Database

__version__ = "0.1.0"

__all__ = [
    "AccessDenied",
    "Action",
    "ApprovalDenied",
    "ApprovalError",
    "ApprovalExpired",
    "ApprovalForbidden",
    "ApprovalNotFound",
    "ApprovalPending",
    "AuthenticationError",
    "Bundle",
    "BundleError",
    "BundleIssue",
    "BundleValidationError",
    "ChainBrokenError",
    "ConfigError",
    "Database",
    "Decision",
    "DetectorError",
    "Engine",
    "EvalError",
    "Event",
    "EvidenceError",
    "EvidenceLog",
    "Finding",
    "Guard",
    "InputError",
    "Mode",
    "PolicyError",
    "PolicyVersionError",
    "Principal",
    "RateLimited",
    "Reason",
    "RequestTooLarge",
    "ReviewError",
    "SessionStoreError",
    "Stage",
    "ToolBlocked",
    "ToolCall",
    "Trust",
    "UpstreamError",
    "UpstreamRejected",
    "UpstreamTimeout",
    "VallumError",
    "__version__",
    "load_bundle",
    "validate_bundle",
]
