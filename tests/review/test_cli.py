"""`vallum review` on the command line: formats, exit codes, stdin, threat model, --diff."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vallum.cli.main import app

BAD = "import os\nfrom flask import request\nos.system(request.args['x'])\n"


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["review", *args], input=stdin)
    return result.exit_code, result.stdout


@pytest.mark.parametrize(("fail_on", "expected"), [("critical", 1), ("high", 1), (None, 0)])
def test_fail_on_sets_exit_code(tmp_path: Path, fail_on: str | None, expected: int) -> None:
    """--fail-on exits 1 when a finding is at least that severe; without it, 0."""
    (tmp_path / "a.py").write_text(BAD)
    args = [str(tmp_path), "--no-default-backends"]
    code, _ = invoke(*args, *(["--fail-on", fail_on] if fail_on else []))
    assert expected == code


def test_stdin_snippet_to_sarif_file(tmp_path: Path) -> None:
    """`-` reads a snippet from stdin; -o writes the SARIF report to a file."""
    out = tmp_path / "r.sarif"
    code, _ = invoke("-", "--format", "sarif", "-o", str(out), "--no-default-backends", stdin=BAD)
    results = json.loads(out.read_text())["runs"][0]["results"]
    assert (0, ["taint.command-injection"]) == (code, [r["ruleId"] for r in results])


def test_bad_threat_model_is_a_clear_error(tmp_path: Path) -> None:
    """A threat model with a wrong key exits 2 and names the file and the key at fault."""
    model = tmp_path / "tm.yaml"
    model.write_text("requirements:\n  - id: U\n    type: upload\n    max_mb: -1\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    result = CliRunner().invoke(
        app, ["review", str(tmp_path / "a.py"), "--threat-model", str(model)]
    )
    assert 2 == result.exit_code
    assert "requirements.0.upload.max_mb" in result.output


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_reports_only_new_lines(tmp_path: Path) -> None:
    """--diff HEAD keeps the finding on the line added since the commit, not the old one."""

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.py").write_text("import hashlib\ntoken = hashlib.md5(b'a')\n")
    git("add", "a.py")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init")
    new = "import hashlib\ntoken = hashlib.md5(b'a')\nsecret = hashlib.sha1(b'b')\n"
    (tmp_path / "a.py").write_text(new)
    code, out = invoke(str(tmp_path), "--diff", "HEAD", "--format", "json", "--no-default-backends")
    assert (0, [3]) == (code, [f["line"] for f in json.loads(out)["findings"]])


LIB = "import os\ndef purge(path):\n    os.system('rm -rf ' + path)\n"


def _full(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["review", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_llm_has_no_default_endpoint(tmp_path: Path) -> None:
    """--llm without an endpoint and model is an error naming the options, never a guess."""
    (tmp_path / "a.py").write_text(BAD)
    code, _out, err = _full(str(tmp_path), "--no-default-backends", "--llm")
    assert code == 2
    assert "--llm-base-url" in err and "--llm-model" in err


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_llm_fails_unless_optional(tmp_path: Path) -> None:
    """An endpoint that cannot be reached exits non-zero with the reason; --llm-optional warns."""
    (tmp_path / "a.py").write_text(BAD)
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    base = [str(tmp_path), "--no-default-backends", "--llm", "--llm-base-url", url]
    code, _out, err = _full(*base, "--llm-model", "m")
    assert code == 2 and "LLM pass failed" in err
    code, out, err = _full(*base, "--llm-model", "m", "--llm-optional", "--format", "json")
    assert code == 0 and "LLM pass skipped" in err
    assert "taint.command-injection" in out  # the deterministic findings are still reported


def test_entry_points_and_min_confidence(tmp_path: Path) -> None:
    """Library parameters are not sources unless named; --min-confidence filters them out."""
    (tmp_path / "lib.py").write_text(LIB)
    args = [str(tmp_path), "--no-default-backends", "--format", "json"]
    assert json.loads(invoke(*args)[1])["findings"] == []
    named = json.loads(invoke(*args, "--entry-point", "purge")[1])["findings"]
    assert [(f["rule"], f["confidence"]) for f in named] == [("taint.command-injection", 0.6)]
    high = invoke(*args, "--entry-point", "purge", "--min-confidence", "0.8")[1]
    assert json.loads(high)["findings"] == []
    # a snippet on stdin: every uncalled function is an entry point
    snippet = json.loads(invoke("-", "--no-default-backends", "--format", "json", stdin=LIB)[1])
    assert [f["rule"] for f in snippet["findings"]] == ["taint.command-injection"]


def test_llm_endpoint_from_the_threat_model(tmp_path: Path) -> None:
    """The threat model's `llm:` section names the endpoint; a bad one is a clear error."""
    (tmp_path / "a.py").write_text(BAD)
    model = tmp_path / "threatmodel.yaml"
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    model.write_text(f"requirements: []\nllm:\n  base_url: {url}\n  model: m\n")
    args = [str(tmp_path / "a.py"), "--no-default-backends", "--llm", "--threat-model", str(model)]
    code, _out, err = _full(*args)
    assert code == 2 and "LLM pass failed" in err and "--llm-base-url" not in err
    model.write_text("requirements: []\nllm:\n  base_url: http://x/v1\n  modle: m\n")
    code, _out, err = _full(*args)
    assert code == 2 and "modle" in err


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_shipped_pre_commit_hook_blocks_a_new_flaw_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The changed-lines hook in .pre-commit-hooks.yaml, run in a repository, fails on a flaw
    added since HEAD and passes once the flaw is committed."""
    import shlex

    import yaml

    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "vallum-review-diff"]
    program, command, *args = [*shlex.split(hook["entry"]), *hook.get("args", [])]
    assert (program, command, hook["pass_filenames"]) == ("vallum", "review", False)

    def git(*extra: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *extra], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "app.py").write_text("import os\n")
    git("add", "app.py")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init")
    (tmp_path / "app.py").write_text(FLASK_BAD)
    monkeypatch.chdir(tmp_path)
    assert 1 == invoke(*args, "--no-default-backends")[0]
    git("add", "app.py")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "flaw")
    assert 0 == invoke(*args, "--no-default-backends")[0]


FLASK_BAD = (
    "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n"
    "@app.route('/x')\ndef x():\n    os.system(request.args['x'])\n    return 'ok'\n"
)


def test_shipped_whole_tree_hook_fails_on_a_committed_flaw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole-tree hook fails on any high finding in the tree, committed or not."""
    import shlex

    import yaml

    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "vallum-review"]
    _program, _command, *args = [*shlex.split(hook["entry"]), *hook.get("args", [])]
    (tmp_path / "app.py").write_text(FLASK_BAD)
    monkeypatch.chdir(tmp_path)
    assert 1 == invoke(*args, "--no-default-backends")[0]
    (tmp_path / "app.py").write_text("import os\n")
    assert 0 == invoke(*args, "--no-default-backends")[0]
