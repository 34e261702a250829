"""Output formats, de-duplication, baselines and `--diff` line filtering."""

from __future__ import annotations

import json
from pathlib import Path

from vallum.review import Finding, Severity, dedupe, review_sources
from vallum.review.baseline import filter_baseline, read_baseline, write_baseline
from vallum.review.diff import filter_diff, parse_diff
from vallum.review.output import render_json, render_sarif, render_text

SOURCE = b"import os\nfrom flask import request\nos.system(request.args['x'])\n"


def test_sarif_rules_carry_cwe_tags() -> None:
    """Each SARIF rule has `external/cwe/cwe-NNN` in properties.tags, as code scanning expects."""
    sarif = json.loads(render_sarif(review_sources({"a.py": SOURCE})))
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert "2.1.0" == sarif["version"]
    assert [["security", "external/cwe/cwe-78"]] == [r["properties"]["tags"] for r in rules]


def test_sarif_driver_version_and_rule_text() -> None:
    """The driver names its version; rules have real descriptions and help, not their ids."""
    from vallum import __version__
    from vallum.review.runner import Report

    external = Finding("bandit.B999", 327, Severity.LOW, "a.py", 1, "odd crypto (line 1)")
    report = review_sources({"a.py": SOURCE})
    report = Report("", [*report.findings, external])
    driver = json.loads(render_sarif(report))["runs"][0]["tool"]["driver"]
    assert driver["version"] == __version__
    by_id = {r["id"]: r for r in driver["rules"]}
    ours = by_id["taint.command-injection"]
    assert ours["shortDescription"]["text"] == "OS command injection"
    assert "CWE-78" in ours["fullDescription"]["text"]
    assert "shlex.quote" in ours["help"]["text"]
    theirs = by_id["bandit.B999"]
    assert theirs["shortDescription"]["text"] != "bandit.B999"
    assert "Broken or risky cryptography" in theirs["shortDescription"]["text"]
    assert theirs["fullDescription"]["text"].startswith("odd crypto")
    for rule in driver["rules"]:
        texts = (rule["shortDescription"]["text"], rule["fullDescription"]["text"])
        assert rule["id"] not in texts and rule["help"]["text"]


def test_json_and_text_formats() -> None:
    """JSON carries the schema version and CWE; text shows the code excerpt under the file."""
    report = review_sources({"a.py": SOURCE})
    data = json.loads(render_json(report))
    assert (1, "CWE-78") == (data["schema_version"], data["findings"][0]["cwe"])
    assert "      | os.system(request.args['x'])" in render_text(report)


def test_dedupe_keeps_most_severe_per_cwe_and_line() -> None:
    """Two tools reporting one CWE on one line become one finding, the more severe kept."""
    low = Finding("bandit.B605", 78, Severity.LOW, "a.py", 3, "m", tool="bandit")
    high = Finding("taint.command-injection", 78, Severity.CRITICAL, "a.py", 3, "m")
    assert [high] == dedupe([low, high])


def test_baseline_round_trip(tmp_path: Path) -> None:
    """Findings written to a baseline are filtered out on the next run."""
    findings = review_sources({"a.py": SOURCE}).findings
    path = tmp_path / "baseline.json"
    write_baseline(path, findings)
    assert [] == filter_baseline(findings, read_baseline(path))


def test_diff_keeps_only_touched_lines() -> None:
    """Only findings on lines added or changed in the diff survive `--diff`."""
    diff = "+++ b/a.py\n@@ -2,0 +3,1 @@\n+os.system(x)\n+++ b/b.py\n@@ -1 +1 @@\n"
    changed = parse_diff(diff)
    kept = Finding("r", 78, Severity.HIGH, "a.py", 3, "m")
    dropped = Finding("r", 78, Severity.HIGH, "a.py", 9, "m")
    assert {"a.py": {3}, "b.py": {1}} == changed
    assert [kept] == filter_diff([kept, dropped], changed)
