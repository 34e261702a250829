"""Scenario files: parsing with located errors, expectations, and `vallum test`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from vallum.bundle.loader import Bundle
from vallum.cli.main import app
from vallum.evals.scenarios import load_scenarios, run_scenarios, scenario_files
from vallum.exceptions import EvalError

runner = CliRunner()


def _names(file: Path) -> list[str]:
    """Scenario names in a file, read with plain YAML (independent of the loader under test)."""
    return [s["name"] for s in yaml.safe_load(file.read_text())["scenarios"]]


def test_example_bundle_scenarios_all_pass(example_bundle: Bundle, example_dir: Path) -> None:
    """Every scenario shipped with the example bundle passes against it."""
    loaded = [s for f in scenario_files(example_dir / "tests") for s in load_scenarios(f)]
    results = run_scenarios(example_bundle, loaded)
    assert [] == [r.to_dict() for r in results if not r.passed]
    names = [n for f in scenario_files(example_dir / "tests") for n in _names(f)]
    assert len(names) == len(results) > 0


def test_a_wrong_expectation_fails_at_its_step(example_bundle: Bundle, tmp_path: Path) -> None:
    """A step expecting allow where the policy blocks fails, naming the step's line."""
    file = tmp_path / "wrong.yaml"
    file.write_text(
        "name: users may refund\nprincipal: user:ann\nsteps:\n"
        "  - stage: tool_call\n    tool: refund\n    args: {order_id: ORD-1, amount: 5}\n"
        "    expect: allow\n"
    )
    (result,) = run_scenarios(example_bundle, load_scenarios(file))
    assert (False, 4) == (result.passed, result.steps[0].line)
    assert "expected allow, got block" in result.steps[0].problems[0]


def test_an_unknown_key_is_reported_with_file_and_line(tmp_path: Path) -> None:
    """A typo in a step names the file, the line and the key."""
    file = tmp_path / "typo.yaml"
    file.write_text("name: x\nsteps:\n  - stage: input\n    txt: hi\n    expect: allow\n")
    with pytest.raises(EvalError) as info:
        load_scenarios(file)
    assert f"{file}:4 [steps.0.txt]: unknown key 'txt'" == str(info.value)


def test_vallum_test_runs_the_bundle_tests_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`vallum init` copies the scenarios and `vallum test` passes on them."""
    monkeypatch.chdir(tmp_path)
    assert 0 == runner.invoke(app, ["init", "b"]).exit_code
    result = runner.invoke(app, ["test", "b", "--json"])
    assert 0 == result.exit_code, result.output
    count = sum(len(_names(f)) for f in (tmp_path / "b" / "tests").glob("*.yaml"))
    assert (count, 0) == (
        json.loads(result.stdout)["scenarios"]["n"],
        json.loads(result.stdout)["scenarios"]["failed"],
    )


def test_vallum_test_exits_1_on_a_failing_scenario(bundle_copy: Path) -> None:
    """A failing scenario makes `vallum test` exit 1."""
    (bundle_copy / "tests" / "bad.yaml").write_text(
        "name: bad\nsteps:\n  - stage: input\n    text: hello\n    expect: block\n"
    )
    assert 1 == runner.invoke(app, ["test", str(bundle_copy)]).exit_code
