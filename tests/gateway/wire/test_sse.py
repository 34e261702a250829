"""SSE lines from an upstream's bytes, however the bytes are cut into pieces."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from vallum.gateway.wire.sse import lines

pytestmark = pytest.mark.asyncio


async def _lines_of(pieces: list[bytes]) -> list[str]:
    async def source() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    return [line async for line in lines(source())]


@pytest.mark.parametrize(
    "pieces",
    [
        [b"a\r\nb\n\nc"],
        [b"a\r", b"\nb\n", b"\nc"],  # \r\n split across pieces is one line end
        [b"a", b"\r\n", b"b", b"\n\n", b"c"],
        [b"a\rb\n\rc"],  # a lone \r ends a line too
    ],
)
async def test_lines_however_the_bytes_are_cut(pieces: list[bytes]) -> None:
    """Lines end at CR LF, LF or a lone CR, even when a CR LF is split across pieces."""
    got = await _lines_of(pieces)
    assert ["a", "b", "", "c"] == got


async def test_lines_keep_multibyte_characters_and_unicode_separators() -> None:
    """UTF-8 split mid-character is rejoined; U+2028 is text, not a line end."""
    text = 'data: {"t": "é\u2028😀"}\n\n'.encode()
    pieces = [text[i : i + 1] for i in range(len(text))]  # one byte at a time
    assert ['data: {"t": "é\u2028😀"}', ""] == await _lines_of(pieces)
    assert ["x"] == await _lines_of([b"x\r"])  # a final lone \r ends the last line
