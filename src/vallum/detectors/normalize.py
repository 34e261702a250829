"""The form content detectors read: NFKC, invisible format characters out, every digit ASCII.

An attacker hides a value from a pattern without hiding it from a reader: a soft hyphen or a
zero-width space inside a key (`AKIA\u00adIOSF…`), a card number in full-width or Arabic-Indic
digits (`４１１１…`, `٤١١١…`), an address in full-width letters. So the engine hands content
detectors (pii, secrets, injection, prompt_leak, and plug-ins unless they opt out) the text as
a reader takes it in:

- NFKC, per cluster of a character and the combining marks that follow it (full-width and
  mathematical forms become plain ones; a base and its marks compose);
- format characters (Unicode category Cf: U+00AD soft hyphen, U+200B-U+200D, U+2060, U+FEFF,
  bidi controls, tag characters...) removed;
- every decimal digit (category Nd: Arabic-Indic, Devanagari, Bengali, Thai...) written as its
  ASCII digit;
- percent-escapes decoded (`4111%201111`, `%34%31%31%31`: how a value travels in a URL or a
  form), when they spell UTF-8.

Findings come back in the coordinates of the text that is delivered: `Normalized.restore` maps
each span to the original characters it was read from, so a redaction cuts the whole obfuscated
value, invisible characters inside it included. Detectors that read structure as a renderer
does (exfiltration, invisible_text, output_schema) see the original text, which is what the
browser and the client parse.

Cost is linear: ASCII text without `%` (the common case) is its own normal form and costs one
`isascii` and one `in`; other text already in normal form (prose in other scripts) is
recognised by checks on the whole text and each distinct character (`_stable`). Otherwise runs
of ASCII are copied as they are, and so is each other run already in normal form; a short run
is put in normal form cluster by cluster; a long one, where its odd characters each read as one
character (full-width punctuation in CJK prose), by one `replace` per kind of character, else
only the clusters holding an odd character are rewritten and the rest copied. Each distinct
cluster is normalised once per call (a cache). The map back is a list of segments (a run copied
as it is, or a cluster rewritten), searched by bisection for each finding.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import replace

from vallum.model import Finding

# A run of characters outside ASCII, or of percent-escapes: between runs, the text is copied as
# it is.
_RUNS = re.compile(r"[^\x00-\x7f]+|(?:%[0-9A-Fa-f]{2})+")
# What a run printable and in NFKC may still hold that detectors must not see: a digit (`\d` is
# every Unicode decimal digit in `re`), or an invisible character outside category Cf (the
# combining grapheme joiner, Hangul fillers, variation selectors, Mongolian selectors).
_DIGIT_OR_IGNORABLE = re.compile(
    "[\\d\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)
_IGNORABLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u3164\uffa0")


def invisible(ch: str) -> bool:
    """A format character (Cf) or another character Unicode says to ignore when not shown."""
    return (
        unicodedata.category(ch) == "Cf"
        or ch in _IGNORABLE
        or "\ufe00" <= ch <= "\ufe0f"
        or "\U000e0100" <= ch <= "\U000e01ef"
    )


def _form(cluster: str) -> str:
    """What a cluster (a character and the combining marks after it) reads as."""
    text = unicodedata.normalize("NFKC", cluster)
    if text.isascii():
        return text
    out = []
    for ch in text:
        if invisible(ch):
            continue
        digit = unicodedata.decimal(ch, None)
        out.append(ch if digit is None else chr(48 + digit))
    return "".join(out)


def _unescape(run: str) -> str | None:
    """A run of percent-escapes as the text it encodes (UTF-8), in normal form; None when the
    bytes are not UTF-8 (left as written)."""
    try:
        text = bytes.fromhex(run.replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "".join(_form(ch) for ch in text) if not text.isascii() else text


class Normalized:
    """A text in the form detectors read, and the map back to the original's offsets.

    >>> n = normalize("card ４１１１\u200b1111")
    >>> n.text
    'card 41111111'
    >>> n.span(5, 13)
    (5, 14)
    """

    __slots__ = ("_identity", "_norm", "_orig", "_orig_end", "original", "text")

    def __init__(self, original: str):
        self.original = original
        # Segments, in order: each starts at _norm[k] in the normal form and _orig[k] in the
        # original; a segment copied as it is has _orig_end[k] == -1 (offsets move together),
        # a rewritten cluster maps every character it produced to [_orig[k], _orig_end[k]).
        self._norm: list[int] = []
        self._orig: list[int] = []
        self._orig_end: list[int] = []
        self._identity = (original.isascii() and "%" not in original) or _stable(original)
        self.text = original if self._identity else self._build(original)

    @property
    def changed(self) -> bool:
        """Whether the normal form differs from the original (offsets then need mapping)."""
        return not self._identity

    def _build(self, original: str) -> str:
        out: list[str] = []
        size = 0  # length of the normal form so far
        forms: dict[str, str] = {}  # cluster -> form, for this text only
        copied_from = 0  # original offset where the pending copied run starts
        odd: set[str] | None = None  # characters outside ASCII not their own form alone

        def copy(upto: int) -> None:
            nonlocal size
            if upto > copied_from:
                self._add(size, copied_from, -1)
                out.append(original[copied_from:upto])
                size += upto - copied_from

        for match in _RUNS.finditer(original):
            i, end = match.span()
            if original[i] == "%":
                decoded = _unescape(match.group())
                if decoded is not None:
                    copy(i)
                    self._add(size, i, end)
                    out.append(decoded)
                    size += len(decoded)
                    copied_from = end
                continue
            # A combining mark right after an ASCII letter belongs to its cluster.
            if i > copied_from and unicodedata.combining(original[i]):
                i -= 1
            run = original[i:end]
            if _settled(run):
                continue  # copied with the ASCII around it
            copy(i)
            copied_from = end
            if end - i <= _SHORT_RUN:  # a word or a value: cluster by cluster costs no more
                size = self._clusters(original, i, end, out, size, forms)
                continue
            if odd is None:  # worked out once, for the first long run
                odd = {ch for ch in set(original) if not ch.isascii() and not _alone(ch)}
            swapped = _swapped(run, forms, odd)
            if swapped is not None:  # one character for one: offsets are kept
                size = self._copied(original, i, end, out, size, swapped)
            else:
                size = self._odd_clusters(original, i, end, out, size, forms, odd)
        copy(len(original))
        return "".join(out)

    def _odd_clusters(
        self,
        original: str,
        i: int,
        end: int,
        out: list[str],
        size: int,
        forms: dict[str, str],
        odd: set[str],
    ) -> int:
        """`original[i:end]` (whole clusters) in normal form: each cluster holding a character
        of `odd` (those not their own form alone, a combining mark among them) put in normal
        form, the characters between copied (each is a cluster of its own and its own form);
        returns the normal form's new length. A run of CJK prose with a full-width `？` in it
        costs a step per `？`, not per character."""
        found = odd.intersection(original[i:end])
        cursor = i
        for at in sorted(at for ch in found for at in _positions(original, ch, i, end)):
            if at < cursor:
                continue  # in the cluster just put in normal form
            start, stop = at, at + 1  # the cluster of `at`: its base, then its marks
            while start > cursor and unicodedata.combining(original[start]):
                start -= 1
            while stop < end and unicodedata.combining(original[stop]):
                stop += 1
            if start > cursor:
                size = self._copied(original, cursor, start, out, size)
            size = self._clusters(original, start, stop, out, size, forms)
            cursor = stop
        if cursor < end:
            size = self._copied(original, cursor, end, out, size)
        return size

    def _clusters(
        self, original: str, i: int, end: int, out: list[str], size: int, forms: dict[str, str]
    ) -> int:
        """`original[i:end]` (whole clusters) put in normal form a cluster at a time; returns
        the normal form's new length."""
        while i < end:
            j = i + 1
            while j < end and unicodedata.combining(original[j]):
                j += 1
            cluster = original[i:j]
            form = forms.get(cluster)
            if form is None:
                form = forms[cluster] = _form(cluster)
            if form != cluster:
                self._add(size, i, j)
                out.append(form)
                size += len(form)
            else:
                size = self._copied(original, i, j, out, size)
            i = j
        return size

    def _copied(
        self, original: str, i: int, j: int, out: list[str], size: int, text: str | None = None
    ) -> int:
        """`original[i:j]` copied as it is, or as `text` (as long, read character for
        character), extending the copied segment just before it, if any; returns the normal
        form's new length."""
        if not self._norm or self._orig_end[-1] != -1 or self._end_of_last(size) != i:
            self._add(size, i, -1)
        out.append(original[i:j] if text is None else text)
        return size + j - i

    def _add(self, norm: int, orig: int, orig_end: int) -> None:
        self._norm.append(norm)
        self._orig.append(orig)
        self._orig_end.append(orig_end)

    def _end_of_last(self, size: int) -> int:
        """Original offset just after the last (copied) segment, given the form's `size`."""
        return self._orig[-1] + size - self._norm[-1]

    def position(self, index: int) -> tuple[int, int]:
        """The original span the normal form's character at `index` was read from."""
        if self._identity:
            return index, index + 1
        k = bisect_right(self._norm, index) - 1
        if self._orig_end[k] == -1:
            at = self._orig[k] + index - self._norm[k]
            return at, at + 1
        return self._orig[k], self._orig_end[k]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normal form's `[start, end)`; empty spans stay as they are
        (a finding about the whole text)."""
        if self._identity or end <= start:
            return start, end
        return self.position(start)[0], self.position(end - 1)[1]

    def restore(self, findings: Iterable[Finding]) -> list[Finding]:
        """`findings` made on the normal form, with spans in the original's coordinates."""
        if self._identity:
            return list(findings)
        out = []
        for f in findings:
            if not f.has_span:
                out.append(f)
                continue
            start, end = self.span(f.start, min(f.end, len(self.text)))
            out.append(replace(f, start=start, end=end))
        return out


