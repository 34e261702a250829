"""Personal data: e-mail addresses, phone numbers, card numbers, IBANs, US SSNs, IP addresses.

Each built-in data class is a regex that finds candidates plus a validator that rejects
look-alikes (Luhn for cards, mod 97 for IBANs, SSA rules for SSNs, octet ranges for IPs), so order
numbers, dates and version strings do not turn a session into a PII session. Bundles add their own
data classes by RE2 pattern (linear time, so a pattern cannot be a ReDoS) or by word list.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import re2
from pydantic import BaseModel

from vallum.detectors import spelled_email
from vallum.detectors.base import CustomDataClass, Detector, DetectorSetup
from vallum.detectors.checksums import iban_valid, luhn_valid, us_ssn_valid
from vallum.detectors.encoded import encoded_findings
from vallum.detectors.spans import TakenSpans, match_spans
from vallum.exceptions import DetectorError
from vallum.model import Finding, Stage

BUILTIN_DATA_CLASSES: tuple[str, ...] = (
    "payment_card",
    "iban",
    "us_ssn",
    "email",
    "ip_address",
    "phone",
)

# Candidates are found with RE2 (linear time, and several times faster than `re` here); RE2
# has no lookaround, so what must not touch a match is checked by `_clear` on each candidate.
_EMAIL = (
    r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
)
# Digits with up to three separator characters between them (`4111 1111`, `4111-1111`,
# `4111\t1111`, `4111 - 1111`, `4111.1111`): `_valid_card` wants one separator throughout.
_CARD = r"\d(?:[ \t.-]{0,3}\d){12,18}"
_CARD_SEPARATORS = re.compile(r"[ \t.-]+")
_NO_SEPARATORS = str.maketrans("", "", " \t.-")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3[068]|35|6011|65|64[4-9]|62)")
_IBAN = r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"
_SSN = r"\d{3}-\d{2}-\d{4}"
_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"
_IPV6 = r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}"
_PHONE = (
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[ .-]\d{3}[ .-]\d{4}"
)
_VERSION_CONTEXT = re.compile(r"(?:version|ver\.?|v|build|release|rev|firmware)\s*$", re.I)
_DATE = re.compile(r"\d{4}[-./]\d{2}[-./]\d{2,4}")
_DIGITS = b"0123456789"

_SCORES = {
    "email": 0.95,
    "payment_card": 0.95,
    "iban": 0.95,
    "us_ssn": 0.85,
    "ip_address": 0.8,
    "phone": 0.7,
}

_TYPES = {name: f"pii.{name}" for name in _SCORES}
_LABELS = {name: ("pii", f"pii.{name}") for name in _SCORES}


def _clear(text: str, start: int, end: int, before: str, after: str) -> bool:
    """Whether the characters around a span are not word characters nor any of the given ones."""
    if start:
        prev = text[start - 1]
        if prev.isalnum() or prev == "_" or prev in before:
            return False
    if end < len(text):
        nxt = text[end]
        if nxt.isalnum() or nxt == "_" or nxt in after:
            return False
    return True


def _valid_email(text: str, start: int, end: int) -> bool:
    return _clear(text, start, end, ".%+-", "-")


def _valid_spelled_email(text: str, start: int, end: int) -> bool:
    return _clear(text, start, end, ".%+-'", "-") and spelled_email.valid(text[start:end])


def _valid_card(text: str, start: int, end: int) -> bool:
    if not _clear(text, start, end, ".-", "-"):
        return False
    raw = text[start:end]
    # The checks are all required: the cheap ones on the digits first (most look-alikes, phone
    # numbers and IBAN digits among them, fail the prefix or Luhn).
    digits = raw.translate(_NO_SEPARATORS)
    if not 13 <= len(digits) <= 19 or not _CARD_PREFIX.match(digits) or not luhn_valid(digits):
        return False
    separators = set(_CARD_SEPARATORS.findall(raw))
    # Mixed separators ("1234 5678-9012", "4111.11 1111.11") are rarely cards: one separator
    # (written the same way each time) or none.
    if len(separators) > 1:
        return False
    # Dotted digit runs are versions and OIDs (`1.3.6.1.4.1.311`) unless grouped as cards are.
    return "." not in raw or min(map(len, _CARD_SEPARATORS.split(raw))) >= 3


def _valid_iban(text: str, start: int, end: int) -> bool:
    return iban_valid(text[start:end])


def _valid_ssn(text: str, start: int, end: int) -> bool:
    if not _clear(text, start, end, "-", "-"):
        return False
    area, group, serial = text[start:end].split("-")
    return us_ssn_valid(area, group, serial)


def _valid_ipv4(text: str, start: int, end: int) -> bool:
    if not _clear(text, start, end, ".", ""):
        return False
    if text[end : end + 1] == "." and text[end + 1 : end + 2].isdigit():
        return False
    parts = text[start:end].split(".")
    if any(len(p) > 1 and p.startswith("0") for p in parts):
        return False
    if any(int(p) > 255 for p in parts):
        return False
    return not _VERSION_CONTEXT.search(text, max(0, start - 12), start)


def _valid_ipv6(text: str, start: int, end: int) -> bool:
    if not _clear(text, start, end, ":", ":"):
        return False
    candidate = text[start:end]
    groups = [g for g in candidate.split(":") if g]
    if len(groups) < 3:
        return False
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


def _valid_phone(text: str, start: int, end: int) -> bool:
    if not _clear(text, start, end, "+", ""):
        return False
    raw = text[start:end]
    digits = sum(map(str.isdigit, raw))
    if not 10 <= digits <= 15:
        return False
    # "2024-01-15 10:30" style dates and ranges are caught by the separators rule above; a bare
    # international number needs its plus sign.
    return raw.startswith(("+", "(")) or not _DATE.fullmatch(raw)


class _Candidates:
    """One candidate pattern of a data class, with a cheap test that it cannot match.

    Most text holds no personal data, and a scan costs even when it finds nothing, so each
    pattern first checks what any match needs: a character (`@` for e-mail, `:` for IPv6) and a
    number of ASCII digits (the patterns' `\\d` is ASCII, like RE2's). ASCII text, by far the
    most common, is scanned as bytes: RE2 then reports offsets without converting them from
    UTF-8, which is most of the cost of a match.
    """

    __slots__ = ("_bytes", "_text", "gate", "min_digits", "needs", "valid")

    def __init__(
        self,
        source: str,
        valid: Callable[[str, int, int], bool],
        min_digits: int = 0,
        needs: bytes = b"",
        gate: str | None = None,
    ):
        self._text: Any = re2.compile(source)
        self._bytes: Any = re2.compile(source.encode())
        self.valid = valid
        self.min_digits = min_digits
        self.needs = needs
        # A pattern (RE2, over the UTF-8) any text with a *valid* match holds: without it, the
        # scan's candidates would all be refused, so it is not run.
        self.gate: Any = re2.compile(gate.encode()) if gate is not None else None

    def spans(self, text: str, data: bytes) -> Iterator[tuple[int, int]]:
        """Where the pattern matches `text` (its UTF-8 `data`): as bytes when ASCII, else as
        `str` (how every text was scanned before `scan_spans`; the reference tests keep it)."""
        return self.scan_spans(text, data if len(data) == len(text) else None)

    def scan_spans(self, text: str, scan: bytes | None) -> Iterator[tuple[int, int]]:
        """Where the pattern matches `text`; `scan` is the text as one byte per character
        (`_one_byte_per_character`) when it has one."""
        if scan is not None:  # byte offsets are character offsets
            return iter(match_spans(self._bytes, scan))
        return (m.span() for m in self._text.finditer(text))


def _one_byte_per_character(text: str, data: bytes) -> bytes | None:
    """`text` (UTF-8 `data`) with each character outside ASCII written `?`: what the built-in
    patterns match in it is what they match in the text, at the same offsets (they are ASCII:
    an ASCII class, RE2's ASCII `\\d`, `\\s` and `\\b`, and `at`/`dot`, which no other
    character folds to), and RE2 then reports character offsets without converting them. None
    for text that is not valid Unicode (lone surrogates): scanned as `str`, which refuses it,
    as it always did."""
    if len(data) == len(text):
        return data
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return text.encode("ascii", "replace")


_BUILTINS: dict[str, tuple[_Candidates, ...]] = {
    "payment_card": (_Candidates(_CARD, _valid_card, min_digits=13),),
    "iban": (_Candidates(_IBAN, _valid_iban, min_digits=2),),
    "us_ssn": (_Candidates(_SSN, _valid_ssn, min_digits=9, needs=b"-"),),
    "email": (
        _Candidates(_EMAIL, _valid_email, needs=b"@"),
        _Candidates(spelled_email.PATTERN, _valid_spelled_email, gate=spelled_email.NEEDED),
    ),
    "ip_address": (
        _Candidates(_IPV4, _valid_ipv4, min_digits=4, needs=b"."),
        _Candidates(_IPV6, _valid_ipv6, needs=b":"),
    ),
    "phone": (_Candidates(_PHONE, _valid_phone, min_digits=10),),
}


class _CustomMatcher:
    """One bundle-defined data class, compiled once with RE2 (also for bytes, like
    `_Candidates`: ASCII text is scanned as bytes, whose offsets need no converting)."""

    def __init__(self, data_class: CustomDataClass):
        self.name = data_class.name
        self.type = f"data.{data_class.name}"
        self.labels = tuple(dict.fromkeys((self.type, *data_class.labels)))
        if data_class.pattern is not None:
            source = data_class.pattern
        elif data_class.words:
            alternatives = "|".join(re2.escape(word) for word in data_class.words)
            source = rf"(?i)\b(?:{alternatives})\b"
        else:
            raise DetectorError(f"data class {data_class.name!r} needs a pattern or words")
        try:
            self.regex: Any = re2.compile(source)
            self._bytes: Any = re2.compile(source.encode())
        except re2.error as exc:
            raise DetectorError(
                f"data class {data_class.name!r}: invalid RE2 pattern {source!r}: {exc}"
            ) from exc

    def findings(self, text: str, detector_id: str, data: bytes | None = None) -> list[Finding]:
        """Matches in `text`; `data` is its UTF-8, if already encoded."""
        if data is None:
            data = text.encode("utf-8", "surrogatepass")
        if len(data) == len(text):  # ASCII: byte offsets are character offsets
            spans = match_spans(self._bytes, data)
        else:
            spans = [m.span() for m in self.regex.finditer(text)]
        detail = f"data class {self.name}"
        return [
            Finding(detector_id, self.type, 1.0, start, end, self.labels, detail)
            for start, end in spans
            if end > start
        ]


class PiiDetector(Detector):
    """Finds personal data classes and the bundle's own data classes."""

    id: ClassVar[str] = "pii"
    version: ClassVar[str] = "2"
    stages: ClassVar[frozenset[Stage]] = frozenset(Stage)
    description: ClassVar[str] = (
        "Personal data (e-mail, phone, payment card, IBAN, US SSN, IP address) and custom data "
        "classes"
    )

    def __init__(self, options: BaseModel | None = None, setup: DetectorSetup | None = None):
        super().__init__(options, setup)
        enabled = self.setup.data_classes or frozenset(BUILTIN_DATA_CLASSES)
        unknown = sorted(set(enabled) - set(BUILTIN_DATA_CLASSES))
        custom_names = {c.name for c in self.setup.custom_data_classes}
        unknown = [name for name in unknown if name not in custom_names]
        if unknown:
            known = ", ".join(BUILTIN_DATA_CLASSES)
            raise DetectorError(f"unknown data class(es) {', '.join(unknown)} (known: {known})")
        self._active = tuple(name for name in BUILTIN_DATA_CLASSES if name in enabled)
        self._scans = tuple((name, c) for name in self._active for c in _BUILTINS[name])
        self._internal_domains = tuple(d.lower() for d in self.setup.email_domains)
        self._custom = tuple(_CustomMatcher(c) for c in self.setup.custom_data_classes)

    def detect(self, text: str, stage: Stage) -> list[Finding]:
        findings = self._find(text)
        return findings + encoded_findings(text, self._find, findings)

    def _find(self, text: str) -> list[Finding]:
        findings: list[Finding] = []
        data = text.encode("utf-8", "surrogatepass")
        digits = len(data) - len(data.translate(None, _DIGITS))
        ascii_text = len(data) == len(text)  # (the gate: other text is scanned whole)
        scan = _one_byte_per_character(text, data)
        taken = TakenSpans()
        for name, candidates in self._scans:
            # What any match needs (see _Candidates), checked inline: every class, every text.
            if (
                digits < candidates.min_digits
                or (candidates.needs and candidates.needs not in data)
                or (
                    ascii_text
                    and candidates.gate is not None
                    and candidates.gate.search(data) is None
                )
            ):
                continue
            for start, end in candidates.scan_spans(text, scan):
                if taken.overlaps(start, end) or not candidates.valid(text, start, end):
                    continue
                taken.add(start, end)
                findings.append(self._finding(name, text, start, end))
            taken.end_pass()
        for matcher in self._custom:
            findings.extend(matcher.findings(text, self.id, data))
        findings.sort(key=lambda f: (f.start, f.end))
        return findings

    def _finding(self, name: str, text: str, start: int, end: int) -> Finding:
        detail = name
        if name == "email":
            raw = text[start:end]
            spelled = spelled_email.spelled(raw)
            if self._internal_domains:
                # written plainly, an address is `local@domain` and reads as itself
                read = spelled_email.address(raw) if spelled else raw.lower()
                domain = read.rpartition("@")[2]
                internal = any(
                    domain == d or domain.endswith("." + d) for d in self._internal_domains
                )
                detail = "email (internal domain)" if internal else "email (external domain)"
            if spelled:
                detail = f"{detail} (spelled out)"
        return Finding(self.id, _TYPES[name], _SCORES[name], start, end, _LABELS[name], detail)
