"""The hold-back scanner's contract, on its own: what is released when."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vallum.bundle.loader import load_bundle
from vallum.gateway.streaming import OutputScanner
from vallum.model import Action, Decision, Finding


def _decision(action: Action, findings: tuple[Finding, ...] = ()) -> Decision:
    return Decision("d", action, (), findings, "v", (), {})


def _scanner(example_dir: Path, probe: Any, holdback: int = 10, step: int = 5) -> OutputScanner:
    return OutputScanner(load_bundle(example_dir), probe, probe, holdback=holdback, step=step)


def test_scanner_holds_back_the_window(example_dir: Path) -> None:
    """Nothing is released until holdback + step characters are buffered, then all but holdback."""
    scanner = _scanner(example_dir, lambda text: _decision(Action.ALLOW))
    early = scanner.feed("0123456789abcd")
    late = scanner.feed("e")
    assert ("", "01234") == (early, late)


def test_scanner_never_cuts_through_a_finding(example_dir: Path) -> None:
    """A release stops at the start of a finding that straddles the cut."""
    finding = Finding("pii", "pii.email", 0.9, start=3, end=8)
    scanner = _scanner(example_dir, lambda text: _decision(Action.ALLOW, (finding,)))
    assert "012" == scanner.feed("0123456789abcde")


def test_scanner_stops_for_good_after_a_block(example_dir: Path) -> None:
    """Once a window blocks, nothing else is released, even at the end."""
    scanner = _scanner(example_dir, lambda text: _decision(Action.BLOCK))
    assert ("", "", "") == (scanner.feed("x" * 20), scanner.feed("y" * 20), scanner.finish())


def test_scanner_finish_releases_the_tail(example_dir: Path) -> None:
    """At the end the held-back tail is released after the final, recorded evaluation."""
    scanner = _scanner(example_dir, lambda text: _decision(Action.ALLOW))
    released = scanner.feed("0123456789abcdef") + scanner.finish()
    assert ("0123456789abcdef", "0123456789abcdef") == (released, scanner.delivered_text)
