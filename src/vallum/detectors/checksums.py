"""Checksums that separate real identifiers from look-alike digit strings.

Regexes find candidates; these functions reject most random numbers that merely have the right
shape (an order number is rarely Luhn-valid, a typo'd IBAN fails mod 97).
"""

from __future__ import annotations

# ISO 13616 registry: country code -> total IBAN length (a subset covering SEPA and common others).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
    "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30,
    "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check used by payment card numbers."""
    if not digits.isdigit() or not digits.isascii():
        return False
    # every second digit from the right doubled (its digits summed): a table, not a branch
    kept = sum(map(int, digits[-1::-2]))
    doubled = sum(map(_DOUBLED.__getitem__, digits[-2::-2]))
    return (kept + doubled) % 10 == 0


_DOUBLED = {str(d): (2 * d if d < 5 else 2 * d - 9) for d in range(10)}


def iban_valid(iban: str) -> bool:
    """Whether `iban` (spaces allowed) has its country's length and passes ISO 7064 mod 97-10."""
    compact = iban.replace(" ", "").upper()
    if len(compact) < 15 or not compact.isalnum() or not compact.isascii():
        return False
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is None or expected != len(compact) or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    return int(rearranged.translate(_LETTER_VALUES)) % 97 == 1


# A letter stands for its value in base 36 (A = 10 ... Z = 35); digits stand for themselves.
_LETTER_VALUES = {ord(ch): str(int(ch, 36)) for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def us_ssn_valid(area: str, group: str, serial: str) -> bool:
    """Whether an SSN's parts follow SSA rules: no 000/666/9xx area, no 00 group, no 0000 serial."""
    if area in ("000", "666") or area.startswith("9"):
        return False
    return group != "00" and serial != "0000"
