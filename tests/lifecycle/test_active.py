"""Hot reload: `ActiveBundle` picks up activations and rollbacks without dropping requests."""

from __future__ import annotations

import shutil
from pathlib import Path

from vallum.engine import Engine
from vallum.lifecycle.active import ActiveBundle
from vallum.lifecycle.store import PolicyStore
from vallum.model import Action, Event, Principal, Stage, ToolCall
from vallum.storage.database import Database

EMAIL = Event(
    Stage.TOOL_CALL,
    Principal("agent", "bot"),
    "s1",
    tool_call=ToolCall("send_email", {"to": "x@partner.example", "subject": "hi", "body": "hello"}),
)


def _enforce_trial(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    policies = target / "policies.cedar"
    text = policies.read_text().replace(
        '@id("trial-external-email")\n@mode("monitor")', '@id("trial-external-email")'
    )
    policies.write_text(text)
    return target


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_new_version_is_swapped_in_after_the_poll_interval(
    sqlite_db: Database, bundle_copy: Path, tmp_path: Path
) -> None:
    """A request in flight keeps its engine; the next poll after activation serves the new one."""
    store = PolicyStore(sqlite_db)
    store.activate(bundle_copy, by="ann")
    clock = Clock()
    source = ActiveBundle(store, cache_dir=tmp_path / "cache", poll_interval_s=5, clock=clock)
    in_flight = source.current()
    store.activate(_enforce_trial(bundle_copy, tmp_path / "v2"), by="ann")
    before_interval = source.current()
    clock.now = 10
    after = source.current()
    actions = [e.evaluate(EMAIL).action for e in (in_flight, before_interval, after)]
    assert [Action.ALLOW, Action.ALLOW, Action.BLOCK] == actions
    store.rollback(by="ann")
    clock.now = 20
    assert Action.ALLOW == source.current().evaluate(EMAIL).action


def test_polling_without_change_keeps_the_same_engine(
    sqlite_db: Database, bundle_copy: Path, tmp_path: Path
) -> None:
    """A poll that finds no new activation returns the very same engine object."""
    store = PolicyStore(sqlite_db)
    store.activate(bundle_copy, by="ann")
    source = ActiveBundle(store, cache_dir=tmp_path / "cache", poll_interval_s=0)
    first = source.current()
    assert (False, first) == (source.poll(), source.current())


def test_engine_factory_receives_each_loaded_bundle(
    sqlite_db: Database, bundle_copy: Path, tmp_path: Path
) -> None:
    """The gateway's factory builds every engine, so evidence and sessions stay its own."""
    store = PolicyStore(sqlite_db)
    store.activate(bundle_copy, by="ann")
    built: list[str] = []

    def factory(bundle):  # type: ignore[no-untyped-def]
        built.append(bundle.version)
        return Engine(bundle)

    source = ActiveBundle(store, cache_dir=tmp_path / "cache", engine_factory=factory)
    assert [source.version] == built
