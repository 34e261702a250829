"""Back ends normalised into the finding schema: detect-secrets and zizmor (both dependencies)."""

from __future__ import annotations

from pathlib import Path

from vallum.review import ReviewOptions, review_path
from vallum.review.backends import BACKENDS

WORKFLOW = """on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_zizmor_findings_are_normalised(tmp_path: Path) -> None:
    """zizmor's template-injection audit arrives as a CWE-94 finding on the workflow line."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(WORKFLOW)
    report = review_path(tmp_path, ReviewOptions(backends=(BACKENDS["zizmor"],)))
    found = {(f.rule, f.cwe, f.tool) for f in report.findings}
    assert ("zizmor.template-injection", 94, "zizmor") in found


def test_detect_secrets_finds_keys_without_storing_them(tmp_path: Path) -> None:
    """detect-secrets reports an AWS key as CWE-798 and the message does not contain it."""
    (tmp_path / "settings.env").write_text("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n")
    report = review_path(tmp_path, ReviewOptions(backends=(BACKENDS["secrets"],)))
    assert [("settings.env", 798)] == [(f.path, f.cwe) for f in report.findings]
    assert "AKIA" not in report.findings[0].message
