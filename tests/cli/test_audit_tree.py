"""`vallum audit keygen | checkpoint | verify --checkpoint | prove | export | erase` and the
stand-alone verifier, end to end through the CLI on a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vallum.cli.main import app

runner = CliRunner()


def _fill(url: str, texts: list[str]) -> list[str]:
    from vallum.evidence.log import EvidenceLog
    from vallum.evidence.record import utc_now
    from vallum.storage.database import Database

    db = Database(url)
    log = EvidenceLog(db)
    ids = []
    for text in texts:
        stored = log.append(
            {"id": f"r-{len(ids)}-{text[:4]}-0000", "created_at": utc_now(), "kind": "decision",
             "content": {"policy": "full", "sha256": "-", "text": text}}
        )  # fmt: skip
        ids.append(stored.id)
    db.dispose()
    return ids


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path, Path]:
    key = tmp_path / "log.key"
    result = runner.invoke(app, ["audit", "keygen", "--name", "vallum.test/cli", "--out", str(key)])
    assert 0 == result.exit_code, result.output
    assert 0o600 == key.stat().st_mode & 0o777
    monkeypatch.setenv("VALLUM_SIGNING_KEY_FILE", str(key))
    return f"sqlite:///{tmp_path / 'v.db'}", key, Path(f"{key}.pub")


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert 0 == result.exit_code, result.output
    return result.stdout


def _fails(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert 1 == result.exit_code, result.output
    return result.output


def test_keygen_refuses_to_overwrite(setup: tuple[str, Path, Path]) -> None:
    _, key, _ = setup
    assert "exists" in _fails("audit", "keygen", "--out", str(key))


def test_checkpoint_verify_and_a_cut_log(setup: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, _, pub = setup
    _fill(url, ["one", "two", "three", "four"])
    cp = tmp_path / "cp.txt"
    text = _ok("audit", "checkpoint", "--db", url, "--out", str(cp))
    assert text == cp.read_text() and text.startswith("vallum.test/cli\n4\n")
    out = _ok("audit", "verify", "--db", url, "--checkpoint", str(cp), "--key", str(pub), "--json")
    assert {"ok": True, "records": 4, "checkpoints": 1} == {
        k: v for k, v in json.loads(out).items() if k in ("ok", "records", "checkpoints")
    }
    with sqlite3.connect(tmp_path / "v.db") as conn:  # the cut, with a consistent head
        conn.execute("DELETE FROM vallum_evidence WHERE seq > 2")
        conn.execute(
            "UPDATE vallum_evidence_head SET seq = 2, hash = (SELECT hash FROM vallum_evidence "
            "WHERE seq = 2), frontier = (SELECT substr(tree, 65, 64) FROM vallum_evidence "
            "WHERE seq = 2)"
        )
    _ok("audit", "verify", "--db", url)  # alone, the cut log is intact
    out = _fails("audit", "verify", "--db", url, "--checkpoint", str(cp), "--key", str(pub))
    assert "records were removed" in out


def test_dropped_tables_with_a_checkpoint_are_named(
    setup: tuple[str, Path, Path], tmp_path: Path
) -> None:
    url, _, pub = setup
    _fill(url, ["one"])
    cp = tmp_path / "cp.txt"
    _ok("audit", "checkpoint", "--db", url, "--out", str(cp))
    with sqlite3.connect(tmp_path / "v.db") as conn:
        conn.execute("DROP TABLE vallum_evidence")
        conn.execute("DROP TABLE vallum_evidence_head")
    out = _fails("audit", "verify", "--db", url, "--checkpoint", str(cp), "--key", str(pub))
    assert "dropped or replaced" in out


def test_forged_and_foreign_checkpoints_are_named(
    setup: tuple[str, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _, pub = setup
    _fill(url, ["one"])
    _ok("audit", "keygen", "--name", "vallum.test/cli", "--out", str(tmp_path / "forger.key"))
    _ok("audit", "keygen", "--name", "vallum.test/other", "--out", str(tmp_path / "other.key"))
    for name, problem in (("forger", "not signed by"), ("other", "different log")):
        monkeypatch.setenv("VALLUM_SIGNING_KEY_FILE", str(tmp_path / f"{name}.key"))
        cp = tmp_path / f"{name}.cp"
        _ok("audit", "checkpoint", "--db", url, "--out", str(cp))
        out = _fails("audit", "verify", "--db", url, "--checkpoint", str(cp), "--key", str(pub))
        assert problem in out


def test_prove_export_erase_and_the_standalone_verifier(
    setup: tuple[str, Path, Path], tmp_path: Path
) -> None:
    url, _, pub = setup
    ids = _fill(url, ["alpha secret", "beta", "gamma", "delta", "epsilon"])
    proof = json.loads(_ok("audit", "prove", ids[1], "--db", url))
    assert (1, 5) == (proof["index"], proof["tree_size"])
    cp1 = tmp_path / "cp1.txt"
    cp1.write_text(proof["checkpoint"])
    out = _ok("audit", "erase", ids[0], "--reason", "DSR 7", "--db", url, "--json")
    assert {"ok": True, "seq": 6} == {
        k: v for k, v in json.loads(out).items() if k in ("ok", "seq")
    }
    assert "erased" in _fails("audit", "erase", ids[0], "--reason", "again", "--db", url)
    cp2 = tmp_path / "cp2.txt"
    _ok("audit", "checkpoint", "--db", url, "--out", str(cp2))
    export = tmp_path / "export.jsonl"
    export.write_text(_ok("audit", "export", "--db", url))
    assert "alpha secret" not in export.read_text() and "beta" in export.read_text()
    verifier = [sys.executable, "-m", "vallum.evidence.verify_export"]
    run = subprocess.run(
        [*verifier, str(export), str(cp1), str(cp2), "--key", str(pub)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert 0 == run.returncode, run.stderr
    assert "matches checkpoint vallum.test/cli size 5" in run.stdout
    # a slice with inclusion proofs against the later checkpoint
    lines = _ok("audit", "export", "--db", url, "--checkpoint", str(cp2), "--key", str(pub))
    part = tmp_path / "slice.jsonl"
    part.write_text("\n".join(lines.splitlines()[2:4]) + "\n")
    run = subprocess.run(
        [*verifier, str(part), str(cp2), "--key", str(pub)], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert 0 == run.returncode and "2 records proved" in run.stdout, run.stderr
    # the same slice with its content edited, or its record text: each fails
    good = [json.loads(x) for x in part.read_text().splitlines()]
    for field, old, new in (("payload", "gamma", "GAMMA"), ("record", '"kind"', '"kind" ')):
        bad = [dict(x) for x in good]
        bad[0][field] = bad[0][field].replace(old, new, 1)
        part.write_text("\n".join(json.dumps(x) for x in bad) + "\n")
        run = subprocess.run(
            [*verifier, str(part), str(cp2), "--key", str(pub)], capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        assert 1 == run.returncode and "FAILED" in run.stderr, (field, run.stdout)


def test_export_since_and_bad_format(setup: tuple[str, Path, Path]) -> None:
    url, _, _ = setup
    _fill(url, ["one", "two"])
    assert 2 == len(_ok("audit", "export", "--db", url, "--since", "1h").splitlines())
    assert "" == _ok("audit", "export", "--db", url, "--since", "2999-01-01T00:00")
    assert "jsonl" in _fails("audit", "export", "--db", url, "--format", "csv")
    assert "ISO" in _fails("audit", "export", "--db", url, "--since", "yesterday")


def test_the_standalone_verifier_loads_no_database_code() -> None:
    """It needs the export, the checkpoints and the key: no SQLAlchemy, driver or CLI loaded."""
    code = (
        "import sys, vallum.evidence.verify_export; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlalchemy', 'psycopg', 'sqlite3', 'typer', 'rich', 'httpx'}))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "[]" == run.stdout.strip()
