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


def _fresh_modules(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    import json
    import subprocess
    import sys

    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(json.loads(proc.stdout))


HEAVY = {"sqlalchemy", "cedarpy", "numpy", "detect_secrets", "re2", "jsonschema", "pydantic"}
HEAVY |= {"httpx", "typer", "rich", "yaml", "tree_sitter", "starlette", "redis", "psycopg"}


def test_import_vallum_loads_nothing_heavy() -> None:
    """`import vallum` imports none of its dependencies: names resolve on first use."""
    assert set() == _fresh_modules("import vallum") & HEAVY


def test_names_resolve_to_their_definitions() -> None:
    """A public name is the object its defining module holds (the lazy lookup is faithful)."""
    from vallum.exceptions import MissingExtra
    from vallum.guard import Guard

    assert (vallum.Guard, vallum.MissingExtra) == (Guard, MissingExtra)
    assert set(vallum.__all__) <= set(dir(vallum))


def test_unknown_name_is_an_attribute_error() -> None:
    """A name vallum does not export raises AttributeError, as for any module."""
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'Gard'"):
        vallum.Gard  # noqa: B018
