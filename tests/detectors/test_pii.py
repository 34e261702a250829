"""PII detector: built-in data classes with checksums, and bundle-defined data classes."""

from __future__ import annotations

from itertools import pairwise

import pytest

from vallum.detectors.base import CustomDataClass, DetectorSetup
from vallum.detectors.checksums import iban_valid, luhn_valid, us_ssn_valid
from vallum.detectors.pii import BUILTIN_DATA_CLASSES, PiiDetector
from vallum.exceptions import DetectorError
from vallum.model import Stage


def types(text: str, setup: DetectorSetup | None = None) -> list[str]:
    return [f.type for f in PiiDetector(setup=setup).detect(text, Stage.INPUT)]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("write to jane.doe+tag@example.co.uk today", ["pii.email"]),
        ("card 4111 1111 1111 1111 exp 12/27", ["pii.payment_card"]),
        ("card 5500-0000-0000-0004", ["pii.payment_card"]),
        ("amex 378282246310005", ["pii.payment_card"]),
        ("IBAN DE89 3704 0044 0532 0130 00", ["pii.iban"]),
        ("pay to GB82WEST12345698765432", ["pii.iban"]),
        ("SSN 123-45-6789", ["pii.us_ssn"]),
        ("server at 10.0.0.12 is down", ["pii.ip_address"]),
        ("ping 1.2.3.4", ["pii.ip_address"]),
        ("client fe80::1ff:fe23:4567:890a connected", ["pii.ip_address"]),
        ("address 2001:db8::8a2e:370:7334", ["pii.ip_address"]),
        ("call +1 415 555 0100", ["pii.phone"]),
        ("call (415) 555-0100 now", ["pii.phone"]),
        ("tel +44 20 7946 0958", ["pii.phone"]),
        ("mail a@b.io, card 4111111111111111", ["pii.email", "pii.payment_card"]),
        # separators an attacker (or a form) writes between the groups
        ("card 4111\t1111\t1111\t1111 ok", ["pii.payment_card"]),
        ("card 4111 - 1111 - 1111 - 1111 ok", ["pii.payment_card"]),
        ("card 4111  1111  1111  1111 ok", ["pii.payment_card"]),
        ("card 4111.1111.1111.1111 ok", ["pii.payment_card"]),
    ],
)
def test_positives(payload: str, expected: list[str]) -> None:
    """Each built-in data class is found in ordinary text."""
    assert expected == types(payload)


@pytest.mark.parametrize(
    "payload",
    [
        "card 4111 1111 1111 1112",  # Luhn-invalid
        "order number 123456789012",
        "card 4111 1111-1111 1111",  # mixed separators
        "prices 4111.11 1111.11 1111.11 1111",
        "version 4.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1",
        "oid 1.3.6.1.4.1.311.21.20.1234.5678",
        "tracking 1Z999AA10123456784",
        "IBAN DE89 3704 0044 0532 0130 01",  # bad mod 97
        "SSN 666-45-6789",
        "SSN 000-12-3456",
        "id 123-00-4567",
        "Windows version 10.0.19041.1",
        "release v1.2.3.4 is out",
        "octets 256.1.1.1",
        "meeting on 2024-01-15 at 10:30",
        "time 12:30:45",
        "use std::vector<int>",
        "the ratio is 3.14159",
        "user@localhost is not routable",
        "page 12 of 2024",
    ],
)
def test_hard_negatives(payload: str) -> None:
    """Look-alikes that fail a checksum or context rule are not reported."""
    assert [] == types(payload)


def test_span_covers_value() -> None:
    """The finding's span covers exactly the value, so the engine can redact it."""
    text = "contact: bob@example.com."
    [finding] = PiiDetector().detect(text, Stage.OUTPUT)
    assert "bob@example.com" == text[finding.start : finding.end]
    assert ("pii", "pii.email") == finding.labels


def test_only_enabled_classes() -> None:
    """With `data_classes` set, only those built-ins are active."""
    setup = DetectorSetup(data_classes=frozenset({"email"}))
    assert ["pii.email"] == types("a@example.com 4111111111111111", setup)


def test_empty_selection_enables_all() -> None:
    """An empty `data_classes` set means every built-in class."""
    assert set(BUILTIN_DATA_CLASSES) == set(PiiDetector()._active)


def test_unknown_class_is_an_error() -> None:
    """A typo in `data_classes` fails at load time, naming the class."""
    with pytest.raises(DetectorError, match="emial"):
        PiiDetector(setup=DetectorSetup(data_classes=frozenset({"emial"})))


