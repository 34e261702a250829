"""Where text holds markdown and HTML images and links, found in time linear in the text.

The exfiltration detector's patterns, matched so that no input makes them slow. With `re`, each
opener (`[`, `![`, `<a`) that is never closed scans to the end of its line or of the text before
failing, and the next opener scans the same text again: a megabyte line of `[a ![b <a c` costs
minutes. Here:

- markdown images, links and reference uses are matched by RE2 (linear time) on the text's
  UTF-8, with `\\s` spelled out as the characters Python's `\\s` matches, so the matches are
  those of the `re` patterns. A link must not follow `!` (an image): RE2 has no lookbehind, so
  the character before the `[` is matched too, and each search resumes on the last character
  of the previous link (a `)`, never a `!`), where `re` would have looked behind it.
- HTML tags with a `src`/`href` attribute: each tag opener is paired with the first attribute
  after it and before the next `>`, found by bisection among all attribute positions. `re`
  matches exactly that attribute (its lazy `[^>]*?` takes the first one), so every opener costs
  two bisections instead of a scan.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

import re2

# Python's `\s` on str: every character `str.isspace` accepts (RE2's `\s` is ASCII only).
_WS = r"\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
# `[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'][^"']*["'])?\s*\)`: a bracket's text and its URL.
_TARGET = rf"\[[^\]\n]*\]\([{_WS}]*<?([^){_WS}>]+)>?(?:[{_WS}]+[\"'][^\"']*[\"'])?[{_WS}]*\)"
_IMAGE: Any = re2.compile(("!" + _TARGET).encode())
_LINK: Any = re2.compile(f"(?:^|[^!])({_TARGET})".encode())  # group 1: the link, 2: its URL
_REF_USE: Any = re2.compile(rb"(!?)\[[^\]\n]*\]\[([^\]\n]*)\]")

_TAG = re.compile(r"<(img|image|source|video|audio|iframe|a|link)\b", re.I)
# Where an attribute `re` would take could start: its name after a non-word character, `=`,
# and one character of value (the value itself is read only for the tag that takes it).
_ATTRIBUTE_START = re.compile(r"(?<!\w)(?=(?:src|href|srcset|poster)\s*=\s*[\"']?[^\"'\s>])", re.I)
_ATTRIBUTE = re.compile(r"(src|href|srcset|poster)\s*=\s*[\"']?([^\"'\s>]+)", re.I)
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Ref:
    """An image or link: its URL, its span in the text, and whether it is fetched unclicked."""

    url: str
    start: int
    end: int
    image: bool


class _Chars:
    """Character offsets of byte offsets of one UTF-8 text, asked mostly in increasing order."""

    __slots__ = ("_byte", "_char", "_data", "_identity")

    def __init__(self, text: str, data: bytes):
        self._data = data
        self._identity = len(data) == len(text)  # ASCII: a byte is a character
        self._byte = self._char = 0

    def __call__(self, offset: int) -> int:
        if self._identity:
            return offset
        if offset < self._byte:
            self._byte = self._char = 0
        self._char += len(self._data[self._byte : offset].decode())
        self._byte = offset
        return self._char


def markdown_refs(text: str) -> list[Ref]:
    """Inline markdown images, then inline links (not images), in order, as `re` finds them."""
    data, chars = _utf8(text)
    refs = []
    for m in _IMAGE.finditer(data):
        # In increasing order, as `_Chars` is fastest asked.
        start, url_start, url_end, end = map(chars, (m.start(), *m.span(1), m.end()))
        refs.append(Ref(text[url_start:url_end], start, end, True))
    pos = 0
    while (m := _LINK.search(data, pos)) is not None:
        start, url_start, url_end, end = map(chars, (m.start(1), *m.span(2), m.end(1)))
        refs.append(Ref(text[url_start:url_end], start, end, False))
        pos = m.end(1) - 1  # the `)` that ends it: where the next link's preceding character may be
    return refs


def image_labels(text: str) -> set[str]:
    """The lower-cased labels of reference-style images (`![alt][label]`)."""
    data, _ = _utf8(text)
    return {
        m.group(2).decode(errors="surrogatepass").lower()
        for m in _REF_USE.finditer(data)
        if m.group(1) == b"!"
    }


def html_refs(text: str) -> list[Ref]:
    """HTML tags with a URL attribute (`<img src=...>`, `<a href=...>`), as `re` finds them."""
    if "<" not in text:
        return []
    starts = [m.start() for m in _ATTRIBUTE_START.finditer(text)]
    closes = [m.start() for m in re.finditer(">", text)]
    refs: list[Ref] = []
    done = 0  # where the last match ended: `re` resumes there
    for tag in _TAG.finditer(text):
        if tag.start() < done:
            continue
        i = bisect_left(starts, tag.end() + 1)
        if i == len(starts):
            break  # no attribute after this tag, nor after any later one
        j = bisect_left(closes, tag.end())
        if j < len(closes) and closes[j] < starts[i]:
            continue  # the tag closes before its first attribute
        attribute = _ATTRIBUTE.match(text, starts[i])
        assert attribute is not None  # _ATTRIBUTE_START said it starts there
        value = attribute.group(2)
        url = value.split(",")[0].split()[0] if value else ""
        refs.append(Ref(url, tag.start(), attribute.end(), tag.group(1).lower() not in ("a",)))
        done = attribute.end()
    return refs


def _utf8(text: str) -> tuple[bytes, _Chars]:
    """The text as RE2 reads it, and how to turn its byte offsets into the text's characters.

    A lone surrogate (no UTF-8 for it) stands in as U+FFFD, one character for one: no pattern
    here treats either specially, and URLs are cut from the text itself."""
    try:
        data = text.encode()
    except UnicodeEncodeError:
        data = _SURROGATE.sub("\ufffd", text).encode()
    return data, _Chars(text, data)
