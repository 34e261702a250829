"""One call from a bundle directory to its coverage: what `vallum threats` and CI run.

The bundle is loaded without its threats (so a threat whose control was deleted is shown and
named, not a refusal of the whole bundle); `threats.yaml` is then read and every name in it
checked, and each dangling name becomes a problem that names the threat, its file and line.
"""

from __future__ import annotations

from pathlib import Path

from vallum.bundle.loader import load_bundle
from vallum.exceptions import BundleError, BundleIssue, BundleValidationError
from vallum.threats.coverage import Coverage, build_coverage
from vallum.threats.evidence import DEFAULT_DAYS, read_activity
from vallum.threats.loader import BundleNames, check_threats, read_threats
from vallum.threats.model import THREATS_FILE


def analyse(
    directory: str | Path,
    *,
    db_url: str | None = None,
    days: int = DEFAULT_DAYS,
    read_evidence: bool = True,
    run_tests: bool = True,
    require_evidence: bool = False,
) -> Coverage:
    """The coverage of the bundle at `directory`; `BundleError` when it has no threats.yaml
    or the file does not parse, `BundleValidationError` when the rest of the bundle is invalid."""
    bundle = load_bundle(directory, threats=False)
    issues: list[BundleIssue] = []
    threats, located = read_threats(bundle.path, issues)
    if issues:
        raise BundleValidationError(issues)
    if threats is None or located is None:
        raise BundleError(
            f"{directory}: no {THREATS_FILE} (start one with `vallum threats init {directory}`)"
        )
    references: list[BundleIssue] = []
    names = BundleNames.of(bundle.path, bundle.config, bundle.policies)
    check_threats(threats, located, names, bundle.path, references)
    evidence = read_activity(db_url, bundle.name, days) if read_evidence else None
    return build_coverage(
        bundle,
        threats,
        evidence=evidence,
        run_tests=run_tests,
        require_evidence=require_evidence,
        reference_problems=[str(issue) for issue in references],
    )
