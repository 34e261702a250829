"""E-mail addresses spelled out: `alice at example dot com`, `alice [at] example [dot] com`.

People and models write addresses this way to get past filters, and every reader (and every
model asked to "send it to alice at example dot com") turns it back into `alice@example.com`.
So the pii detector reads these forms as e-mail addresses too:

- `@` and `.` spelled `at` / `dot` in brackets (`[at]`, `(dot)`, `{at}`, `<dot>`), in any case;
- `at` / `dot` as words between spaces (`alice at example dot com`);
- `@` or `.` with spaces around them (`alice @ example . com`), and any mix of these with `@`
  and `.`.

Prose is full of "at" and "dot": `meet at noon`, `look at the dot on the map`, `I work at
example.com`. A bracketed form is only ever an address; the bare-word form is one only when
"dot" is spelled too (`a dispute at mercury.com` names a web site), the part before "at" is not
an ordinary English word that "at" follows (`meet`, `look`, `work`, `me`, `us`...) and the
address ends in a common top-level domain, so `I work at acme dot com` and `we met at home dot
in` stay prose while `alice at acme dot com` is an address.
"""

from __future__ import annotations

import re

_BRACKETED_AT = r"\s*[\[(<{]\s*(?i:at)\s*[\])>}]\s*"
_BRACKETED_DOT = r"\s*[\[(<{]\s*(?i:dot)\s*[\])>}]\s*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
PATTERN = (
    r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}"
    rf"(?:{_BRACKETED_AT}|[ \t]+(?i:at)[ \t]+|[ \t]+@[ \t]*|[ \t]*@[ \t]+|@)"
    rf"(?:{_LABEL}(?:{_BRACKETED_DOT}|[ \t]+(?i:dot)[ \t]+|[ \t]+\.[ \t]+|\.))+[A-Za-z]{{2,24}}"
)
# What a text holds wherever a candidate of PATTERN is `valid` (a plain `a@b.c`, which the
# pattern also matches, is refused): a bracketed `at`/`dot`; `@` with a space or tab beside it;
# or `dot` or `.` between spaces or tabs (the bare-word form needs its "dot" spelled). Checked
# first, so text without any of these (most text) skips the pattern.
NEEDED = r"(?i)[\[(<{]\s*(?:at|dot)\s*[\])>}]|[ \t]@|@[ \t]|[ \t](?:dot|\.)[ \t]"
_SPELLED_AT = re.compile(r"\s*[\[(<{]\s*at\s*[\])>}]\s*|\s+at\s+|\s*@\s*", re.I)
_SPELLED_DOT = re.compile(r"\s*[\[(<{]\s*dot\s*[\])>}]\s*|\s+dot\s+|\s*\.\s*", re.I)
_WORD_DOT = re.compile(r"\sdot\s|\s\.\s", re.I)
_BRACKETED = re.compile(r"[\[(<{]\s*(?:at|dot)\s*[\])>}]", re.I)
_PLAIN = re.compile(r"[^\s@]+@[^\s@]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Top-level domains the bare-word form may end in: the common generic ones and the country codes
# that are not also short English words (`in`, `is`, `it`, `me`, `to`, `us`, `no`, `at` are left
# out: "stay at home dot in the" is prose).
_TLDS = _words(
    """
    com net org edu gov mil int info biz io co ai app dev xyz online site tech cloud email
    uk de fr nl es pt ch se dk fi pl cz ru jp cn kr au nz ca br mx ar za ie eu gr hu ro tr
    ua il ae sg hk tw vn th id ph my pk ng ke
    """
)
# Words "at" follows in prose (`look at`, `meet me at`, `available at`): never an address's
# local part when "at" is written as a bare word.
_PROSE = _words(
    """
    a an the i me you he him she her it we us they them my our your his its their this that
    these those here there home work works working worked job look looks looking looked
    glance glanced stare staring stared meet meets meeting met see seen saw live lives
    living lived stay stays staying stayed arrive arrives arriving arrived be am is are was
    were been being born based available found located hosted posted published listed online
    up down out in on off aim aimed aiming point points pointing pointed shop shopping sign
    signed log logged visit visits visiting visited go goes going went gone get gets got
    come comes came good bad best better great expert play playing laugh laughing smile
    smiling angry mad surprised sold sell selling buy bought open opens opened close closes
    closed start starts started starting end ends ended begin begins began study studied
    studies studying teach teaches taught employed engineer manager intern staff team office
    desk school college university lunch dinner breakfast noon night least most all once not
    only just still even also and or but so then now today tomorrow tonight yesterday
    everyone someone anyone nobody him her them people directly available reachable contact
    email mail write reply message text call
    """
)


def address(raw: str) -> str:
    """The address a spelled-out one reads as: `alice at example dot com` -> `alice@example.com`."""
    local, domain = _SPELLED_AT.split(raw.strip(), maxsplit=1)
    return f"{local}@{_SPELLED_DOT.sub('.', domain)}".lower()


def spelled(raw: str) -> bool:
    """Whether an address is written other than plainly (`alice@example.com`)."""
    return _PLAIN.fullmatch(raw) is None


def valid(raw: str) -> bool:
    """Whether a candidate the pattern found reads as an address (see the module docstring);
    a plain one (`alice@example.com`) is the plain pattern's to find, and refused here."""
    if not spelled(raw):
        return False
    local, domain = _SPELLED_AT.split(raw, maxsplit=1)
    if _BRACKETED.search(raw) or "@" in raw:  # `[at]`, `(dot)`, ` @ `: only ever an address
        return True
    # "at" as a word: an address only with "dot" spelled too (`a dispute at mercury.com` is a
    # web site), and then only by its look
    tld = _SPELLED_DOT.split(domain)[-1]
    dotted = _WORD_DOT.search(domain) is not None
    return dotted and local.lower() not in _PROSE and tld.lower() in _TLDS
