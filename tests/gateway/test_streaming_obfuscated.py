"""Streams redact obfuscated values that cross chunk boundaries (issue 12, finding 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import stream_finish, streamed_text
from .test_streaming import FILLER, ROUTES, _sse_in_pieces, body_for

pytestmark = pytest.mark.asyncio

SH = "\u00ad"
CARD = "4111 1111 1111 1111"
# Longer than the 24-character window once padded: a soft hyphen after every digit.
PADDED_CARD = SH.join(CARD)
ARABIC_CARD = CARD.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
FULLWIDTH_EMAIL = "ｊａｎｅ．ｄｏｅ" + SH + "@gmail" + SH + ".com"


@pytest.mark.parametrize("size", [1, 3, 7])
@pytest.mark.parametrize("value", [PADDED_CARD, ARABIC_CARD, FULLWIDTH_EMAIL])
@pytest.mark.parametrize("route", ["openai", "anthropic"])
async def test_an_obfuscated_value_streamed_in_pieces_is_redacted_whole(
    serve: Any, small_window_bundle: Path, route: str, value: str, size: int
) -> None:
    """A card number padded with soft hyphens (longer than the hold-back window), in
    Arabic-Indic digits, or an address in full-width letters, streamed a few characters at a
    time, reaches the client as one redaction marker: no digit or piece of it leaves."""
    answer = "Sure. " + FILLER + "Pay with " + value + " today. " + FILLER
    s = await serve(bundle=small_window_bundle, transport=_sse_in_pieces(answer, size))
    r = await s.client.post(
        ROUTES[route][0], json=body_for(route, "Show me the card", False), headers=s.headers()
    )
    delivered = streamed_text(route, r.text)
    kind = "pii.email" if "@" in value else "pii.payment_card"
    expected = "Sure. " + FILLER + f"Pay with [REDACTED:{kind}] today. " + FILLER
    assert expected.strip() == delivered.strip()


@pytest.mark.parametrize("route", ["openai", "anthropic"])
async def test_left_context_padded_with_invisible_characters_still_reaches_the_window(
    serve: Any, small_window_bundle: Path, route: str
) -> None:
    """A key's name pushed out of the window's left context by invisible padding is still read
    with its value: the window reaches back over visible characters, so the key never leaves."""
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    answer = "Sure. " + FILLER + "aws_secret_access_key" + SH * 60 + " = " + secret + " " + FILLER
    s = await serve(bundle=small_window_bundle, transport=_sse_in_pieces(answer, 5))
    r = await s.client.post(
        ROUTES[route][0], json=body_for(route, "Show me the config", False), headers=s.headers()
    )
    delivered = streamed_text(route, r.text)
    assert secret[:8] not in delivered
    assert ("content_filter" if route == "openai" else "refusal") == stream_finish(route, r.text)


BASE64_CARD = "NDExMSAxMTExIDExMTEgMTExMQ=="  # base64 of CARD
SPELLED_EMAIL = "jane [at] gmail [dot] com"


@pytest.mark.parametrize("size", [1, 3, 7])
@pytest.mark.parametrize(
    ("value", "kind"), [(BASE64_CARD, "pii.payment_card"), (SPELLED_EMAIL, "pii.email")]
)
@pytest.mark.parametrize("route", ["openai", "anthropic"])
async def test_an_encoded_or_spelled_value_streamed_in_pieces_is_redacted_whole(
    serve: Any, small_window_bundle: Path, route: str, value: str, kind: str, size: int
) -> None:
    """A base64-encoded card or a spelled-out address, streamed a few characters at a time,
    reaches the client as one redaction marker: no piece of the run leaves."""
    answer = "Sure. " + FILLER + "Use " + value + " today. " + FILLER
    s = await serve(bundle=small_window_bundle, transport=_sse_in_pieces(answer, size))
    r = await s.client.post(
        ROUTES[route][0], json=body_for(route, "Show me the card", False), headers=s.headers()
    )
    delivered = streamed_text(route, r.text)
    expected = "Sure. " + FILLER + f"Use [REDACTED:{kind}] today. " + FILLER
    assert expected.strip() == delivered.strip()
