"""Scans made cheaper, held to what they replaced: `match_spans` lists exactly the spans
`finditer` of the RE2 binding gives (without the binding's Python `Match` objects), and the
gate that skips the spelled-out address scan never hides an address."""

from __future__ import annotations

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from vallum.detectors import pii
from vallum.detectors.encoded import decoded_runs
from vallum.detectors.pii import PiiDetector
from vallum.detectors.spans import match_spans
from vallum.model import Stage

PATTERNS = [b"a*", b"", b"a|", b"[0-9]+", b"(?:ab)+|b", b"$", b"^a", b"\\b", b"x?"]
PATTERNS += [c._bytes.pattern for cs in pii._BUILTINS.values() for c in cs]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(PATTERNS),
    st.binary(max_size=40) | st.text("ab0123456789 @.-x:", max_size=60).map(str.encode),
)
def test_match_spans_as_finditer(pattern: bytes, data: bytes) -> None:
    regex = re2.compile(pattern)
    assert [m.span() for m in regex.finditer(data)] == match_spans(regex, data)


def test_match_spans_finds_personal_data() -> None:
    regex = re2.compile(b"[0-9]{3}-[0-9]{2}-[0-9]{4}")
    assert [(4, 15), (20, 31)] == match_spans(regex, b"ssn 123-45-6789 and 987-65-4321")


_ATS = ["@", " @ ", "@ ", " @", "\t@", " at ", " AT ", "\tat\t", "[at]", "(at)", " { at } ", "<AT>"]
_DOTS = [".", " . ", " dot ", " DoT ", "[dot]", "(dot)", "{ dot }", "<dot>", "\tdot ", ".\t"]
_WORDS = ["alice", "bob.lee", "x", "meet", "work", "example", "acme", "a-b", "1"]
_TLDS = ["com", "io", "uk", "me", "in", "c"]
_FILL = ["", " ", "\n", "write to ", "é ", "(", "'", "-"]
_ADDRESSES = st.tuples(
    st.sampled_from(_FILL),
    st.sampled_from(_WORDS),
    st.sampled_from(_ATS),
    st.lists(
        st.tuples(st.sampled_from(_WORDS), st.sampled_from(_DOTS)).map("".join),
        min_size=1,
        max_size=3,
    ).map("".join),
    st.sampled_from(_TLDS),
    st.sampled_from(_FILL),
).map("".join)


@settings(max_examples=800, deadline=None)
@given(st.lists(_ADDRESSES, min_size=1, max_size=3).map("".join))
def test_spelled_email_gate_never_hides_an_address(text: str) -> None:
    """The spelled-out address scan is skipped when its gate finds nothing: that is sound only if
    no candidate of the pattern is then valid. Addresses written every way (`@` or `at`,
    bracketed, bare, spaced, tabs, any case; `.` or `dot` likewise), among other text."""
    (candidates,) = [c for c in pii._BUILTINS["email"] if c.gate is not None]
    valid = [
        (m.start(), m.end())
        for m in candidates._text.finditer(text)
        if candidates.valid(text, m.start(), m.end())
    ]
    if candidates.gate.search(text.encode()) is None:
        assert [] == valid


@pytest.mark.parametrize(
    "text",
    [
        "write to alice at acme dot com",
        "write to alice @ acme.com",
        "write to alice@ acme.com",
        "write to alice@acme . com",
        "write to alice@acme dot com",
        "write to alice (at) acme.com",
        "write to alice\tat\tacme\tdot\tcom",
    ],
)
def test_spelled_email_gate_lets_spelled_addresses_through(text: str) -> None:
    found = PiiDetector().detect(text, Stage.OUTPUT)
    assert ["email (spelled out)"] == [f.detail for f in found]


# Personal data among other scripts: characters that fold to ASCII letters under (?i) in some
# engines (Kelvin sign, long s, dotless i), full-width and Arabic-Indic digits, NBSP, accents.
_UNICODE = "aAtT dDoO.@-+()[]:0123456789 \t\nK\u212aſıİ\u00a0éü４٤漢"


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=_UNICODE, max_size=60)
    | st.lists(
        st.sampled_from(
            ["ann@example.com", " at ", " dot ", "4111 1111 1111 1111", "+1 415 555 0100",
             "DE89370400440532013000", "10.0.0.1", "fe80::1", "123-45-6789", "é", "漢字", "\u212a"]
        ),
        max_size=8,
    ).map("".join)
)  # fmt: skip
def test_builtin_patterns_match_alike_one_byte_per_character(text: str) -> None:
    """Text outside ASCII is scanned as one byte per character (`?` for each other one): every
    built-in pattern matches there exactly where it matches the text itself."""
    scan = pii._one_byte_per_character(text, text.encode())
    assert scan is not None and len(scan) == len(text)
    for candidates in [c for cs in pii._BUILTINS.values() for c in cs]:
        expected = [m.span() for m in candidates._text.finditer(text)]
        assert expected == list(candidates.scan_spans(text, scan))


def test_encoded_runs_found_among_other_scripts() -> None:
    text = "Карта: NDExMSAxMTExIDExMTEgMTExMQ== 漢字"
    assert [(7, 35)] == [(s, e) for s, e, _ in decoded_runs(text)]
