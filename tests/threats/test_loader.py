"""threats.yaml is read strictly and every name in it is checked against the bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

from vallum.bundle.loader import load_bundle, validate_bundle
from vallum.threats.owasp import AGENTIC, LLM_TOP10_2025

from .conftest import edit


def test_example_bundle_loads_its_threats(example_bundle) -> None:  # type: ignore[no-untyped-def]
    """The example bundle ships a threat model that validates with it."""
    assert example_bundle.threats is not None
    assert "injection-to-refund" in [t.id for t in example_bundle.threats.threats]


def test_a_bundle_without_threats_yaml_still_loads(bundle_copy: Path) -> None:
    """threats.yaml is optional: a bundle without one loads with `threats` None."""
    (bundle_copy / "threats.yaml").unlink()
    assert load_bundle(bundle_copy).threats is None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # each dangling name: file, line, key, and the threat that names it
        ("policies: [large-refund]", "policies: [large-refunds]",
         "[threats.4.answered_by.policies.0]: threat 'excessive-refund': "
         "unknown Cedar policy @id 'large-refunds'"),
        ("controls: [pii-out]", "controls: [pii_out]",
         "[threats.7.answered_by.controls.0]: threat 'pii-in-answers': unknown control 'pii_out'"),
        ("tests: [PII in model output is redacted before delivery]",
         "tests: [PII in model output is redacted]",
         "threat 'pii-in-answers': unknown scenario 'PII in model output is redacted'"),
        ("endangers: {tools: [send_email]}", "endangers: {tools: [send_mail]}",
         "threat 'injection-to-email': unknown tool 'send_mail'"),
        ("enters: {sources: [web]}\n    answered_by:\n      policies: [no-email",
         "enters: {sources: [webb]}\n    answered_by:\n      policies: [no-email",
         "threat 'injection-to-email': unknown source 'webb'"),
        ("data_classes: [secret]", "data_classes: [secrets]",
         "threat 'credential-leak': unknown data class 'secrets'"),
        ("requirements: [LOG-1]", "requirements: [LOG-2]",
         "threat 'untraceable-actions': unknown requirement 'LOG-2'"),
        ("- suite: builtin:attacks\n          fail_under: {\"kind:exfil",
         "- suite: suites/missing.jsonl\n          fail_under: {\"kind:exfil",
         "threat 'link-exfiltration': eval suite 'suites/missing.jsonl' not found"),
        ("owasp_llm: [LLM07]", "owasp_llm: [LLM11]",
         "threat 'system-prompt-leak': Value error, unknown OWASP LLM Top 10 (2025) id 'LLM11'"),
        ("owasp_agentic: [T8]", "owasp_agentic: [ASI11]",
         "threat 'untraceable-actions': Value error, unknown OWASP agentic threat id 'ASI11'"),
        ("  - id: pii-in-answers\n", "  - id: pii-leaves-by-email\n",
         "duplicate threat id 'pii-leaves-by-email'"),
        ("    title: The model discloses its system prompt\n",
         "    title: The model discloses its system prompt\n    severity: high\n",
         "threat 'system-prompt-leak': unknown key 'severity'"),
    ],
)  # fmt: skip
def test_every_dangling_name_is_located_and_names_its_threat(
    bundle_copy: Path, old: str, new: str, expected: str
) -> None:
    """A wrong name anywhere in a threat is reported with file, line, key and the threat id."""
    edit(bundle_copy / "threats.yaml", old, new)
    found = [i for i in validate_bundle(bundle_copy) if expected in str(i)]
    assert 1 == len(found), [str(i) for i in validate_bundle(bundle_copy)]
    assert ("threats.yaml", True) == (found[0].file, found[0].line is not None)


def test_the_line_is_the_line_of_the_wrong_name(bundle_copy: Path) -> None:
    """The reported line is the one that holds the dangling name."""
    file = bundle_copy / "threats.yaml"
    edit(file, "policies: [large-refund]", "policies: [large-refunds]")
    line = next(n for n, t in enumerate(file.read_text().splitlines(), 1) if "large-refunds" in t)
    assert [line] == [i.line for i in validate_bundle(bundle_copy)]


def test_a_repeated_key_is_an_error_at_its_line(bundle_copy: Path) -> None:
    """The strict loader refuses a key given twice instead of keeping the last one silently."""
    file = bundle_copy / "threats.yaml"
    edit(file, "    title: The agent refunds more than a human would approve\n",
         "    title: The agent refunds more than a human would approve\n    title: again\n")  # fmt: skip
    issues = validate_bundle(bundle_copy)
    assert ["duplicate key 'title'"] == [i.message.split(" (")[0] for i in issues]
    assert issues[0].file == "threats.yaml" and issues[0].line is not None


def test_an_alias_bomb_fails_fast(bundle_copy: Path) -> None:
    """Aliases are bounded in threats.yaml as in vallum.yaml."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    (bundle_copy / "threats.yaml").write_text(bomb)
    issues = validate_bundle(bundle_copy)
    assert issues and "expand" in issues[0].message


def test_requirements_are_checked_by_the_review_schema(bundle_copy: Path) -> None:
    """A code-review requirement of an unknown type is an error of the bundle, located."""
    pytest.importorskip("tree_sitter")
    edit(bundle_copy / "threats.yaml", "type: no-error-details", "type: no-error-detail")
    issues = validate_bundle(bundle_copy)
    assert issues and all(i.file == "threats.yaml" for i in issues)
    assert any("requirements.1" in i.key for i in issues)


def test_threat_checks_wait_for_the_rest_of_the_bundle(bundle_copy: Path) -> None:
    """A broken control is one issue, not one more for every threat that names it."""
    edit(bundle_copy / "vallum.yaml", "  - id: pii-out\n    detector: pii\n",
         "  - id: pii-out\n    detector: pii-typo\n")  # fmt: skip
    issues = validate_bundle(bundle_copy)
    assert ["vallum.yaml"] == sorted({i.file for i in issues})


@pytest.mark.parametrize("ident", ["llm01", " LLM10 "])
def test_owasp_ids_are_normalised(bundle_copy: Path, ident: str) -> None:
    """OWASP ids are case-insensitive and stored upper-case."""
    edit(bundle_copy / "threats.yaml", "owasp_llm: [LLM07]", f"owasp_llm: ['{ident}']")
    threats = load_bundle(bundle_copy).threats
    assert threats is not None
    leak = next(t for t in threats.threats if t.id == "system-prompt-leak")
    assert (ident.strip().upper(),) == leak.owasp_llm


def test_catalogues_are_complete() -> None:
    """Ten LLM risks, ten agentic risks and fifteen agentic threats."""
    assert [f"LLM{i:02d}" for i in range(1, 11)] == list(LLM_TOP10_2025)
    assert {f"ASI{i:02d}" for i in range(1, 11)} | {f"T{i}" for i in range(1, 16)} == set(AGENTIC)


def test_a_version_without_tests_still_serves(bundle_copy: Path) -> None:
    """A bundle version restored from the policy store has no tests/ (not part of the version):
    it loads to serve; `vallum validate` and `vallum threats --check` still name every missing
    scenario."""
    import shutil

    from .conftest import run

    shutil.rmtree(bundle_copy / "tests")
    assert load_bundle(bundle_copy).threats is not None
    issues = [str(i) for i in validate_bundle(bundle_copy)]
    assert any("threat 'excessive-refund': unknown scenario" in i for i in issues), issues
    code, output = run("threats", str(bundle_copy), "--check")
    assert (1, True) == (code, "threat 'excessive-refund': unknown scenario" in output)
