"""Canonical forms of text, so a value matches however an attacker rewrites it.

Both sides of every comparison (the content a session saw, the tool argument checked against it)
go through `fold` before they are tokenised and hashed:

- NFKC (full-width and mathematical letters become plain ones);
- format characters removed (zero-width spaces and joiners, bidi controls, soft hyphens,
  variation selectors): invisible, so they never separate what a reader sees as one value;
- case folded, then look-alike letters and digits folded to ASCII (the TR39 confusables
  skeleton, restricted to letters and digits: `confusables.py`, generated);
- a link's scheme and `www.` dropped (`https://www.x.com/a` and `x.com/a` are one address);
- numbers written as words become digits (`forty-two` -> `42`, `two thousand five hundred` ->
  `2500`: `tokens` joins the words of one number), and written numbers lose their thousands
  separators and trailing decimal zeros (`2,500.00` -> `2500`, `98.70` -> `98.7`), so an amount
  matches however it was written.

An international phone number (`+44 20 7946 0000`, `0044 20 7946 0000`) has more forms than its
digits: `phone_forms` gives its E.164 digits, the same after `00` and its national form (`020 7946
0000`) through `phonenumbers` (Google's libphonenumber metadata), so a number the text wrote in
any of them matches.

`squash` is the separator-free form of a run of tokens: letters and digits only, with spelled
separators (`at`, `dot`) left out, so `DE89 3704 0044`, `name at host dot com` and
`name@host.com` meet the values they spell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from vallum.sessions.confusables import SKELETON

# Unicode's format characters (category Cf) and the invisible joiners and selectors of category
# Mn an attacker puts inside a value: written out, so nothing scans the code space at import.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000110bd\U000110cd"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff\u0600-\u0605\u06dd\u070f"
    "\u0890\u0891\u08e2]"
)
_DECIMAL = re.compile(r"[0-9]+\.[0-9]+")
_THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))")
_LINK_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.\-]{0,15}://)?(?:www\.)?")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
SPELLED_SEPARATORS = frozenset({"at", "dot", "at-sign", "atsign", "@", ".", "-", "_", "/", ":"})


def fold(text: str) -> str:
    """NFKC, invisible characters removed, case folded, look-alikes folded to ASCII."""
    if text.isascii():  # the common case: nothing to normalise but case
        return text.casefold()
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return text.casefold().translate(SKELETON)


def is_plain(text: str) -> bool:
    """Whether folding changes `text` beyond its case: a value with invisible characters or
    look-alike letters matches what it imitates (for taint), but never inherits its standing
    (the user's, a trusted source's, an allowlist's): `pаypal` is another account."""
    return text.isascii() or fold(text) == text.casefold()


def token_form(token: str) -> str:
    """One folded token in canonical form: a link without scheme or `www.`, a number word as
    digits."""
    if "." in token or ":" in token:
        if _DECIMAL.fullmatch(token):
            return token.rstrip("0").rstrip(".")
        return _LINK_PREFIX.sub("", token)
    number = _number(token)
    return token if number is None else number


SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}


def drop_thousands(text: str) -> str:
    """`2,500` -> `2500` (a comma between digits followed by exactly three)."""
    return _THOUSANDS.sub("", text) if "," in text else text


def _number(token: str) -> str | None:
    if token in _UNITS:
        return str(_UNITS[token])
    if token in _TENS:
        return str(_TENS[token])
    tens, _, unit = token.partition("-")
    if tens in _TENS and unit in _UNITS and 0 < _UNITS[unit] < 10:
        return str(_TENS[tens] + _UNITS[unit])
    return None


_PHONE = re.compile(r"(?:\+|00)[0-9][0-9 ()./\-]{5,24}[0-9]")


def phone_forms(value: str) -> tuple[str, ...]:
    """The separator-free forms of an international phone number: E.164 digits, the same after
    `00`, the national form with its trunk prefix. Empty for anything else (parsed only when the
    value is written like a phone number: no scan of text)."""
    v = value.strip()
    if not _PHONE.fullmatch(v):
        return ()
    import phonenumbers  # pure Python; only for values written like international numbers

    try:
        number = phonenumbers.parse("+" + v[2:] if v.startswith("00") else v, None)
    except phonenumbers.NumberParseException:
        return ()
    if not phonenumbers.is_possible_number(number):
        return ()
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    national = _NOT_ALNUM.sub(
        "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    )
    return tuple(dict.fromkeys((e164, "00" + e164, national)))


_URLISH = re.compile(
    r"(?:[a-z][a-z0-9+.\-]{0,15}://)?[^\s/?#@]+\.[a-z]{2,24}(?::[0-9]{1,5})?[/?#]\S*", re.I
)
MIN_DATA_CHARS = 4  # shorter appended values (`?page=2`) carry nothing worth noticing


def url_parts(value: str) -> tuple[str, list[str]] | None:
    """A link's identity (scheme-less host and path) and the data appended to it (each query
    name and value, the fragment), or None when `value` is not one link with appended data.
    `informations.com/a?ref=1a7b3d#x` -> (`informations.com/a`, [`ref`, `1a7b3d`])."""
    v = value.strip()
    if not _URLISH.fullmatch(v) or ("?" not in v and "#" not in v):
        return None
    from urllib.parse import parse_qsl, unquote_plus, urlsplit

    parts = urlsplit(v if "://" in v else "//" + v)
    host = (parts.hostname or "").lower()
    if not host:
        return None
    base = _LINK_PREFIX.sub("", host + parts.path.rstrip("/"))
    data = [x for pair in parse_qsl(parts.query, keep_blank_values=True) for x in pair]
    data.append(unquote_plus(parts.fragment))
    return base, [d for d in data if len(d) >= MIN_DATA_CHARS]


def squash(token: str) -> str:
    """A canonical token's letters and digits, or "" for a spelled separator."""
    return "" if token in SPELLED_SEPARATORS else _NOT_ALNUM.sub("", token)


def squash_all(tokens: Iterable[str]) -> str:
    """The separator-free form of a run of canonical tokens (each one's `squash`, joined)."""
    return _NOT_ALNUM.sub("", "".join(t for t in tokens if t not in SPELLED_SEPARATORS))
