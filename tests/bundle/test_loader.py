"""Loading and validating bundles: every problem reported with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from vallum.bundle.loader import load_bundle, validate_bundle
from vallum.exceptions import BundleIssue, BundleValidationError


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_example_bundle_is_valid(example_dir: Path) -> None:
    """The scaffolded example bundle validates cleanly."""
    assert [] == validate_bundle(example_dir)


def test_version_is_a_content_hash(bundle_copy: Path) -> None:
    """The version changes when any policy file changes, and only then."""
    first = load_bundle(bundle_copy).version
    assert first == load_bundle(bundle_copy).version
    with (bundle_copy / "policies.cedar").open("a") as handle:
        handle.write("\n// a comment changes the content\n")
    assert first != load_bundle(bundle_copy).version


def test_unknown_detector_names_file_line_key(bundle_copy: Path) -> None:
    """A control naming an unknown detector is reported at its line."""
    config = bundle_copy / "vallum.yaml"
    _edit(config, "  - detector: exfiltration", "  - detector: exfiltrator")
    issues = validate_bundle(bundle_copy)
    line = _line_of(config, "detector: exfiltrator")
    assert [("vallum.yaml", line)] == [(i.file, i.line) for i in issues]
    assert issues[0].key.endswith(".detector")
    assert "unknown detector id 'exfiltrator'" in issues[0].message


def test_bad_threshold_type_is_located(bundle_copy: Path) -> None:
    """A threshold that is not a number names the exact key and value."""
    config = bundle_copy / "vallum.yaml"
    _edit(config, "    threshold: 0.6\n", "    threshold: high\n")  # the monitor trial
    issues = validate_bundle(bundle_copy)
    assert 1 == len(issues)
    assert (_line_of(config, "threshold: high"), "controls.1.threshold") == (
        issues[0].line,
        issues[0].key,
    )
    assert "'high'" in issues[0].message


def test_record_fields_on_trusted_results_are_refused(bundle_copy: Path) -> None:
    """Record fields lower taint on untrusted results; on trusted ones they are a mistake."""
    config = bundle_copy / "vallum.yaml"
    _edit(config, "    results: trusted\n", "    results: trusted\n    record_fields: [id]\n")
    issues = validate_bundle(bundle_copy)
    assert 1 == len(issues) and issues[0].key.startswith("tools.search_kb")
    assert "only apply to tools whose `results: untrusted`" in issues[0].message


def test_unknown_key_is_reported(bundle_copy: Path) -> None:
    """A misspelt section is an error, not silently ignored."""
    config = bundle_copy / "vallum.yaml"
    _edit(config, "evidence:\n", "evidense:\n")
    issues = validate_bundle(bundle_copy)
    assert ["unknown key 'evidense'"] == [i.message for i in issues]


def test_yaml_syntax_error_has_a_line(bundle_copy: Path) -> None:
    """Broken YAML is reported with its line."""
    config = bundle_copy / "vallum.yaml"
    _edit(config, "name: acme-support", "name: [acme-support")
    issues = validate_bundle(bundle_copy)
    assert 1 == len(issues) and issues[0].line is not None
    assert issues[0].message.startswith("YAML syntax")


def test_cedar_syntax_error_names_the_policy_line(bundle_copy: Path) -> None:
    """A Cedar syntax error points at the policy that holds it."""
    policies = bundle_copy / "policies.cedar"
    _edit(
        policies,
        'permit (principal, action == Action::"output.deliver", resource);',
        "permit (principal, action ==, resource);",
    )
    issues = validate_bundle(bundle_copy)
    assert [("policies.cedar", _line_of(policies, '@id("allow-output")'))] == [
        (i.file, i.line) for i in issues
    ]
    assert issues[0].message.startswith("Cedar syntax")


def test_cedar_schema_violation_names_the_policy(bundle_copy: Path) -> None:
    """A policy using an undeclared context attribute fails schema validation by its @id."""
    policies = bundle_copy / "policies.cedar"
    _edit(policies, 'context.labels.contains("untrusted")', 'context.lables.contains("untrusted")')
    issues = validate_bundle(bundle_copy)
    assert ["refund-after-untrusted-content"] == [i.key for i in issues]
    assert "lables" in issues[0].message
    assert issues[0].line == _line_of(policies, '@id("refund-after-untrusted-content")')


def test_every_problem_is_reported_at_once(bundle_copy: Path) -> None:
    """Several independent problems all appear in one run."""
    config = bundle_copy / "vallum.yaml"
    _edit(config, "tools: [refund]", "tools: [refunds]")
    _edit(config, "  builtin: [email,", "  builtin: [emails,")
    _edit(
        config,
        "  - detector: prompt_leak\n    stages: [output]",
        "  - detector: prompt_leak\n    stages: [output, retrieval]",
    )
    messages = sorted(i.message for i in validate_bundle(bundle_copy))
    assert 3 == len(messages)
    assert any("unknown tool 'refunds'" in m for m in messages)
    assert any("unknown built-in data class 'emails'" in m for m in messages)
    assert any("'prompt_leak' does not run at stage 'retrieval'" in m for m in messages)


def test_missing_prompt_file_is_reported(bundle_copy: Path) -> None:
    """A prompt naming a missing file is an error at that key."""
    (bundle_copy / "prompts" / "support-system.txt").unlink()
    issues = validate_bundle(bundle_copy)
    assert ["prompts.support-system.file"] == [i.key for i in issues]


def test_bad_custom_pattern_is_reported(bundle_copy: Path) -> None:
    """A custom data class pattern RE2 cannot compile is caught at validation."""
    config = bundle_copy / "vallum.yaml"
    _edit(config, "pattern: 'ORD-[0-9]{8}'", "pattern: 'ORD-[0-9'")
    issues = validate_bundle(bundle_copy)
    assert issues and all(i.file == "vallum.yaml" for i in issues)


def test_unknown_obligation_is_reported(bundle_copy: Path) -> None:
    """An annotation value Vallum does not know is not silently ignored."""
    policies = bundle_copy / "policies.cedar"
    _edit(policies, '@obligation("require_approval")\nforbid', '@obligation("ask_nicely")\nforbid')
    issues = validate_bundle(bundle_copy)
    assert ["@obligation"] == [i.key for i in issues]


def test_not_utf8_policy_file(bundle_copy: Path) -> None:
    """A binary policy file is reported, not a crash."""
    (bundle_copy / "extra.cedar").write_bytes(b"\xff\xfe\x00garbage")
    issues = validate_bundle(bundle_copy)
    assert [("extra.cedar", "not valid UTF-8 (byte 0)")] == [(i.file, i.message) for i in issues]


def test_missing_directory() -> None:
    """A bundle path that does not exist raises with the path."""
    with pytest.raises(BundleValidationError, match="bundle directory not found"):
        load_bundle("/nonexistent/bundle")


def test_issue_renders_file_line_key() -> None:
    """An issue prints as file:line [key]: message."""
    assert "vallum.yaml:3 [controls.0]: bad" == str(
        BundleIssue("vallum.yaml", 3, "controls.0", "bad")
    )