def test_internal_email_domain_detail() -> None:
    """Addresses in the organisation's own domains are marked internal in `detail`."""
    setup = DetectorSetup(email_domains=("acme.com",))
    found = PiiDetector(setup=setup).detect("a@acme.com b@mail.acme.com c@gmail.com", Stage.OUTPUT)
    expected = ["email (internal domain)"] * 2 + ["email (external domain)"]
    assert expected == [f.detail for f in found]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("project ORION-1234 is late", ["data.project_code"]),
        ("ORION-12 is too short", []),
        ("this is Codename Falcon", ["data.codename"]),
        ("the falconry club", []),
    ],
)
def test_custom_data_classes(payload: str, expected: list[str]) -> None:
    """Custom classes match by RE2 pattern or by whole, case-insensitive words."""
    setup = DetectorSetup(
        data_classes=frozenset({"email"}),
        custom_data_classes=(
            CustomDataClass(name="project_code", pattern=r"\bORION-\d{4}\b", labels=("internal",)),
            CustomDataClass(name="codename", words=("falcon", "kestrel")),
        ),
    )
    assert expected == types(payload, setup)


def test_custom_labels() -> None:
    """A custom class adds `data.<name>` and its own labels."""
    setup = DetectorSetup(
        custom_data_classes=(CustomDataClass(name="x", pattern="SECRET-X", labels=("internal",)),)
    )
    [finding] = PiiDetector(setup=setup).detect("SECRET-X", Stage.INPUT)
    assert ("data.x", "internal") == finding.labels


def test_invalid_custom_pattern() -> None:
    """A pattern RE2 rejects (such as a lookbehind) raises DetectorError naming the class."""
    setup = DetectorSetup(custom_data_classes=(CustomDataClass(name="bad", pattern="(?<=a)b"),))
    with pytest.raises(DetectorError, match="'bad'"):
        PiiDetector(setup=setup)


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("4111111111111111", True),
        ("4111111111111112", False),
        ("79927398713", True),
        ("12a", False),
    ],
)
def test_luhn(digits: str, expected: bool) -> None:
    """The Luhn check accepts valid numbers and rejects others."""
    assert expected == luhn_valid(digits)


@pytest.mark.parametrize(
    ("iban", "expected"),
    [
        ("DE89 3704 0044 0532 0130 00", True),
        ("GB82WEST12345698765432", True),
        ("GB82WEST12345698765433", False),
        ("XX82WEST12345698765432", False),
        ("DE89370400440532013", False),
    ],
)
def test_iban(iban: str, expected: bool) -> None:
    """IBANs need the country's length and a mod-97 remainder of 1."""
    assert expected == iban_valid(iban)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("123", "45", "6789"), True),
        (("900", "45", "6789"), False),
        (("123", "00", "6789"), False),
        (("123", "45", "0000"), False),
    ],
)
def test_ssn_rules(parts: tuple[str, str, str], expected: bool) -> None:
    """SSA rules reject impossible areas, groups and serials."""
    assert expected == us_ssn_valid(*parts)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("Grüße — schreib an jane.x@example.de", "jane.x@example.de"),
        ("电话 +44 20 7946 0958，谢谢", "+44 20 7946 0958"),
        ("Karte — 4111 1111 1111 1111 — gültig", "4111 1111 1111 1111"),
        ("ÄÖÜ 10.0.0.12 ÄÖÜ", "10.0.0.12"),
    ],
)
def test_spans_in_non_ascii_text(payload: str, expected: str) -> None:
    """Spans are character offsets in text that is not ASCII (scanned as str, not bytes)."""
    [finding] = PiiDetector().detect(payload, Stage.OUTPUT)
    assert expected == payload[finding.start : finding.end]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("call 415-555-0100", ["pii.phone"]),  # exactly the 10 digits a phone needs
        ("SSN 123-45-6789", ["pii.us_ssn"]),  # exactly 9 digits
        ("ping 1.2.3.4", ["pii.ip_address"]),  # exactly 4 digits
        ("amex 378282246310005", ["pii.payment_card"]),  # 15 digits
        ("x@y.io", ["pii.email"]),  # the only '@'
        ("no digits and no at sign here", []),
    ],
)
def test_prefilters_keep_minimal_values(payload: str, expected: list[str]) -> None:
    """A value with just the digits or characters a class needs passes its cheap prefilter."""
    assert expected == types(payload)


