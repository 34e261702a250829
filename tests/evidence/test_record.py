"""The decision record: what it keeps of the detectors, the content and the time."""

from __future__ import annotations

import re
from typing import Any

import pytest

from vallum.bundle.loader import Bundle
from vallum.detectors.injection import InjectionDetector
from vallum.detectors.pii import PiiDetector
from vallum.detectors.secrets import SecretsDetector
from vallum.evidence.record import decision_record, keep_content, utc_now
from vallum.model import Action, Decision, Event, Finding, Principal, Stage

EMAIL = Finding("pii", "pii.email", 0.95, start=5, end=16, labels=("pii", "pii.email"))
SECRET = Finding("secrets", "secret.aws_access_key", 0.9, start=21, end=41)
TEXT = "mail a@b.example key AKIAIOSFODNN7EXAMPLE"


def _record(bundle: Bundle, scores: dict[str, float]) -> dict[str, Any]:
    decision = Decision(
        "d1", Action.ALLOW, (), (), bundle.version, (), {"total": 0.123456}, scores=scores
    )
    event = Event(Stage.INPUT, Principal("agent", "a"), "s", text="hi")
    return decision_record(
        event, decision, bundle, scanned_text="hi", session_labels=(), arg_labels={}
    )


def test_each_detector_that_ran_appears_once_in_bundle_order(example_bundle: Bundle) -> None:
    """A detector used by two controls (injection) is listed once; scores are rounded to four
    places, a zero score is kept as 0.0, and detectors that did not run are left out; each
    carries the version of the detector that scored (bumped whenever its output can change)."""
    scores = {"pii": 0.123456, "secrets": 0.0, "injection": 0.987654}
    expected = [
        {"id": "injection", "version": InjectionDetector.version, "score": 0.9877},
        {"id": "secrets", "version": SecretsDetector.version, "score": 0.0},
        {"id": "pii", "version": PiiDetector.version, "score": 0.1235},
    ]
    assert expected == _record(example_bundle, scores)["detectors"]


def test_latency_is_rounded_to_four_places(example_bundle: Bundle) -> None:
    """Per-detector latency is kept to a tenth of a microsecond."""
    assert {"total": 0.1235} == _record(example_bundle, {})["latency_ms"]


@pytest.mark.parametrize(
    ("findings", "policy", "expected"),
    [
        ((), "redacted", TEXT),
        ((), "full", TEXT),
        (
            (EMAIL, SECRET),
            "redacted",
            "mail [REDACTED:pii.email] key [REDACTED:secret.aws_access_key]",
        ),
        ((EMAIL, SECRET), "full", "mail a@b.example key [REDACTED:secret.aws_access_key]"),
        ((EMAIL, SECRET), "none", None),
    ],
)
def test_content_is_kept_as_the_policy_says(
    findings: tuple[Finding, ...], policy: Any, expected: str | None
) -> None:
    """No findings: the text as is; `redacted` removes data classes, `full` only secrets,
    `none` keeps the hash alone."""
    kept = keep_content(TEXT, findings, policy)
    assert (expected, 64) == (kept.get("text"), len(kept["sha256"]))


def test_utc_now_is_iso_to_the_microsecond() -> None:
    """Timestamps always carry six fraction digits and the UTC offset, so they sort as text."""
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", utc_now())
