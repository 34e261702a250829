"""Back ends normalised into the finding schema: detect-secrets and zizmor (both dependencies)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    (tmp_path / "settings.env").write_text("AWS_ACCESS_KEY_ID=AKIAZ7QK3JD2LX4PRV6M\n")
    report = review_path(tmp_path, ReviewOptions(backends=(BACKENDS["secrets"],)))
    assert [("settings.env", 798)] == [(f.path, f.cwe) for f in report.findings]
    assert "AKIA" not in report.findings[0].message


DOCS = '''"""Connect with ``create_engine("postgresql://scott:tiger@localhost/test")``.

Or ``mysql://user:password@db.example.com/app``.
"""
# e.g. redis://admin:hunter2@localhost:6379
# mssql+pyodbc://scott:tiger^5HHH@mssql2017:1433/test (a connection string in a comment)
EXAMPLE_KEY = "AKIAIOSFODNN7EXAMPLE"
'''


def test_documentation_examples_are_not_secrets(tmp_path: Path) -> None:
    """Docstring/comment connection strings, placeholder passwords and documented keys pass."""
    (tmp_path / "db.py").write_text(DOCS)
    (tmp_path / "README.md").write_text("postgres://scott:tiger@localhost/test\n")
    options = ReviewOptions(backends=(BACKENDS["secrets"],))
    assert review_path(tmp_path, options).findings == []


@pytest.mark.parametrize(
    "line",
    [
        # a real-looking password on a real host, in code
        'URL = "postgresql://app:Xq9v2LmT7pR4@prod-db.internal.acme.io/app"\n',
        # a placeholder user does not make a code URL with a real password an example
        'URL = "postgresql://scott:Xq9v2LmT7pR4@prod-db.internal.acme.io/app"\n',
        # a provider token stays a finding even in a docstring
        '"""Use key AKIAZ7QK3JD2LX4PRV6M for uploads."""\n',
    ],
)
def test_real_credentials_near_docs_are_still_found(tmp_path: Path, line: str) -> None:
    (tmp_path / "settings.py").write_text(line)
    options = ReviewOptions(backends=(BACKENDS["secrets"],))
    assert [798] == [f.cwe for f in review_path(tmp_path, options).findings]


REDACTED_HOOK = """// The value that used to be stored here looked like:
// "url": "https://hooks.slack.com/services/TC_REDACTED/B01_REDACTED/mk_REDACTED",
const value = JSON.parse(row.value)[0];
"""
LIVE_HOOK = """// Our own hook, kept for the next migration:
// "url": "https://hooks.slack.com/services/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",
const value = JSON.parse(row.value)[0];
"""


def test_redacted_values_are_not_secrets(tmp_path: Path) -> None:
    """A token whose parts are the word REDACTED (a comment showing a stored value's shape)."""
    (tmp_path / "migration.js").write_text(REDACTED_HOOK)
    options = ReviewOptions(backends=(BACKENDS["secrets"],))
    assert review_path(tmp_path, options).findings == []


def test_live_looking_hook_in_a_comment_is_found(tmp_path: Path) -> None:
    """The same comment with a real-looking hook stays a finding (the hard negative)."""
    (tmp_path / "migration.js").write_text(LIVE_HOOK)
    options = ReviewOptions(backends=(BACKENDS["secrets"],))
    assert [798] == [f.cwe for f in review_path(tmp_path, options).findings]