def test_many_candidates_disjoint_and_sorted() -> None:
    """Digit-heavy text: findings never overlap, are sorted, and earlier classes win."""
    text = "; ".join(["4111 1111 1111 1111", "+1 415 555 0100", "123-45-6789", "10.0.0.1"] * 50)
    found = PiiDetector().detect(text, Stage.OUTPUT)
    spans = [(f.start, f.end) for f in found]
    assert sorted(spans) == spans
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans))
    expected = ["pii.payment_card", "pii.phone", "pii.us_ssn", "pii.ip_address"] * 50
    assert expected == [f.type for f in found]


CUSTOM = DetectorSetup(
    data_classes=frozenset({"email"}),
    custom_data_classes=(
        CustomDataClass(name="project", pattern=r"\bORION-\d{4}\b"),
        CustomDataClass(name="codename", words=("falcon", "müller", "ſtar")),
    ),
)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("ORION-1234", [("data.project", "ORION-1234")]),
        ("see ORION-1234.", [("data.project", "ORION-1234")]),
        ("für ORION-1234 🚀 Falcon", [("data.project", "ORION-1234"), ("data.codename", "Falcon")]),
        ("Herr MÜLLER and falcon", [("data.codename", "MÜLLER"), ("data.codename", "falcon")]),
        ("a STAR, ascii", [("data.codename", "STAR")]),
        ("a STAR, not ascii: ü", [("data.codename", "STAR")]),
        ("ORION-12345 and xORION-1234", []),
    ],
)
def test_custom_classes_ascii_and_not(payload: str, expected: list[tuple[str, str]]) -> None:
    """Custom classes find the same spans whether the text is ASCII (scanned as bytes) or not,
    case folding included (RE2 folds `ſ` with `s`, so the word `ſtar` finds `STAR` in both)."""
    found = PiiDetector(setup=CUSTOM).detect(payload, Stage.OUTPUT)
    assert expected == [(f.type, payload[f.start : f.end]) for f in found]


SPELLED = {
    "words": "write to alice at example dot com please",
    "brackets": "alice [at] example [dot] com",
    "parentheses, no spaces": "mail alice(at)example(dot)co(dot)uk",
    "braces and angle brackets": "alice {at} mail <dot> example <dot> org",
    "upper case": "ALICE AT EXAMPLE DOT COM",
    "mixed with a real dot": "bob.smith [at] corp.example.org",
    "spaced @": "alice @ example.com",
    "spaced dot": "alice at example . com",
    "zero-width inside, read in normal form": "alice\u200b [at] exam\u200bple [dot] com",
    "after a prose 'at'": "reach me at alice at gmail dot com",
    "full-width brackets are NFKC brackets": "alice［at］example［dot］com",
}


@pytest.mark.parametrize("text", SPELLED.values(), ids=SPELLED.keys())
def test_a_spelled_out_address_is_an_email(text: str) -> None:
    """An address with `@` and `.` spelled out (words, brackets, spaces) is an e-mail
    address, as every reader turns it back into one."""
    from vallum.detectors.normalize import normalize

    assert ["pii.email"] == types(normalize(text).text)


PROSE = [
    "meet at noon",
    "look at the dot on the map",
    "I work at acme dot com",
    "we met at home dot in the park",
    "a dispute at Mercury.com",
    "find us at acme.com or call",
    "prices start at 5 dot 99",
    "stay at home. Then call",
    "I'm at google.com now",
    "the cat sat at the mat dot",
    "connect at https://at.example.com/x",
    "at least one dot com bubble survivor",
    "we stay at home . Then we sleep",
]


@pytest.mark.parametrize("text", PROSE)
def test_prose_with_at_and_dot_is_not_an_email(text: str) -> None:
    """'at' and 'dot' in prose, a web site named after 'at', and words 'at' follows are not
    addresses."""
    assert [] == types(text)


def test_a_spelled_out_address_is_internal_or_external_by_its_domain() -> None:
    """The domain is read from the spelled form: the organisation's own is internal."""
    setup = DetectorSetup(email_domains=("acme.example",))
    details = [
        f.detail
        for text in ("ann [at] acme [dot] example", "ann at gmail dot com")
        for f in PiiDetector(setup=setup).detect(text, Stage.INPUT)
    ]
    expected = ["email (internal domain) (spelled out)", "email (external domain) (spelled out)"]
    assert expected == details
