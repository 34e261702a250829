"""Hard-coded passwords, keys and tokens in assignments, arguments, defaults and dicts (CWE-798)."""

from __future__ import annotations

import re

from vallum.review.checks.base import Facts
from vallum.review.examples import PLACEHOLDER_PASSWORDS, example_url, example_value
from vallum.review.findings import Finding, Severity
from vallum.review.parse import Node, arguments, string_value

SECRET_NAME = re.compile(
    r"(pass(word|wd|phrase)?|pwd|secret|api_?key|apikey|access_?key|private_?key|auth_?token|"
    r"token|credential|client_secret|signing_key)$",
    re.IGNORECASE,
)
NOT_SECRET_SUFFIX = re.compile(
    r"(header|field|name|url|uri|path|env|var|prefix|type|pattern|regex|label|id|file|dir|"
    r"length|len|min|max|hash_?alg|endpoint|param|attr|column|key_?name)$",
    re.IGNORECASE,
)
MY_PLACEHOLDER = re.compile(r"^(my|some|the|a)[-_]?(secret|pass|key|token|api)")
REGEX_LIKE = re.compile(r"\(\?|\\[wdsbWDS]|\[\^|\]\+|\)\*|\)\?")
PLACEHOLDER = re.compile(r"^(\$|\{|<|%\(|\*+$|x+$|your[-_]|changeme$|example|dummy|test)", re.I)


def check(facts: Facts) -> list[Finding]:
    m = facts.module
    out: list[Finding] = []
    for node in facts.assignments:
        left = node.child_by_field_name("left")
        if left is not None and left.type in {"identifier", "attribute"}:
            out.extend(
                _candidate(
                    facts, m.text(left).rpartition(".")[2], node.child_by_field_name("right"), node
                )
            )
    for _name, call in facts.calls:
        _pos, kw = arguments(call)
        for key, value in kw.items():
            out.extend(_candidate(facts, key, value, value))
    for pair in facts.pairs:
        label = string_value(m, pair.child_by_field_name("key"))
        if label:
            out.extend(_candidate(facts, label, pair.child_by_field_name("value"), pair))
    for func in facts.functions:
        params = func.node.child_by_field_name("parameters")
        for p in params.named_children if params is not None else []:
            if p.type in {"default_parameter", "typed_default_parameter"}:
                out.extend(
                    _candidate(
                        facts,
                        m.text(p.child_by_field_name("name")),
                        p.child_by_field_name("value"),
                        p,
                    )
                )
    return out


WORDS = re.compile(r"[A-Z]+(_[A-Z]+)+|[a-z]+(_[a-z]+)+")
QUALIFIED_NAME = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+")


def plausible_secret(name: str, secret: str) -> bool:
    """A literal assigned to a secret-named target that could be a real credential.

    Not: placeholders and documentation values (`tiger`, `passwd`, `your-key`), regular
    expressions, paths, and for `token`-named constants, identifiers (`_DEFAULT_TOKEN =
    "_sa_default"` is a lexer token, not a credential).
    """
    if not SECRET_NAME.search(name.replace("-", "_")) or NOT_SECRET_SUFFIX.search(name):
        return False
    if len(secret) < 4 or any(c.isspace() for c in secret):
        return False
    lowered = secret.lower()
    if PLACEHOLDER.search(secret) or secret.startswith("/") or lowered in name.lower():
        return False
    if lowered in PLACEHOLDER_PASSWORDS or example_value(secret) or example_url(secret):
        return False
    if REGEX_LIKE.search(secret) or lowered.startswith("urn:") or MY_PLACEHOLDER.match(lowered):
        return False
    if QUALIFIED_NAME.fullmatch(secret):  # `user_password: "u.password"`: a column, a field
        return False
    if WORDS.fullmatch(secret):  # "DEFAULT_WEBHOOK_SECRET", "not_available": names, not keys
        return False
    return not (
        re.search(r"token|key", name, re.I) and re.fullmatch(r"[A-Za-z_][A-Za-z_.:-]*", secret)
    )


def _candidate(facts: Facts, name: str, value: Node | None, where: Node) -> list[Finding]:
    secret = string_value(facts.module, value)
    if secret is None or not plausible_secret(name, secret):
        return []
    return [
        facts.finding(
            "secrets.hard-coded", 798, Severity.HIGH, where, f"hard-coded credential in '{name}'"
        )
    ]
