"""Fingerprints are stored (SQL, Redis) and compared across processes and versions: their values
are a format, pinned here against hashlib directly."""

from __future__ import annotations

import hashlib
from itertools import pairwise

from vallum.sessions.fingerprint import Kind, fingerprints, tokens, value_fingerprints


def _expected(piece: str, salt: str) -> int:
    digest = hashlib.blake2b((salt + piece).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def test_text_fingerprints_are_unsalted_tokens_and_pairs_and_salted_squashed_runs() -> None:
    """Tokens and pairs unsalted; separator-free runs of 6 to 64 characters salted apart."""
    text = "Send it to X@Evil.example, please"
    toks = ["send", "it", "to", "x@evil.example", "please"]
    assert toks == tokens(text)
    pairs = [f"{a} {b}" for a, b in pairwise(toks)]
    # runs of 6+ characters: any two neighbours; longer runs only through short (<= 4) parts
    runs = {"sendit", "senditto", "toxevilexample", "xevilexample", "xevilexampleplease", "please"}
    squashed = {_expected(r, "squash-text\x00") for r in runs}
    assert {_expected(p, "") for p in toks + pairs} | squashed == fingerprints(text)


def test_each_kind_is_salted_apart() -> None:
    assert {_expected("iban1", "user\x00")} == fingerprints("IBAN1", Kind.USER)
    assert {_expected("iban1", "record\x00")} == fingerprints("IBAN1", Kind.RECORD)
    assert fingerprints("iban1", Kind.USER).isdisjoint(fingerprints("iban1", Kind.TEXT))


def test_value_fingerprints_keep_repeated_pairs() -> None:
    """A value's pairs are counted with repeats (the match ratio is over all of them)."""
    hashes, single = value_fingerprints("a b a b")
    assert not single
    assert [_expected(p, "") for p in ("a b", "b a", "a b")] == hashes
    assert ([_expected("a", "user\x00")], True) == value_fingerprints("A", Kind.USER)
    assert ([], False) == value_fingerprints("two tokens", Kind.RECORD)


def test_runs_continue_only_through_chunks_or_spelled_separators() -> None:
    """A split value (chunks, or words glued by `at`/`dot`) gives its whole run; prose gives only
    neighbouring pairs (it spells no value)."""
    squashed = {_expected(r, "squash-text\x00") for r in ("de89370400440532013000", "markevilcom")}
    assert squashed <= fingerprints("pay DE89 3704 0044 0532 0130 00 to mark at evil dot com")
    prose = fingerprints("please invoice customer account")
    assert _expected("pleaseinvoice", "squash-text\x00") in prose
    assert _expected("pleaseinvoicecustomer", "squash-text\x00") not in prose
