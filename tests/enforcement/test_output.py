"""The hold-back scanner's contract, on its own: what is released when."""

from __future__ import annotations

from typing import Any

from vallum.enforcement.output import OutputScanner
from vallum.model import Action, Decision, Finding


def _decision(action: Action, findings: tuple[Finding, ...] = ()) -> Decision:
    return Decision("d", action, (), findings, "v", (), {})


def _scanner(probe: Any, holdback: int = 10, step: int = 5) -> OutputScanner:
    return OutputScanner(probe, probe, holdback=holdback, step=step)


def test_scanner_holds_back_the_window() -> None:
    """Nothing is released until holdback + step characters are buffered, then all but holdback."""
    scanner = _scanner(lambda text: _decision(Action.ALLOW))
    early = scanner.feed("0 2 4 6 8 a c ")
    late = scanner.feed("e")
    assert ("", "0 2 4") == (early, late)


def test_scanner_never_cuts_through_a_finding() -> None:
    """A release stops at the start of a finding that straddles the cut."""
    finding = Finding("pii", "pii.email", 0.9, start=3, end=8)
    scanner = _scanner(lambda text: _decision(Action.ALLOW, (finding,)))
    assert "0 2" == scanner.feed("0 2 4 6 8 a c e")


def test_scanner_stops_for_good_after_a_block() -> None:
    """Once a window blocks, nothing else is released, even at the end."""
    scanner = _scanner(lambda text: _decision(Action.BLOCK))
    assert ("", "", "") == (scanner.feed("x" * 20), scanner.feed("y" * 20), scanner.finish())


def test_scanner_finish_releases_the_tail() -> None:
    """At the end the held-back tail is released after the final, recorded evaluation."""
    scanner = _scanner(lambda text: _decision(Action.ALLOW))
    released = scanner.feed("0123456789abcdef") + scanner.finish()
    assert ("0123456789abcdef", "0123456789abcdef") == (released, scanner.delivered_text)


def test_scanner_redacts_a_window_by_the_decision_s_own_spans() -> None:
    """A redacting window decision cuts exactly the spans it carries, nothing recomputed."""
    card = Finding("pii", "pii.card", 0.9, start=2, end=6)
    redacting = Decision("d", Action.REDACT, (), (card,), "v", (), {}, redactions=(card,))
    scanner = _scanner(lambda text: redacting)
    released = scanner.feed("ab1234cdef ghijklmnopq ")
    assert released.startswith("ab[") and "1234" not in released


def test_a_token_longer_than_the_window_is_held_until_it_ends() -> None:
    """A key or token recognised only once whole is never released in part, however long."""

    def probe(text: str) -> Decision:
        # stands in for a detector that recognises the token only once it is complete ("!")
        whole = "SECRET" in text and "!" in text[text.index("SECRET") :]
        return _decision(Action.BLOCK if whole else Action.ALLOW)

    scanner = _scanner(probe, holdback=10, step=5)
    released = scanner.feed("hello there SECRET")
    for _ in range(20):  # the token grows far past the window
        released += scanner.feed("abcdefgh")
    released += scanner.feed("! tail")
    released += scanner.finish()
    assert ("hello there ", "SECRET") == (released, "SECRET" if scanner.stopped_by else "")


def test_text_after_a_space_flows_again() -> None:
    """Once the long token ends, what follows is released as usual."""
    scanner = _scanner(lambda text: _decision(Action.ALLOW), holdback=4, step=2)
    released = scanner.feed("x" * 30)
    assert "" == released  # one unbroken run: nothing yet
    released += scanner.feed(" and then some more words here")
    assert released.startswith("x" * 30 + " ")
