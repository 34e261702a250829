"""Request bodies: lone surrogates are refused however they are smuggled in, and the cheap
pre-check that lets ordinary bodies skip the full check never misses one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vallum.gateway.wire.json import may_hold_surrogates

SURROGATE_BODIES = [
    b'{"text": "x", "model": "\\ud9dc"}',  # an escape
    b'{"text": "x", "model": "\\uDC00"}',
    '{"text": "x", "model": "\ud800"}'.encode("utf-8", "surrogatepass"),  # raw UTF-8 bytes
    '{"text": "x", "model": "\ud800"}'.encode("utf-16", "surrogatepass"),
    '{"text": "x", "model": "\ud800"}'.encode("utf-32-le", "surrogatepass"),
]


def _has_surrogate(value: Any) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in json.dumps(value, ensure_ascii=False))


@pytest.mark.asyncio
@pytest.mark.parametrize("body", SURROGATE_BODIES)
async def test_lone_surrogates_are_400_however_encoded(serve: Any, body: bytes) -> None:
    """Escaped, raw UTF-8 (decoded with surrogatepass) or in UTF-16/32: all refused, recorded."""
    s = await serve()
    r = await s.client.post("/v1/guard/input", content=body, headers=s.headers())
    assert (400, 1) == (r.status_code, len(s.requests()))


@pytest.mark.asyncio
async def test_ordinary_unicode_bodies_are_accepted(serve: Any) -> None:
    """Non-ASCII text without surrogates (Hangul starts with byte 0xED too) is accepted."""
    s = await serve()
    body = json.dumps({"text": "주문 상태는? ¿Dónde está mi pedido? 😀"}, ensure_ascii=False)
    r = await s.client.post("/v1/guard/input", content=body.encode(), headers=s.headers())
    assert 200 == r.status_code


@pytest.mark.asyncio
@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
async def test_non_json_numbers_are_400(serve: Any, token: str) -> None:
    """Python's json accepts NaN and Infinity; JSON does not, and neither does the gateway."""
    s = await serve()
    body = f'{{"text": "x", "metadata": {{"score": {token}}}}}'.encode()
    r = await s.client.post("/v1/guard/input", content=body, headers=s.headers())
    assert 400 == r.status_code
    assert f"{token} is not a JSON number" in r.text
    assert 1 == len(s.requests())


ANY_CHAR = st.characters(blacklist_categories=())
SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


@given(text=st.text(ANY_CHAR), lone=st.one_of(st.just(""), SURROGATE), ascii_only=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32", "utf-32-be"]))  # fmt: skip
def test_the_pre_check_never_misses_a_surrogate(
    text: str, lone: str, ascii_only: bool, encoding: str
) -> None:
    """Whenever decoding a body yields a lone surrogate, `may_hold_surrogates` said it might."""
    body = {"text": text + lone + text}
    raw = json.dumps(body, ensure_ascii=ascii_only).encode(encoding, "surrogatepass")
    if _has_surrogate(json.loads(raw)):
        assert may_hold_surrogates(raw)
