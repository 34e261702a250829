"""Optional dependencies: `require` imports them or names the `pip install` that brings them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from vallum.exceptions import ConfigError, MissingExtra
from vallum.extras import EXTRAS, require


def test_require_returns_the_module() -> None:
    """An installed module comes back as the module itself."""
    assert sys.modules["json"] is require("gateway", "json")


def test_missing_module_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module that cannot be imported raises MissingExtra, one line naming the pip install."""
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(MissingExtra) as caught:
        require("redis", "redis", feature="a Redis URL")
    assert (
        "a Redis URL needs the 'redis' extra, which is not installed: pip install 'vallum[redis]'"
        == str(caught.value)
    )
    assert ("redis", "redis") == (caught.value.extra, caught.value.module)
    assert isinstance(caught.value, ConfigError)


def test_missing_parent_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """A submodule whose package is absent is a missing extra too."""
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.delitem(sys.modules, "redis.exceptions", raising=False)
    with pytest.raises(MissingExtra, match=r"pip install 'vallum\[redis\]'"):
        require("redis", "redis.exceptions")


def test_broken_install_is_not_a_missing_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module that is present but imports something absent raises that error unchanged."""
    (tmp_path / "vallum_fake_extra.py").write_text("import vallum_absent_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as caught:
        require("gateway", "vallum_fake_extra")
    assert "vallum_absent_dependency" == caught.value.name


def test_every_extra_is_declared_in_pyproject() -> None:
    """Each extra `require_all` checks is one that pyproject.toml declares."""
    import tomllib

    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    assert set(EXTRAS) <= set(declared)
