"""Matching that survives rewriting: each way an attacker writes a value so its exact token never
appears still matches the value, and hard negatives do not."""

from __future__ import annotations

import pytest

from vallum.sessions.canonical_forms import fold, is_plain
from vallum.sessions.fingerprint import Kind, fingerprints
from vallum.sessions.store import USER, match_taint

IBAN = "DE89370400440532013000"


def _labels(text: str, value: str, kind: Kind = Kind.TEXT) -> frozenset[str]:
    label = USER if kind is Kind.USER else "untrusted"
    found = match_taint({"v": value}, dict.fromkeys(fingerprints(text, kind), label))
    return found.get("v", frozenset())


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("pay DE89 3704 0044 0532 0130 00 today", IBAN),  # grouped by four
        ("pay DE 89 37 04 00 44 05 32 01 30 00 today", IBAN),  # grouped by two
        ("pay DE89-3704-0044-0532-0130-00", IBAN),  # hyphens
        ("pay DE89\u200b370400440532013000", IBAN),  # zero-width space inside
        ("pay DE89\u2060370400440532013000", IBAN),  # word joiner inside
        ("pay ＤＥ８９370400440532013000", IBAN),  # full-width
        ("write to mark at evil dot com", "mark@evil.com"),  # spelled
        ("write to mark (at) evil (dot) com", "mark@evil.com"),
        ("write to mark + at-sign + evil.com", "mark@evil.com"),
        ("write to mаrk@еvil.com", "mark@evil.com"),  # Cyrillic а and е
        ("see evil . com/collect", "https://www.evil.com/collect"),  # spaced dots, no scheme
        ("see www.evil.com/collect", "evil.com/collect"),
        ("open file forty-two", "42"),  # a number in words
        ("open file twenty two", "22"),
        ("call +1 (555) 010-2030", "+15550102030"),  # a phone number formatted
    ],
)
def test_rewritten_value_matches_untrusted_text(text: str, value: str) -> None:
    """A value written in untrusted text in another form carries that text's labels."""
    assert frozenset({"untrusted"}) == _labels(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("pay DE89 3704 0044 0532 0130 99 today", IBAN),  # another account
        ("write to mark at evil dot org", "mark@evil.com"),
        ("see good.com/collect", "evil.com/collect"),
        ("pay 3704 0044", IBAN),  # only part of it
    ],
)
def test_other_values_do_not_match(text: str, value: str) -> None:
    """Hard negatives: a different value, or only a part of one, carries no label."""
    assert frozenset() == _labels(text, value)


def test_user_named_value_matches_when_the_agent_reformats_it() -> None:
    """The user writes an IBAN in groups; the agent sends it whole: it is the user's."""
    assert frozenset({USER}) == _labels(
        f"send 10 to {IBAN[:4]} {IBAN[4:8]} {IBAN[8:]}", IBAN, Kind.USER
    )


@pytest.mark.parametrize("value", ["mаrk@evil.com", "mark\u200b@evil.com", "ｍark@evil.com"])
def test_lookalike_value_never_inherits_the_users_standing(value: str) -> None:
    """A look-alike of a user-named address is another address: tainted like it, never `user`."""
    assert USER not in _labels("mail mark@evil.com", value, Kind.USER)
    assert not is_plain(value)


def test_fold_removes_invisible_and_folds_lookalikes() -> None:
    """NFKC, format characters out, case and look-alikes folded to ASCII."""
    assert "paypal" == fold("Р\u200bаураl")
    assert is_plain("Plain ASCII") and is_plain("José")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("set the amount to 2,500.00 now", "2500.0"),  # thousands separator, decimals
        ("set the amount to 2500 now", "2500.0"),
        ("pay two thousand five hundred euros", "2500"),  # in words
        ("pay one hundred euros", "100.0"),
        ("pay eleven hundred euros", "1100"),
        ("pay 2 thousand", "2000"),
        ("the bill is 98.70", "98.7"),  # trailing zero
        ("a fee of two million three hundred thousand", "2300000"),
    ],
)
def test_amount_written_otherwise_matches(text: str, value: str) -> None:
    """An amount written in untrusted text with separators, decimals or words is that amount."""
    assert frozenset({"untrusted"}) == _labels(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("pick 1,2,3 then", "123"),  # a list, not a thousands separator
        ("pay 2,50 now", "250"),
        ("pay two thousand five hundred euros", "2000"),  # part of a larger number
        ("pay 25 00", "2500"),
        ("the bill is 98.07", "98.7"),
    ],
)
def test_other_amounts_do_not_match(text: str, value: str) -> None:
    """Hard negatives: numbers that only look alike carry no label."""
    assert frozenset() == _labels(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call 020 7946 0000 today", "+44 20 7946 0000"),  # national form with trunk prefix
        ("call 0044 20 7946 0000 today", "+442079460000"),  # 00 in place of +
        ("call +44 (0)20 7946-0000", "+442079460000"),
        ("call 020 7946 0000 today", "0044 20 7946 0000"),
        ("ring (555) 010-2030", "+1 555 010 2030"),
    ],
)
def test_phone_number_in_another_form_matches(text: str, value: str) -> None:
    """An international number matches its national, `00` and formatted forms (phonenumbers)."""
    assert frozenset({"untrusted"}) == _labels(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call 020 7946 0001 today", "+44 20 7946 0000"),  # another number
        ("call 030 7946 0000 today", "+44 20 7946 0000"),  # another area
        ("call 7946 0000", "+44 20 7946 0000"),  # only part of it
    ],
)
def test_other_phone_numbers_do_not_match(text: str, value: str) -> None:
    assert frozenset() == _labels(text, value)
