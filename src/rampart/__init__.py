"""Rampart: executable AI security design.

from rampart import Guard
guard = Guard("policies/", principal="agent:support-bot")
decision = guard.check_input("Ignore all previous instructions and ...")
decision.action  # Action.BLOCK
"""

from rampart.bundle.loader import Bundle, load_bundle, validate_bundle
from rampart.engine import Engine
from rampart.evidence.log import EvidenceLog
from rampart.exceptions import (
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
    RampartError,
    RateLimited,
    RequestTooLarge,
    ReviewError,
    SessionStoreError,
    ToolBlocked,
    UpstreamError,
    UpstreamRejected,
    UpstreamTimeout,
)
from rampart.guard import Guard
from rampart.model import (
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
from rampart.storage.database import Database

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
    "RampartError",
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
    "__version__",
    "load_bundle",
    "validate_bundle",
]
