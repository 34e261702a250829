"""Strict bundle YAML: duplicate keys in any spelling, bounded aliases and depth, one document."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from vallum.bundle.loader import validate_bundle
from vallum.bundle.yamlmap import (
    MAX_EXPANDED_NODES,
    DuplicateKeyError,
    YamlLimitError,
    load_located,
    yaml_issue,
)

_BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]"
            for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("a: 1\na: 2\n", 2, "a"),
        ('a: 1\n"a": 2\n', 2, "a"),
        ("a: 1\n'a': 2\n", 2, "a"),
        ('a: 1\n"\\x61": 2\n', 2, "a"),
        ("a: 1\n!!str a: 2\n", 2, "a"),
        ("? a\n: 1\na: 2\n", 3, "a"),
        ("{a: 1, a: 2}\n", 1, "a"),
        ("top:\n  x: 1\n  y: 2\n  x: 3\n", 4, "x"),
        ("base: &b {controls: []}\nmain:\n  <<: *b\n  controls: [1]\n", 4, "controls"),
        ("x: &x {a: 1}\ny: &y {a: 2}\nz:\n  <<: [*x, *y]\n", 2, "a"),
        ("1: a\n0x1: b\n", 2, "1"),
    ],
)
def test_duplicate_key_in_any_spelling_is_located(text: str, line: int, key: str) -> None:
    """A key repeated in one mapping, however quoted, escaped, tagged or merged, is an error at
    the repeat's line naming the key."""
    with pytest.raises(DuplicateKeyError) as caught:
        load_located(text, "f.yaml")
    issue = yaml_issue(caught.value, "f.yaml")
    assert ("f.yaml", line, key) == (issue.file, issue.line, issue.key)
    assert "duplicate key" in issue.message


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: {a: 2}\n",
        "x: &x {a: 1}\ny:\n  <<: *x\n  b: 2\n",
        "a: 1\nA: 2\n",
        '"a ": 1\na: 2\n',
    ],
)
def test_distinct_keys_are_not_duplicates(text: str) -> None:
    """Hard negatives: the same key in different mappings, a merge without collision, keys that
    differ by case or a space."""
    assert isinstance(load_located(text, "f.yaml").data, dict)


def test_alias_bomb_fails_fast_at_a_line() -> None:
    """A ten-line billion-laughs document stops at the alias that crosses the expansion bound."""
    with pytest.raises(YamlLimitError) as caught:
        load_located(_BOMB, "f.yaml")
    issue = yaml_issue(caught.value, "f.yaml")
    assert issue.line is not None and 2 <= issue.line <= 10
    assert str(MAX_EXPANDED_NODES) in issue.message


def test_recursive_alias_is_refused() -> None:
    """An anchor whose node contains its own alias (a cycle) is refused, not walked forever."""
    with pytest.raises(YamlLimitError, match="contains it"):
        load_located("a: &a [1, *a]\n", "f.yaml")


def test_deep_nesting_is_refused() -> None:
    """Nesting far past any real bundle is a located error, not a RecursionError."""
    with pytest.raises(YamlLimitError, match="nested deeper"):
        load_located("a: " + "[" * 5000 + "]" * 5000, "f.yaml")


@pytest.mark.parametrize("text", ["a: &k 1\n---\nb: *k\n", "a: 1\n---\na: 2\n"])
def test_more_than_one_document_is_refused(text: str) -> None:
    """A second document (the way to repeat a key or an anchor across documents) is an error."""
    with pytest.raises(yaml.YAMLError):
        load_located(text, "f.yaml")


def test_moderate_aliases_still_load() -> None:
    """Aliases used the ordinary way (a shared block reused a few times) load as before."""
    text = "shared: &s {threshold: 0.5, mode: enforce}\na: *s\nb: *s\nc: {<<: *s, name: c}\n"
    data = load_located(text, "f.yaml").data
    assert {"threshold": 0.5, "mode": "enforce", "name": "c"} == data["c"]


def _write(bundle: Path, text: str) -> None:
    (bundle / "vallum.yaml").write_text(text)


def test_second_controls_block_is_reported(bundle_copy: Path) -> None:
    """A second `controls:` block in vallum.yaml is reported at its line, not silently used."""
    config = bundle_copy / "vallum.yaml"
    text = config.read_text()
    _write(bundle_copy, text + '\n"controls": []\n')
    issues = validate_bundle(bundle_copy)
    line = len(config.read_text().splitlines())
    assert [("vallum.yaml", line, "controls")] == [(i.file, i.line, i.key) for i in issues]


def test_alias_bomb_bundle_validates_quickly_with_an_error(bundle_copy: Path) -> None:
    """`validate` on a bundle whose vallum.yaml is an alias bomb returns a located error."""
    config = bundle_copy / "vallum.yaml"
    _write(bundle_copy, config.read_text() + "\n" + _BOMB.replace("a:", "zz:", 1) + "\n")
    issues = validate_bundle(bundle_copy)
    assert 1 == len(issues) and issues[0].line is not None
    assert "aliases expand" in issues[0].message


def test_schema_and_cedar_errors_are_reported_together(bundle_copy: Path) -> None:
    """A schema error in vallum.yaml does not hide a Cedar syntax error: both come back."""
    config = bundle_copy / "vallum.yaml"
    _write(bundle_copy, config.read_text() + "\nnot_a_section: 1\n")
    with (bundle_copy / "policies.cedar").open("a") as handle:
        handle.write("\npermit(principal, action, resource) when { ;\n")
    files = sorted({i.file for i in validate_bundle(bundle_copy)})
    assert ["policies.cedar", "vallum.yaml"] == files


def test_duplicate_key_in_scenario_file_is_located(tmp_path: Path) -> None:
    """Scenario test files use the same strict loader: a repeated key names file and line."""
    from vallum.evals.scenarios import load_scenarios
    from vallum.exceptions import EvalError

    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - name: x\n    name: y\n")
    with pytest.raises(EvalError, match=r"s\.yaml:3 \[name\]: duplicate key"):
        load_scenarios(path)


def test_alias_bomb_in_threat_model_is_refused(tmp_path: Path) -> None:
    """Threat model files use the same strict loader: an alias bomb is refused."""
    from vallum.exceptions import ReviewError
    from vallum.review.threatmodel.schema import load_threat_model

    path = tmp_path / "threats.yaml"
    path.write_text(_BOMB)
    with pytest.raises(ReviewError, match="aliases expand"):
        load_threat_model(path)


def _spell(key: str, style: int) -> str:
    if style == 0:
        return key
    if style == 1:
        return f"'{key}'"
    if style == 2:
        return f'"{key}"'
    if style == 3:
        return '"' + "".join(f"\\x{ord(c):02x}" for c in key) + '"'
    return f"!!str {key}"


@given(
    # Plain `yes`, `null`, `on` are not strings in YAML: quoted, they are other keys.
    key=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
        lambda k: isinstance(yaml.safe_load(k), str)
    ),
    first=st.integers(0, 4),
    second=st.integers(0, 4),
)
def test_any_two_spellings_of_one_key_collide(key: str, first: int, second: int) -> None:
    """Property: a key spelled two ways (plain, quoted, escaped, tagged) is always a duplicate."""
    text = f"{_spell(key, first)}: 1\n{_spell(key, second)}: 2\n"
    with pytest.raises(DuplicateKeyError):
        load_located(text, "f.yaml")
