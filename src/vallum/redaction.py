"""Replacing spans of text found by detectors with `[REDACTED:type]` markers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from vallum.authz.authorizer import CONTROL as CEDAR_CONTROL
from vallum.bundle.controls import BuiltControl
from vallum.model import Action, Finding, Reason


def redact(
    text: str, findings: Iterable[Finding], keep: Callable[[Finding], bool] | None = None
) -> str:
    """`text` with every span of the chosen findings replaced; overlapping spans merge."""
    spans = sorted(  # a span running past the end is cut at the end, never left out
        (f.start, min(f.end, len(text)), f.type)
        for f in findings
        if f.has_span and (keep is None or keep(f)) and f.start < len(text)
    )
    if not spans:
        return text
    out: list[str] = []
    cursor = 0
    current: tuple[int, int, str] | None = None
    for start, end, kind in spans:
        if current is not None and start < current[1]:
            current = (current[0], max(current[1], end), current[2])
            continue
        if current is not None:
            out.append(text[cursor : current[0]])
            out.append(f"[REDACTED:{current[2]}]")
            cursor = current[1]
        current = (start, end, kind)
    assert current is not None
    out.append(text[cursor : current[0]])
    out.append(f"[REDACTED:{current[2]}]")
    out.append(text[current[1] :])
    return "".join(out)


def is_sensitive(finding: Finding) -> bool:
    """Data-class findings (PII, secrets, custom classes): what evidence never keeps in clear."""
    return finding.type.startswith(("pii.", "secret", "data."))


def is_secret(finding: Finding) -> bool:
    return finding.type.startswith("secret")


def redaction_targets(
    controls: Sequence[BuiltControl], triggered: Sequence[Finding], reasons: Sequence[Reason]
) -> tuple[Finding, ...]:
    """What a redact decision cuts: the findings of the redacting controls over their
    thresholds, and every sensitive finding when a Cedar obligation redacts. Empty when
    any of them has no exact span (the decision then blocks instead)."""
    redacting = {r.control for r in reasons if r.enforced and r.action is Action.REDACT}
    chosen = [c for c in controls if c.id in redacting]
    targets = tuple(
        f
        for f in triggered
        if any(f.detector == c.detector.id and f.score >= c.config.threshold for c in chosen)
        or (CEDAR_CONTROL in redacting and is_sensitive(f))
    )
    return () if any(not f.has_span for f in targets) else targets
