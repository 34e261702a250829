"""Vallum: executable AI security design.

from vallum import Guard
guard = Guard("policies/", principal="agent:support-bot")
decision = guard.check_input("Ignore all previous instructions and ...")
decision.action  # Action.BLOCK

Names resolve on first use (PEP 562), so `import vallum` loads nothing heavy: `vallum.Guard`
imports the engine, Cedar and SQLAlchemy when a program first touches it.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from vallum.lazy import lazy_exports

if TYPE_CHECKING:
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
        MissingExtra,
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

# public name -> the module that defines it
_EXPORTS: Final = MappingProxyType(
    {
        "AccessDenied": "vallum.exceptions",
        "Action": "vallum.model",
        "ApprovalDenied": "vallum.exceptions",
        "ApprovalError": "vallum.exceptions",
        "ApprovalExpired": "vallum.exceptions",
        "ApprovalForbidden": "vallum.exceptions",
        "ApprovalNotFound": "vallum.exceptions",
        "ApprovalPending": "vallum.exceptions",
        "AuthenticationError": "vallum.exceptions",
        "Bundle": "vallum.bundle.loader",
        "BundleError": "vallum.exceptions",
        "BundleIssue": "vallum.exceptions",
        "BundleValidationError": "vallum.exceptions",
        "ChainBrokenError": "vallum.exceptions",
        "ConfigError": "vallum.exceptions",
        "Database": "vallum.storage.database",
        "Decision": "vallum.model",
        "DetectorError": "vallum.exceptions",
        "Engine": "vallum.engine",
        "EvalError": "vallum.exceptions",
        "Event": "vallum.model",
        "EvidenceError": "vallum.exceptions",
        "EvidenceLog": "vallum.evidence.log",
        "Finding": "vallum.model",
        "Guard": "vallum.guard",
        "InputError": "vallum.exceptions",
        "MissingExtra": "vallum.exceptions",
        "Mode": "vallum.model",
        "PolicyError": "vallum.exceptions",
        "PolicyVersionError": "vallum.exceptions",
        "Principal": "vallum.model",
        "RateLimited": "vallum.exceptions",
        "Reason": "vallum.model",
        "RequestTooLarge": "vallum.exceptions",
        "ReviewError": "vallum.exceptions",
        "SessionStoreError": "vallum.exceptions",
        "Stage": "vallum.model",
        "ToolBlocked": "vallum.exceptions",
        "ToolCall": "vallum.model",
        "Trust": "vallum.model",
        "UpstreamError": "vallum.exceptions",
        "UpstreamRejected": "vallum.exceptions",
        "UpstreamTimeout": "vallum.exceptions",
        "VallumError": "vallum.exceptions",
        "load_bundle": "vallum.bundle.loader",
        "validate_bundle": "vallum.bundle.loader",
    }
)


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
    "MissingExtra",
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
