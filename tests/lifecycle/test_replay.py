"""Replay: recorded events through a candidate, listing exactly the decisions that change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vallum.bundle.loader import Bundle, load_bundle
from vallum.cli.main import app
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.lifecycle.replay import replay
from vallum.model import Event, Principal, Stage, ToolCall
from vallum.storage.database import Database

AGENT = Principal("agent", "bot")
runner = CliRunner()


def _enforced_trial(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    policies = target / "policies.cedar"
    policies.write_text(
        policies.read_text().replace(
            '@id("trial-external-email")\n@mode("monitor")', '@id("trial-external-email")'
        )
    )
    return target


def _email(session: str, to: str) -> Event:
    return Event(
        Stage.TOOL_CALL,
        AGENT,
        session,
        tool_call=ToolCall("send_email", {"to": to, "subject": "s", "body": "b"}),
    )


def _record(db: Database, bundle: Bundle) -> list[str]:
    engine = Engine(bundle, evidence=EvidenceLog(db))
    events = [
        Event(Stage.INPUT, Principal("user", "ann"), "a", text="When does my order arrive?"),
        _email("a", "x@partner.example"),  # external (a partner): changes under the candidate
        _email("a", "team@acme.example"),  # internal: unchanged
        Event(Stage.OUTPUT, AGENT, "b", text="Reach me at ann.lee@example.com"),  # redacted
        _email("c", "y@partner.example"),  # external: changes
    ]
    return [engine.evaluate(e).evidence_id or "" for e in events]


def test_replay_lists_exactly_the_changed_decisions(
    sqlite_db: Database, example_bundle: Bundle, bundle_copy: Path, tmp_path: Path
) -> None:
    """Only the two external emails change (allow -> block), grouped under the trial policy."""
    ids = _record(sqlite_db, example_bundle)
    candidate = load_bundle(_enforced_trial(bundle_copy, tmp_path / "cand"))
    report = replay(EvidenceLog(sqlite_db).iter_records(), candidate)
    assert [ids[1], ids[4]] == [c.record_id for c in report.changes]
    expected = [
        {"control": "cedar:trial-external-email", "count": 2, "changes": {"allow->block": 2}}
    ]
    assert expected == report.by_control()
    assert (5, 4) == (report.replayed, report.lossy)  # three calls keep addresses redacted


def test_replay_of_the_same_bundle_changes_nothing(
    sqlite_db: Database, example_bundle: Bundle
) -> None:
    """Replaying through the bundle that decided gives no changes, redacted output included."""
    _record(sqlite_db, example_bundle)
    assert [] == replay(EvidenceLog(sqlite_db).iter_records(), example_bundle).changes


def test_content_none_skips_what_cannot_be_rebuilt(sqlite_db: Database, bundle_copy: Path) -> None:
    """Under `evidence.content: none` text events and tool calls are counted as skipped."""
    config = bundle_copy / "vallum.yaml"
    config.write_text(config.read_text().replace("content: redacted", "content: none"))
    bundle = load_bundle(bundle_copy)
    _record(sqlite_db, bundle)
    report = replay(EvidenceLog(sqlite_db).iter_records(), bundle)
    assert (0, 5) == (report.replayed, sum(report.skipped.values()))


def test_replay_cli_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example_bundle: Bundle, bundle_copy: Path
) -> None:
    """`vallum replay --candidate DIR --since 24h --json` reports the change count by control."""
    monkeypatch.chdir(tmp_path)
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    _record(db, example_bundle)
    cand = _enforced_trial(bundle_copy, tmp_path / "cand")
    result = runner.invoke(
        app,
        [
            "replay",
            "--candidate",
            str(cand),
            "--since",
            "24h",
            "--db",
            f"sqlite:///{tmp_path / 'r.db'}",
            "--json",
        ],
    )
    assert 0 == result.exit_code, result.output
    out = json.loads(result.stdout)
    assert (2, "cedar:trial-external-email") == (out["changed"], out["by_control"][0]["control"])
    db.dispose()


def test_policy_cli_activate_history_rollback(tmp_path: Path, bundle_copy: Path) -> None:
    """The CLI activates, lists and rolls back, and rollback with one version exits 1."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert (
        0
        == runner.invoke(
            app, ["policy", "activate", str(bundle_copy), "--db", url, "--by", "ann"]
        ).exit_code
    )
    history = json.loads(runner.invoke(app, ["policy", "history", "--db", url, "--json"]).stdout)
    assert ["ann"] == [a["activated_by"] for a in history["activations"]]
    assert 1 == runner.invoke(app, ["policy", "rollback", "--db", url]).exit_code
