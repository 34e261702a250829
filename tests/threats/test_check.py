"""`vallum threats --check`: the example passes; each way a threat loses its answer fails,
naming the threat (mutation tests), including the quieter routes: a monitor-only policy, a
control that only labels, a failing test, an eval gate that no longer holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import drop_policy, edit, run


def test_example_bundle_passes_check(example_dir: Path) -> None:
    """The shipped threat model: every threat enforced, every test passing, no orphan."""
    code, output = run("threats", str(example_dir), "--check")
    assert (0, True) == (code, "every threat has an enforcing control" in output), output


def test_json_lists_every_threat_with_its_answers(example_dir: Path) -> None:
    """--json gives the matrix as data: answers with their mode, tests with their result."""
    code, output = run("threats", str(example_dir), "--json")
    report = json.loads(output)
    refund = next(t for t in report["threats"] if t["id"] == "injection-to-refund")
    modes = {a["id"]: a["mode"] for a in refund["answers"]}
    assert 0 == code
    assert {"refund-after-untrusted-content": "enforce", "unproven-destination": "enforce"} == modes
    assert all(t["passed"] for t in refund["tests"]) and len(refund["tests"]) == 4
    assert (True, []) == (report["ok"], report["problems"])


@pytest.mark.parametrize(
    ("policy", "threat"),
    [
        ("no-pii-to-external-email", "pii-leaves-by-email"),
        ("large-refund", "excessive-refund"),
        ("no-email-to-untrusted-recipient", "injection-to-email"),
        ("users-cannot-refund", "user-calls-refund"),
    ],
)
def test_deleting_a_policy_fails_naming_the_threat(
    bundle_copy: Path, policy: str, threat: str
) -> None:
    """A policy gone from policies.cedar: --check exits 1 and names the threat that named it."""
    drop_policy(bundle_copy, policy)
    code, output = run("threats", str(bundle_copy), "--check")
    assert 1 == code
    assert f"threat '{threat}': unknown Cedar policy @id '{policy}'" in output


@pytest.mark.parametrize(
    ("control_block", "control", "threat"),
    [
        ("  - id: pii-out\n    detector: pii\n    stages: [output]\n    action: redact\n",
         "pii-out", "pii-in-answers"),
        ("  - detector: prompt_leak\n    stages: [output]\n    action: block\n",
         "prompt_leak", "system-prompt-leak"),
    ],
)  # fmt: skip
def test_deleting_a_control_fails_naming_the_threat(
    bundle_copy: Path, control_block: str, control: str, threat: str
) -> None:
    """A control gone from vallum.yaml: the threat it answered is named."""
    edit(bundle_copy / "vallum.yaml", control_block, "")
    code, output = run("threats", str(bundle_copy), "--check")
    assert 1 == code
    assert f"threat '{threat}': unknown control '{control}'" in output
    assert f"threat '{threat}' has no enforcing control" in output


def test_deleting_a_scenario_fails_naming_the_threat(bundle_copy: Path) -> None:
    """A scenario gone from tests/: the threat that cited it as proof is named."""
    scenario = (
        "  - name: A credential never leaves in a tool call\n    principal: agent:support-bot\n"
    )
    edit(bundle_copy / "tests" / "leaks.yaml", scenario,
         "  - name: Something else\n    principal: agent:support-bot\n")  # fmt: skip
    code, output = run("threats", str(bundle_copy), "--check")
    assert 1 == code
    assert (
        "threat 'credential-leak': unknown scenario 'A credential never leaves in a tool call'"
        in output
    )


def test_a_failing_test_fails_naming_the_threat(bundle_copy: Path) -> None:
    """The policy is there but no longer does what its scenario says: the threat is named."""
    edit(bundle_copy / "policies.cedar", 'decimal("100.0")', 'decimal("1000.0")')
    code, output = run("threats", str(bundle_copy), "--check")
    assert 1 == code
    assert (
        "threat 'excessive-refund': scenario 'A refund over 100 needs a human even on a clean session' fails"
        in output
    )


def test_a_policy_switched_to_monitor_no_longer_enforces(bundle_copy: Path) -> None:
    """The quiet route: the policy still exists, in monitor mode: the threat is unanswered."""
    edit(
        bundle_copy / "policies.cedar",
        '@id("large-refund")\n',
        '@id("large-refund")\n@mode("monitor")\n',
    )
    code, output = run("threats", str(bundle_copy), "--check", "--no-tests")
    assert 1 == code
    assert (
        "threat 'excessive-refund' has no enforcing control (answered by: large-refund (monitor))"
        in output
    )


def test_a_label_only_control_is_not_an_enforcing_answer(bundle_copy: Path) -> None:
    """A control with action allow only labels the session; alone it answers nothing."""
    edit(
        bundle_copy / "threats.yaml", "      controls: [pii-out]\n", "      controls: [pii-taint]\n"
    )
    code, output = run("threats", str(bundle_copy), "--check", "--no-tests")
    assert 1 == code
    assert (
        "threat 'pii-in-answers' has no enforcing control (answered by: pii-taint (label only))"
        in output
    )
    assert "control 'pii-out' answers no threat" in output


def test_a_permit_is_not_an_enforcing_answer(bundle_copy: Path) -> None:
    """Naming a permit policy as the answer does not make a threat answered."""
    edit(bundle_copy / "threats.yaml", "      policies: [large-refund]\n",
         "      policies: [allow-declared-tools]\n")  # fmt: skip
    code, output = run("threats", str(bundle_copy), "--check", "--no-tests")
    assert 1 == code
    assert "threat 'excessive-refund' has no enforcing control" in output
    assert "policy 'large-refund' answers no threat" in output


def test_a_new_control_must_answer_a_threat(bundle_copy: Path) -> None:
    """A control added to the bundle without a threat fails the check, by name."""
    edit(bundle_copy / "vallum.yaml", "  - detector: prompt_leak\n",
         "  - id: pii-in-tool-calls\n    detector: pii\n    stages: [tool_call]\n    action: block\n"
         "  - detector: prompt_leak\n")  # fmt: skip
    code, output = run("threats", str(bundle_copy), "--check", "--no-tests")
    assert (1, True) == (code, "control 'pii-in-tool-calls' answers no threat" in output)


def test_a_failing_eval_gate_fails_naming_the_threat(bundle_copy: Path) -> None:
    """A gate the eval no longer meets (the exfiltration control in monitor mode) is named."""
    edit(bundle_copy / "vallum.yaml", "  - detector: exfiltration\n    stages: [output]\n    action: block\n",
         "  - detector: exfiltration\n    stages: [output]\n    action: block\n    mode: monitor\n")  # fmt: skip
    code, output = run("threats", str(bundle_copy), "--check")
    assert 1 == code
    assert (
        "threat 'link-exfiltration': eval 'builtin:attacks --fail-under kind:exfiltration.markdown:tpr=0.95' fails"
        in output
    )


def test_a_gate_on_a_metric_the_report_lacks_fails(bundle_copy: Path) -> None:
    """A typo in a gate's metric never passes silently."""
    edit(
        bundle_copy / "threats.yaml",
        '"kind:exfiltration.markdown:tpr"',
        '"kind:exfiltration.markdwn:tpr"',
    )
    code, output = run("threats", str(bundle_copy), "--check")
    assert 1 == code
    assert "no such metric in the report" in output


def test_without_check_problems_are_shown_but_exit_zero(bundle_copy: Path) -> None:
    """Plain `vallum threats` reports; only --check gates."""
    drop_policy(bundle_copy, "large-refund")
    code, output = run("threats", str(bundle_copy), "--no-tests")
    assert (0, True) == (code, "excessive-refund" in output and "✗" in output)


def test_html_page_escapes_what_the_bundle_wrote(bundle_copy: Path, tmp_path: Path) -> None:
    """--html writes a page; a threat title with markup is shown as text."""
    edit(bundle_copy / "threats.yaml", "title: The model discloses its system prompt",
         "title: \"<script>alert(1)</script> leak\"")  # fmt: skip
    page = tmp_path / "threats.html"
    code, _ = run("threats", str(bundle_copy), "--no-tests", "--html", str(page))
    html = page.read_text()
    assert 0 == code
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; leak" in html


def test_missing_threats_file_says_how_to_start(bundle_copy: Path) -> None:
    """Without threats.yaml the command says to run `vallum threats init`."""
    (bundle_copy / "threats.yaml").unlink()
    code, output = run("threats", str(bundle_copy))
    assert (1, True) == (code, "vallum threats init" in output)
