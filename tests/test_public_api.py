"""The public API is pinned: additions are deliberate, removals are breaking."""

import rampart


def test_public_api() -> None:
    """`rampart.__all__` lists exactly the supported names, and each exists."""
    expected = {
        "Action",
        "ApprovalError",
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
        "Event",
        "EvidenceError",
        "EvidenceLog",
        "Finding",
        "Guard",
        "InputError",
        "Mode",
        "PolicyError",
        "Principal",
        "RampartError",
        "Reason",
        "SessionStoreError",
        "Stage",
        "ToolBlocked",
        "ToolCall",
        "Trust",
        "UpstreamError",
        "UpstreamTimeout",
        "__version__",
        "load_bundle",
        "validate_bundle",
        "AccessDenied",
        "ApprovalDenied",
        "ApprovalExpired",
        "ApprovalForbidden",
        "ApprovalNotFound",
        "EvalError",
        "PolicyVersionError",
        "RateLimited",
        "RequestTooLarge",
        "ReviewError",
        "UpstreamRejected",
    }
    assert expected == set(rampart.__all__)
    assert all(hasattr(rampart, name) for name in rampart.__all__)
