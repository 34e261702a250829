"""The public API is pinned: additions are deliberate, removals are breaking."""

import vallum


def test_public_api() -> None:
    """`vallum.__all__` lists exactly the supported names, and each exists."""
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
        "MissingExtra",
        "Mode",
        "PolicyError",
        "Principal",
        "VallumError",
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
    assert expected == set(vallum.__all__)
    assert all(hasattr(vallum, name) for name in vallum.__all__)
