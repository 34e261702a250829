"""`match_spans` lists exactly the spans `finditer` of the RE2 binding gives (it skips the
binding's Python `Match` objects), empty matches and matches at the end included."""

from __future__ import annotations

import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from vallum.detectors import pii
from vallum.detectors.spans import match_spans

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
