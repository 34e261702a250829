"""Values written in base64, hex or quoted-printable, read as the text they encode.

`NDExMSAxMTExIDExMTEgMTExMQ==` is a card number to anyone who pastes it into a decoder, and an
agent asked to "send it encoded" writes exactly that. So the pii and secrets detectors also read
each run of such text as what it decodes to, when that is printable text:

- base64 (standard or URL-safe alphabet, padding optional), a run of at least `MIN_RUN`
  characters, with the line breaks of wrapped base64 (MIME, PEM) inside it;
- hex, an even run of at least `MIN_RUN` hex digits;
- quoted-printable escapes, at least `MIN_ESCAPES` `=XX` in a row.

A run that decodes to bytes that are not UTF-8, or to text that is not printable (whitespace
aside), is left alone: hashes, ids and random tokens decode to noise. What a run decodes to is put
in normal form (`normalize`) and read once: one level, so base64 inside base64 is not unwrapped.
The cost is linear: one pass finds the runs, each is decoded once, and what is read again is at
most three quarters of the text (hex half of it).

A finding in a decoded run covers the whole run in the text, so a redaction cuts the encoded
value whole. Limits: a run must stand on its own (`card:NDEx…` is read, `cardNDEx…` is a run
starting four characters early, read misaligned), and escapes such as `\\x34` or `&#52;` are
not decoded here.
"""

from __future__ import annotations

import binascii
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import accumulate
from typing import Any

import re2

from vallum.detectors.normalize import normalize
from vallum.detectors.spans import match_spans
from vallum.model import Finding

MIN_RUN = 16  # characters: 12 bytes of base64, 8 of hex (shorter runs are words and ids)
MIN_ESCAPES = 4  # quoted-printable escapes in a row
_ALPHABET = "[A-Za-z0-9+/_-]"
# Scanned by RE2 (linear, and no Python per word of prose: a run is at least MIN_RUN
# characters). A match is leftmost, so it never starts inside a longer run of the alphabet.
_SOURCE = (
    f"{_ALPHABET}{{{MIN_RUN},}}(?:\\r?\\n{_ALPHABET}{{4,}})*={{0,2}}"
    f"|(?:=[0-9A-Fa-f]{{2}}){{{MIN_ESCAPES},}}"
)
_RUNS_BYTES: Any = re2.compile(_SOURCE.encode())
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_URL_SAFE = str.maketrans("-_", "+/", "\r\n")
_SPACES = str.maketrans("\t\n\r", "   ")


def decoded_runs(
    text: str, skip: Callable[[int, int], bool] | None = None
) -> Iterator[tuple[int, int, str]]:
    """Each encoded run of `text` that decodes to printable text: `(start, end, decoded)`, the
    decoded text in normal form; runs `skip(start, end)` says to leave are not decoded."""
    # One byte per character, offsets in bytes are offsets in characters: a run is ASCII, and a
    # character outside ASCII (written `?`) is, like `?`, never part of one.
    runs = match_spans(_RUNS_BYTES, text.encode("ascii", "replace"))
    for start, end in runs:
        if skip is not None and skip(start, end):
            continue
        run = text[start:end]
        if run[0] == "=":
            decoded = _unescape(run)
        elif _HEX.fullmatch(run):
            decoded = _text(bytes.fromhex(run))
        else:
            decoded = _base64(run)
        if decoded is not None:
            yield start, end, normalize(decoded).text


def _base64(run: str) -> str | None:
    body = run.translate(_URL_SAFE).rstrip("=")
    if len(body) % 4 == 1:  # no base64 ends there: not base64
        return None
    try:
        data = binascii.a2b_base64(body + "=" * (-len(body) % 4), strict_mode=True)
    except binascii.Error:
        return None
    return _text(data)


def _unescape(run: str) -> str | None:
    return _text(bytes.fromhex(run.replace("=", "")))


def _text(data: bytes) -> str | None:
    """`data` as text when it is UTF-8 and printable (whitespace aside), else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.translate(_SPACES).isprintable() and text.strip() else None


def encoded_findings(
    text: str, find: Callable[[str], list[Finding]], found: list[Finding]
) -> list[Finding]:
    """What `find` (a detector's own scan) finds in each decoded run of `text`, each kind once
    per run, spanning the whole run; runs overlapping a finding already `found` are skipped
    (they were read as written)."""
    out: list[Finding] = []
    starts = [f.start for f in found]  # detectors return their findings sorted by start
    reach = list(accumulate((f.end for f in found), max))  # furthest end of the first k

    def overlapped(start: int, end: int) -> bool:  # checked before the run is decoded
        k = bisect_left(starts, end)  # the findings that start before the run ends
        return k > 0 and reach[k - 1] > start

    for start, end, decoded in decoded_runs(text, overlapped if found else None):
        kinds: set[str] = set()
        for f in find(decoded):
            if f.type not in kinds:
                kinds.add(f.type)
                out.append(replace(f, start=start, end=end, detail=f"{f.detail} (encoded)"))
    return out
