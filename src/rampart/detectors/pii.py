"""Personal data: e-mail addresses, phone numbers, card numbers, IBANs, US SSNs, IP addresses.

Each built-in data class is a regex that finds candidates plus a validator that rejects
look-alikes (Luhn for cards, mod 97 for IBANs, SSA rules for SSNs, octet ranges for IPs), so order
numbers, dates and version strings do not turn a session into a PII session. Bundles add their own
data classes by RE2 pattern (linear time, so a pattern cannot be a ReDoS) or by word list.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any, ClassVar

import re2
from pydantic import BaseModel

from rampart.detectors.base import CustomDataClass, Detector, DetectorSetup
from rampart.detectors.checksums import iban_valid, luhn_valid, us_ssn_valid
from rampart.exceptions import DetectorError
from rampart.model import Finding, Stage

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
_EMAIL = re2.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
)
_CARD = re2.compile(r"\d(?:[ -]?\d){12,18}")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3[068]|35|6011|65|64[4-9]|62)")
_IBAN = re2.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_SSN = re2.compile(r"(\d{3})-(\d{2})-(\d{4})")
_IPV4 = re2.compile(r"(?:\d{1,3}\.){3}\d{1,3}")
_IPV6 = re2.compile(r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}")
_PHONE = re2.compile(
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}[ .-]\d{3}[ .-]\d{4}"
)
_VERSION_CONTEXT = re.compile(r"(?:version|ver\.?|v|build|release|rev|firmware)\s*$", re.I)

_SCORES = {
    "email": 0.95,
    "payment_card": 0.95,
    "iban": 0.95,
    "us_ssn": 0.85,
    "ip_address": 0.8,
    "phone": 0.7,
}


def _clear(text: str, match: Any, before: str, after: str) -> bool:
    """Whether the characters around a match are not word characters nor any of the given ones."""
    prev = text[match.start() - 1 : match.start()]
    nxt = text[match.end() : match.end() + 1]
    if prev and (prev.isalnum() or prev == "_" or prev in before):
        return False
    return not (nxt and (nxt.isalnum() or nxt == "_" or nxt in after))


def _valid_email(text: str, match: Any) -> bool:
    return _clear(text, match, ".%+-", "-")


def _valid_card(text: str, match: Any) -> bool:
    if not _clear(text, match, ".-", "-"):
        return False
    raw = match.group()
    digits = raw.replace(" ", "").replace("-", "")
    if not 13 <= len(digits) <= 19 or not _CARD_PREFIX.match(digits):
        return False
    # Mixed separators ("1234 5678-9012") are rarely cards; one separator kind or none.
    if " " in raw and "-" in raw:
        return False
    return luhn_valid(digits)


def _valid_iban(text: str, match: Any) -> bool:
    return iban_valid(match.group())


def _valid_ssn(text: str, match: Any) -> bool:
    if not _clear(text, match, "-", "-"):
        return False
    return us_ssn_valid(match.group(1), match.group(2), match.group(3))


def _valid_ipv4(text: str, match: Any) -> bool:
    if not _clear(text, match, ".", ""):
        return False
    if (
        text[match.end() : match.end() + 1] == "."
        and text[match.end() + 1 : match.end() + 2].isdigit()
    ):
        return False
    parts = match.group().split(".")
    if any(len(p) > 1 and p.startswith("0") for p in parts):
        return False
    if any(int(p) > 255 for p in parts):
        return False
    return not _VERSION_CONTEXT.search(text, max(0, match.start() - 12), match.start())


def _valid_ipv6(text: str, match: Any) -> bool:
    if not _clear(text, match, ":", ":"):
        return False
    candidate = match.group()
    groups = [g for g in candidate.split(":") if g]
    if len(groups) < 3:
        return False
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


def _valid_phone(text: str, match: Any) -> bool:
    if not _clear(text, match, "+", ""):
        return False
    raw = match.group()
    digits = sum(ch.isdigit() for ch in raw)
    if not 10 <= digits <= 15:
        return False
    # "2024-01-15 10:30" style dates and ranges are caught by the separators rule above; a bare
    # international number needs its plus sign.
    return raw.startswith(("+", "(")) or not _looks_like_date(raw)


def _looks_like_date(raw: str) -> bool:
    return bool(re.fullmatch(r"\d{4}[-./]\d{2}[-./]\d{2,4}", raw))


_Validator = Callable[[str, Any], bool]

_BUILTINS: dict[str, tuple[tuple[Any, _Validator], ...]] = {
    "payment_card": ((_CARD, _valid_card),),
    "iban": ((_IBAN, _valid_iban),),
    "us_ssn": ((_SSN, _valid_ssn),),
    "email": ((_EMAIL, _valid_email),),
    "ip_address": ((_IPV4, _valid_ipv4), (_IPV6, _valid_ipv6)),
    "phone": ((_PHONE, _valid_phone),),
}


class _CustomMatcher:
    """One bundle-defined data class, compiled once with RE2."""

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
        except re2.error as exc:
            raise DetectorError(
                f"data class {data_class.name!r}: invalid RE2 pattern {source!r}: {exc}"
            ) from exc

    def findings(self, text: str, detector_id: str) -> list[Finding]:
        return [
            Finding(
                detector=detector_id,
                type=self.type,
                score=1.0,
                start=m.start(),
                end=m.end(),
                labels=self.labels,
                detail=f"data class {self.name}",
            )
            for m in self.regex.finditer(text)
            if m.end() > m.start()
        ]


class PiiDetector(Detector):
    """Finds personal data classes and the bundle's own data classes."""

    id: ClassVar[str] = "pii"
    version: ClassVar[str] = "1"
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
        self._internal_domains = tuple(d.lower() for d in self.setup.email_domains)
        self._custom = tuple(_CustomMatcher(c) for c in self.setup.custom_data_classes)

    def detect(self, text: str, stage: Stage) -> list[Finding]:
        findings: list[Finding] = []
        taken: list[tuple[int, int]] = []
        for name in self._active:
            for regex, valid in _BUILTINS[name]:
                for match in regex.finditer(text):
                    start, end = match.span()
                    if any(start < e and s < end for s, e in taken):
                        continue
                    if not valid(text, match):
                        continue
                    taken.append((start, end))
                    findings.append(self._finding(name, match))
        for matcher in self._custom:
            findings.extend(matcher.findings(text, self.id))
        findings.sort(key=lambda f: (f.start, f.end))
        return findings

    def _finding(self, name: str, match: Any) -> Finding:
        detail = name
        if name == "email" and self._internal_domains:
            domain = match.group().rpartition("@")[2].lower()
            internal = any(domain == d or domain.endswith("." + d) for d in self._internal_domains)
            detail = "email (internal domain)" if internal else "email (external domain)"
        return Finding(
            detector=self.id,
            type=f"pii.{name}",
            score=_SCORES[name],
            start=match.start(),
            end=match.end(),
            labels=("pii", f"pii.{name}"),
            detail=detail,
        )