_PERCENT = re.compile("%[0-9A-Fa-f]{2}")
_SHORT_RUN = 24  # characters: a run this short is put in normal form cluster by cluster


def _settled(run: str) -> bool:
    """Whether a piece of text outside ASCII (whole clusters) is in normal form as it is: no
    format character (Cf) nor odd space, no digit or ignorable, and NFKC."""
    return (
        run.isprintable()
        and _DIGIT_OR_IGNORABLE.search(run) is None
        and unicodedata.is_normalized("NFKC", run)
    )


def _alone(ch: str) -> bool:
    """Whether a character is its own normal form as a cluster of its own (no combining mark)."""
    return _settled(ch) and not unicodedata.combining(ch)


def _swapped(run: str, forms: dict[str, str], odd: set[str]) -> str | None:
    """`run` (outside ASCII) in normal form when that only swaps single characters for single
    characters (full-width punctuation and digits in CJK prose, `，` for `,`): every character
    of it that is not `_alone` (those of `odd`) is no combining mark and reads as one character,
    so each cluster is one character and its form is that character's. None otherwise."""
    swaps: list[tuple[str, str]] = []
    for ch in odd.intersection(run):  # `odd`: the text's characters that are not `_alone`
        if unicodedata.combining(ch):
            return None
        form = forms.get(ch)
        if form is None:
            form = forms[ch] = _form(ch)
        if len(form) != 1:
            return None
        swaps.append((ch, form))
    if {ch for ch, form in swaps if ch != form} & {form for _, form in swaps}:
        return None  # a form that is itself swapped: replacing one after another would chain
    for ch, form in swaps:  # `replace` per kind of character: no dict look-up per character
        run = run.replace(ch, form)
    return run


def _positions(text: str, ch: str, start: int, end: int) -> list[int]:
    """Where `ch` is in `text[start:end]`."""
    found = []
    at = text.find(ch, start, end)
    while at != -1:
        found.append(at)
        at = text.find(ch, at + 1, end)
    return found


def _stable(original: str) -> bool:
    """Whether `original` is its own normal form, by checks on the whole text rather than a
    Python step per run or cluster (prose in another script, the common case outside ASCII):
    no percent-escape, NFKC as a whole (so each cluster is: a cluster's marks compose only with
    its base, and two bases that would compose make the whole text not NFKC), and no character
    outside ASCII that is unprintable (format characters, other spaces), a digit or ignorable.
    False says nothing: `_build` then works it out."""
    return (
        _PERCENT.search(original) is None
        and unicodedata.is_normalized("NFKC", original)
        and all(
            ch.isascii() or (ch.isprintable() and _DIGIT_OR_IGNORABLE.match(ch) is None)
            for ch in set(original)
        )
    )


def normalize(text: str) -> Normalized:
    """`text` in the form content detectors read, with its map back (see the module docstring)."""
    return Normalized(text)
