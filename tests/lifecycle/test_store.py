"""Bundle versions, activation history and rollback, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from vallum.bundle.loader import load_bundle
from vallum.exceptions import BundleValidationError, PolicyVersionError
from vallum.lifecycle.store import PolicyStore
from vallum.storage.database import Database


def _variant(source: Path, target: Path, threshold: str) -> Path:
    import shutil

    shutil.copytree(source, target)
    config = target / "vallum.yaml"
    config.write_text(config.read_text().replace("threshold: 0.3", f"threshold: {threshold}"))
    return target


def test_activate_history_rollback(any_db: Database, bundle_copy: Path, tmp_path: Path) -> None:
    """Activations are recorded with who and what came before; rollback steps back one version."""
    store = PolicyStore(any_db)
    v1 = load_bundle(bundle_copy).version
    v2 = load_bundle(_variant(bundle_copy, tmp_path / "v2", "0.2")).version
    store.activate(bundle_copy, by="ann")
    store.activate(tmp_path / "v2", by="bob", note="stricter trial")
    back = store.rollback(by="carl")
    expected = [
        (v1, v2, "carl", "rollback"),
        (v2, v1, "bob", "activate"),
        (v1, None, "ann", "activate"),
    ]
    actual = [(a.version, a.previous, a.activated_by, a.action) for a in store.history()]
    assert expected == actual
    assert v1 == back.version


def test_rollback_walks_back_and_then_stops(
    any_db: Database, bundle_copy: Path, tmp_path: Path
) -> None:
    """Two rollbacks after three activations reach the first version; a third has nowhere to go."""
    store = PolicyStore(any_db)
    store.activate(bundle_copy, by="a")
    store.activate(_variant(bundle_copy, tmp_path / "v2", "0.2"), by="a")
    store.activate(_variant(bundle_copy, tmp_path / "v3", "0.25"), by="a")
    store.rollback(by="a")
    second = store.rollback(by="a")
    assert load_bundle(bundle_copy).version == second.version
    with pytest.raises(PolicyVersionError):
        store.rollback(by="a")


def test_a_stored_version_can_be_reactivated_without_its_directory(
    any_db: Database, bundle_copy: Path, tmp_path: Path
) -> None:
    """Activating by version prefix restores the snapshot, which hashes to that version."""
    store = PolicyStore(any_db)
    version = store.activate(bundle_copy, by="ann").version
    store.activate(_variant(bundle_copy, tmp_path / "v2", "0.2"), by="ann")
    again = store.activate(version[:8], by="ann")
    restored = store.load(again.version, tmp_path / "cache")
    assert version == restored.version


def test_an_invalid_bundle_is_never_activated(sqlite_db: Database, bundle_copy: Path) -> None:
    """A bundle that fails validation raises and leaves no history."""
    (bundle_copy / "vallum.yaml").write_text("name: [broken\n")
    store = PolicyStore(sqlite_db)
    with pytest.raises(BundleValidationError):
        store.activate(bundle_copy, by="ann")
    assert [] == store.history()


def test_unknown_version_names_the_fix(sqlite_db: Database) -> None:
    """An unknown version says how to list the known ones."""
    with pytest.raises(PolicyVersionError, match="vallum policy history"):
        PolicyStore(sqlite_db).activate("deadbeef00", by="ann")
