"""Fingerprints are stored (SQL, Redis) and compared across processes and versions: their values
are a format, pinned here against hashlib directly."""

from __future__ import annotations

import hashlib
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from vallum.sessions.canonical_forms import squash
from vallum.sessions.fingerprint import (
    MAX_FINGERPRINTS,
    MAX_SQUASH_CHARS,
    MIN_SQUASH_CHARS,
    SQUASH_WINDOW,
    Kind,
    _Smallest,
    fingerprints,
    forms,
    squash_fingerprints,
    tokens,
    value_fingerprints,
)


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


# A naive reference for what the fast paths compute (issue 20: each distinct piece canonicalised
# and hashed once, a value's hashes of every kind in one loop): every token put in canonical form
# on its own, every run grown one part at a time, every piece hashed from salt + piece.
_WORDS = [
    "a",
    "b",
    "at",
    "dot",
    "-",
    ".",
    "@",
    "7",
    "13",
    "2,500.00",
    "98.70",
    "twenty",
    "two",
    "thousand",
    "five",
    "hundred",
    "forty-two",
    "million",
    "DE89",
    "3704",
    "0044",
    "0532",
    "x@Evil.example",
    "https://www.evil.example/p?q=1",
    "ＡＢＣ",
    "раypal",
    "e\u200bvil",
    "+44",
    "20",
    "7946",
    "0000",
    "0044",
    "the",
    "invoice",
    "(x)",
    "[y]",
    "'z'",
    "longerwordthanfour",
    "abcdefghijklmnopqrstuvwxyz0123",
]


def _naive_runs(toks: list[str]) -> set[str]:
    parts = [(squash(t), t) for t in toks]
    out: set[str] = set()
    glue: list[bool] = []
    kept: list[str] = []
    separated = False
    for part, _ in parts:
        if not part:
            separated = True
            continue
        kept.append(part)
        glue.append(separated)
        separated = False
    chunky = [len(p) <= 4 or not p.isalpha() for p in kept]
    for i in range(len(kept)):
        run = kept[i]
        if len(run) >= MIN_SQUASH_CHARS:
            out.add(run)
        for j in range(i + 1, min(i + SQUASH_WINDOW, len(kept))):
            if j > i + 1 and not (glue[j] or (chunky[j - 1] and chunky[j])):
                break
            run += kept[j]
            if len(run) > MAX_SQUASH_CHARS:
                break
            if len(run) >= MIN_SQUASH_CHARS:
                out.add(run)
    return out


def _naive(text: str, kind: Kind) -> set[int]:
    toks = tokens(text)
    salt = "" if kind is Kind.TEXT else f"{kind.value}\x00"
    pieces = toks + [f"{a} {b}" for a, b in pairwise(toks)]
    return {_expected(p, salt) for p in pieces} | {
        _expected(r, f"squash-{kind.value}\x00") for r in _naive_runs(toks)
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=60), st.sampled_from([" ", "  ", "\n", ", "]))
def test_fast_paths_compute_what_the_naive_definition_does(words: list[str], sep: str) -> None:
    """Repeats (text repeats its words: each distinct piece is hashed once), spelled numbers,
    chunks, look-alikes and links: the same hashes as hashing every piece on its own."""
    text = sep.join(words + words[: len(words) // 2])  # a repeated stretch
    for kind in (Kind.TEXT, Kind.USER, Kind.TRUSTED):
        assert _naive(text, kind) == fingerprints(text, kind)
    toks = tokens(text)
    for kind in Kind:
        salt = "" if kind is Kind.TEXT else f"{kind.value}\x00"
        single = len(toks) == 1
        pieces = toks if single else [f"{a} {b}" for a, b in pairwise(toks)]
        want = [] if kind is Kind.RECORD and not single else [_expected(p, salt) for p in pieces]
        assert (want, single) == value_fingerprints(text, kind)
        runs = forms(text).squashed
        assert [_expected(r, f"squash-{kind.value}\x00") for r in runs] == squash_fingerprints(
            text, kind
        )


def test_a_long_text_keeps_the_smallest_hashes_of_all_its_pieces() -> None:
    """Past MAX_FINGERPRINTS hashes, a text keeps the smallest of all of them (taken a batch at
    a time, in bounded memory): the same set as hashing every piece and sorting them all."""
    text = " ".join(
        f"acct {i} at host{i} dot example 4111 {i * 7919 % 10_000:04d}" for i in range(4000)
    )
    whole = _naive(text, Kind.TEXT)
    assert len(whole) > 3 * MAX_FINGERPRINTS  # several batches and prunes
    assert set(sorted(whole)[:MAX_FINGERPRINTS]) == fingerprints(text)


def test_the_smallest_are_exact_whatever_the_values() -> None:
    """The selection estimates where the smallest uniform hashes lie; values that are not
    uniform (all near the top of the range, or clustered) still give exactly the smallest."""
    for values in ([2**62 + i for i in range(500)], [-(2**63) + 7 * i for i in range(500)]):
        kept = _Smallest(20)
        for start in range(0, len(values), 30):
            kept.add(values[start : start + 30][::-1])
        assert set(sorted(values)[:20]) == kept.values()
