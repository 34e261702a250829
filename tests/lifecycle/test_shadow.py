"""Shadow mode: the candidate is evaluated and recorded, and changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from vallum.bundle.loader import Bundle, load_bundle
from vallum.engine import Engine
from vallum.evidence.log import EvidenceLog
from vallum.lifecycle.shadow import KIND_SHADOW, ShadowEngine
from vallum.model import Event, Principal, Stage, ToolCall
from vallum.sessions.store import MemorySessionStore
from vallum.storage.database import Database

AGENT = Principal("agent", "bot")


def _strict(source: Path, target: Path) -> Bundle:
    shutil.copytree(source, target)
    policies = target / "policies.cedar"
    policies.write_text(
        policies.read_text().replace(
            '@id("trial-external-email")\n@mode("monitor")', '@id("trial-external-email")'
        )
    )
    return load_bundle(target)


def _events() -> list[Event]:
    return [
        Event(
            Stage.RETRIEVAL,
            AGENT,
            "s1",
            text="Weather in Lisbon today: sunny, 24 degrees, light wind from the north.",
            source="web",
        ),
        Event(
            Stage.TOOL_CALL,
            AGENT,
            "s1",
            tool_call=ToolCall(
                "send_email", {"to": "x@partner.example", "subject": "a", "body": "b"}
            ),
        ),
        Event(
            Stage.TOOL_CALL,
            AGENT,
            "s1",
            tool_call=ToolCall("refund", {"order_id": "ORD-1", "amount": 5}),
        ),
    ]


def test_shadow_returns_exactly_the_active_decisions(
    sqlite_db: Database, example_bundle: Bundle, bundle_copy: Path, tmp_path: Path
) -> None:
    """With or without a shadow, the live actions and session labels are identical."""
    plain = Engine(example_bundle, sessions=MemorySessionStore())
    expected = [plain.evaluate(e).action for e in _events()]
    live_sessions = MemorySessionStore()
    active = Engine(example_bundle, evidence=EvidenceLog(sqlite_db), sessions=live_sessions)
    shadow = ShadowEngine(
        active, _strict(bundle_copy, tmp_path / "cand"), evidence=EvidenceLog(sqlite_db)
    )
    actual = [shadow.evaluate(e).action for e in _events()]
    assert expected == actual
    assert plain.sessions.labels("s1") == live_sessions.labels("s1")
    assert (3, 1, []) == (shadow.compared, shadow.differed, shadow.errors)


def test_both_decisions_are_recorded_and_the_shadow_is_marked(
    sqlite_db: Database, example_bundle: Bundle, bundle_copy: Path, tmp_path: Path
) -> None:
    """Each event leaves an active record and a shadow record pointing at it."""
    log = EvidenceLog(sqlite_db)
    active = Engine(example_bundle, evidence=log)
    shadow = ShadowEngine(active, _strict(bundle_copy, tmp_path / "cand"), evidence=log)
    decisions = [shadow.evaluate(e) for e in _events()]
    records = [r.record for r in log.iter_records()]
    shadows = [r for r in records if r["kind"] == KIND_SHADOW]
    assert [d.evidence_id for d in decisions] == [r["shadow_of"] for r in shadows]
    assert ["allow", "block", "require_approval"] == [r["action"] for r in shadows]
    assert 6 == len(records)
    assert 6 == log.verify().records


def test_a_failing_candidate_never_affects_live_traffic(example_bundle: Bundle) -> None:
    """A candidate that raises is counted as an error; the active decision still comes back."""

    class Broken(Engine):
        def evaluate(self, event, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError("candidate bug")

    shadow = ShadowEngine(Engine(example_bundle), Broken(example_bundle))
    alone = Engine(example_bundle).evaluate(_events()[2]).action
    decision = shadow.evaluate(_events()[2])
    assert (alone, ["RuntimeError: candidate bug"]) == (decision.action, shadow.errors)
