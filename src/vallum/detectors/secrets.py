r"""Credentials: cloud keys, API tokens, private keys, JWTs.

Built on detect-secrets' high-signal regex plugins: their `denylist` patterns are reused as they
are (so improvements upstream arrive with an upgrade), run over the whole text rather than line by
line so each finding carries the span the engine redacts. A few providers detect-secrets does not
know yet (newer OpenAI and Anthropic keys, Google API keys, Hugging Face and fine-grained GitHub
tokens) are added here. The entropy and keyword plugins are left out: on prose and code they flag
far more hashes and identifiers than secrets.

Speed: most text holds no secret, so each rule first checks a few literal hints (one RE2 set of
every rule's hints, one pass over the lower-cased text) and only runs its regexes when one is
present. Some hints are weak (a "." or a ":" is in most text), so each pattern RE2 can compile
also gets a gate: the same pattern in RE2 (linear time, no Python per position), with `\d`
widened to every Unicode digit so the gate matches whatever the `re` pattern could. Only when
the gate finds something does the `re` pattern run, so findings are exactly those of the
detect-secrets patterns. Case-sensitive patterns with weak hints ("ac" for Twilio's `AC...`)
also check their prefix as written before any gate.

A finding's `detail` names the kind of secret and its length, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import re2
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from vallum.detectors.base import Detector
from vallum.detectors.encoded import encoded_findings
from vallum.detectors.spans import TakenSpans
from vallum.model import Finding, Stage

_PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|---- END SSH2 ENCRYPTED")
_PEM_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----")


@dataclass(frozen=True, slots=True)
class _Rule:
    """One kind of secret: literal hints (checked on lower-cased text) and patterns.

    `cased`, for case-sensitive patterns whose hints are common in lower case ("ac" is in
    "placed"): literals one of which begins every pattern, checked as written on the text.
    """

    type: str
    hints: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    score: float = 1.0
    check: Callable[[str], bool] | None = None
    boundary: bool = False
    group: int = 0
    cased: tuple[str, ...] = ()
    gates: tuple[Any, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "gates", tuple(_gate(p) for p in self.patterns))
        for pattern in self.patterns if self.cased else ():
            # Checked here so a pattern changed upstream fails loudly instead of going unseen.
            if not _begins_with(pattern, self.cased):
                raise ValueError(
                    f"{self.type}: {pattern.pattern!r} does not begin with {self.cased}"
                )


def _begins_with(pattern: re.Pattern[str], literals: tuple[str, ...]) -> bool:
    """Whether every match of `pattern` begins with one of `literals`, as written. Conservative:
    the source starts with one (plain text, not then repeated or made optional), is case
    sensitive and has no alternation."""
    source = pattern.pattern
    if pattern.flags & re.IGNORECASE or "|" in source:
        return False
    return any(
        re.escape(literal) == literal
        and source.startswith(literal)
        and source[len(literal) : len(literal) + 1] not in ("?", "*", "+", "{")
        for literal in literals
    )


# `\d` not itself escaped (an even number of backslashes before it).
_ASCII_DIGIT = re.compile(r"(?<!\\)((?:\\\\)*)\\d")


def _gate(pattern: re.Pattern[str]) -> Any:
    """An RE2 pattern matching at least wherever `pattern` does, or None if RE2 cannot say."""
    if pattern.flags & (re.VERBOSE | re.MULTILINE | re.DOTALL) or not pattern.flags & re.UNICODE:
        return None
    source = _ASCII_DIGIT.sub(r"\1\\p{Nd}", pattern.pattern)
    if pattern.flags & re.IGNORECASE:
        source = "(?i)" + source
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(source, options=options)
    except re2.error:
        return None


def _plugin(cls: type, *indexes: int) -> tuple[re.Pattern[str], ...]:
    patterns: Sequence[re.Pattern[str]] = cls.denylist  # type: ignore[attr-defined]
    return tuple(patterns[i] for i in indexes) if indexes else tuple(patterns)


_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+=*\.eyJ[A-Za-z0-9_-]+=*\.[A-Za-z0-9_-]*=*")


# An AWS secret access key assigned unquoted, as credentials files, shells and YAML write it:
# `aws_secret_access_key = …` (INI), `export AWS_SECRET_ACCESS_KEY=…`, `aws_secret_access_key: …`,
# `"SecretAccessKey": "…"` (the CLI's JSON). detect-secrets' rule wants the value in quotes.
_AWS_SECRET_ASSIGNED = re.compile(
    r"(?i)(?<![A-Za-z0-9])(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)[\"']?"
    r"[ \t]*(?:=|:=|:|=>)[ \t]*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)


def _aws_secret_value(value: str) -> bool:
    """Forty characters that look like a key, not a placeholder (`xxxx…`, `0000…`): mixed
    case or digits and at least 10 distinct characters."""
    return len(set(value)) >= 10 and not (value.isalpha() and (value.islower() or value.isupper()))


_PLACEHOLDER_WORDS = ("password", "passwd", "secret", "changeme", "example", "xxx", "***", "...")


def _real_password(value: str) -> bool:
    """A URL password that is not a documentation placeholder (`<password>`, `${PASS}`, `p`)."""
    if len(value) < 4 or value[0] in "<{[$%*" or value.endswith((">", "}", "]")):
        return False
    lowered = value.lower()
    return not any(word in lowered for word in _PLACEHOLDER_WORDS)


def _jwt_valid(token: str) -> bool:
    return len(token) >= 32 and bool(JwtTokenDetector.is_formally_valid(token))


_RULES: tuple[_Rule, ...] = (
    _Rule(
        "secret.aws_access_key", ("akia", "asia", "abia", "acca", "a3t"), _plugin(AWSKeyDetector, 0)
    ),
    _Rule("secret.aws_secret_key", ("aws",), _plugin(AWSKeyDetector, 1), score=0.9, group=1),
    _Rule(
        "secret.aws_secret_key",
        ("secret_access", "secretaccess", "aws_secret", "awssecret"),
        (_AWS_SECRET_ASSIGNED,),
        score=0.9,
        group=1,
        check=_aws_secret_value,
    ),
    _Rule("secret.azure_storage_key", ("accountkey=",), _plugin(AzureStorageKeyDetector)),
    _Rule(
        "secret.basic_auth",
        ("://",),
        _plugin(BasicAuthDetector),
        score=0.8,
        group=1,
        check=_real_password,
    ),
    _Rule(
        "secret.discord_token", (".",), _plugin(DiscordBotTokenDetector), score=0.8, boundary=True
    ),
    _Rule(
        "secret.github_token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
        _plugin(GitHubTokenDetector),
    ),
    _Rule(
        "secret.github_token", ("github_pat_",), (re.compile(r"github_pat_[A-Za-z0-9_]{60,90}"),)
    ),
    _Rule("secret.gitlab_token", ("gl", "gr1348941"), _plugin(GitLabTokenDetector)),
    # detect-secrets' JWT pattern ends lazily (it matches without the signature); same shape,
    # greedy, still validated by its `is_formally_valid`.
    _Rule("secret.jwt", ("eyj",), (_JWT,), score=0.8, check=_jwt_valid),
    _Rule("secret.mailchimp_key", ("-us",), _plugin(MailchimpDetector), boundary=True),
    _Rule("secret.npm_token", ("_authtoken",), _plugin(NpmDetector), group=1),
    _Rule("secret.openai_key", ("t3blbkfj",), _plugin(OpenAIDetector)),
    _Rule(
        "secret.openai_key",
        ("sk-proj-", "sk-svcacct-", "sk-admin-"),
        (re.compile(r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200}"),),
    ),
    _Rule(
        "secret.anthropic_key",
        ("sk-ant-",),
        (re.compile(r"sk-ant-[a-z0-9]{2,8}-[A-Za-z0-9_-]{80,120}"),),
    ),
    _Rule(
        "secret.google_api_key", ("aiza",), (re.compile(r"AIza[0-9A-Za-z_-]{35}"),), boundary=True
    ),
    _Rule("secret.huggingface_token", ("hf_",), (re.compile(r"hf_[A-Za-z]{34}"),), boundary=True),
    _Rule(
        "secret.private_key",
        ("private key", "putty-user-key"),
        (
            _PEM_BEGIN,
            re.compile(r"PuTTY-User-Key-File-2"),
            re.compile(r"---- BEGIN SSH2 ENCRYPTED PRIVATE KEY"),
        ),
    ),
    _Rule("secret.pypi_token", ("pypi-ag",), _plugin(PypiTokenDetector)),
    _Rule("secret.sendgrid_key", ("sg.",), _plugin(SendGridDetector)),
    _Rule("secret.slack_token", ("xox",), _plugin(SlackDetector, 0)),
    _Rule("secret.slack_webhook", ("hooks.slack.com",), _plugin(SlackDetector, 1)),
    _Rule("secret.square_oauth", ("sq0csp-",), _plugin(SquareOAuthDetector)),
    _Rule("secret.stripe_key", ("k_live_",), _plugin(StripeDetector)),
    _Rule(
        "secret.telegram_token", (":",), _plugin(TelegramBotTokenDetector), score=0.8, boundary=True
    ),
    _Rule(
        "secret.twilio_key",
        ("ac", "sk"),
        _plugin(TwilioKeyDetector),
        score=0.8,
        boundary=True,
        cased=("AC", "SK"),
    ),
)

_HINTS = tuple(sorted({hint for rule in _RULES for hint in rule.hints}))
# For each hint, the rules it points to, in rule order.
_RULES_OF_HINT = tuple(
    tuple(i for i, rule in enumerate(_RULES) if hint in rule.hints) for hint in _HINTS
)


def _hint_set() -> Any:
    """One RE2 set of every hint: a single pass says which hints the text holds.

    The hints are ASCII and the set reads bytes as Latin-1, so a hint is found in the UTF-8 of a
    text exactly where it is a substring of the text (an ASCII byte is never part of another
    character in UTF-8)."""
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    hints = re2.Set.SearchSet(options)
    for hint in _HINTS:
        if not hint.isascii():
            raise ValueError(f"secret hint {hint!r} must be ASCII")
        hints.Add(re2.escape(hint))  # numbered from 0 in this order: Match gives _HINTS indices
    hints.Compile()
    return hints


_HINT_SET = _hint_set()


def _bounded(text: str, start: int, end: int) -> bool:
    """Whether a match stands alone rather than being the middle of a longer token."""
    before = text[start - 1 : start]
    after = text[end : end + 1]
    return not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_")


class SecretsDetector(Detector):
    """Finds credentials and private keys, with spans for redaction and no values in `detail`."""

    id: ClassVar[str] = "secrets"
    version: ClassVar[str] = "3"
    stages: ClassVar[frozenset[Stage]] = frozenset(Stage)
    description: ClassVar[str] = "Credentials, API tokens and private keys (detect-secrets rules)"

    def detect(self, text: str, stage: Stage) -> list[Finding]:
        findings = self._find(text)
        return findings + encoded_findings(text, self._find, findings)

    def _find(self, text: str) -> list[Finding]:
        present = _HINT_SET.Match(text.lower().encode("utf-8", "surrogatepass"))
        if not present:
            return []
        findings: list[Finding] = []
        taken = TakenSpans()
        pem_ends = _PemEnds(text)
        data = b""  # the text's UTF-8, made when a gate first needs it
        for rule in [_RULES[i] for i in sorted({i for h in present for i in _RULES_OF_HINT[h]})]:
            if rule.cased and not any(map(text.__contains__, rule.cased)):
                continue
            for pattern, gate in zip(rule.patterns, rule.gates, strict=True):
                if gate is not None:
                    # Bytes, as RE2 would encode the text itself (strictly), minus the work of
                    # mapping offsets back to characters: only "no match" is wanted here.
                    data = data or text.encode("utf-8")
                    if gate.search(data) is None:
                        continue
                for match in pattern.finditer(text):
                    start, end = match.span(rule.group)
                    if end <= start:
                        continue
                    value = text[start:end]
                    if rule.boundary and not _bounded(text, start, end):
                        continue
                    if rule.check is not None and not rule.check(value):
                        continue
                    if rule.type == "secret.private_key":
                        end = pem_ends.after(start)
                    if taken.overlaps(start, end):
                        continue
                    taken.add(start, end)
                    findings.append(
                        Finding(
                            detector=self.id,
                            type=rule.type,
                            score=rule.score,
                            start=start,
                            end=end,
                            labels=("secret", rule.type),
                            detail=f"{rule.type.removeprefix('secret.')} ({end - start} chars)",
                        )
                    )
                taken.end_pass()
        findings.sort(key=lambda f: (f.start, f.end))
        return findings


class _PemEnds:
    """Where a private key's span ends: at its END line, or the end of the text if cut off.

    Searched once per END line, not once per BEGIN: many BEGIN lines without an END would
    otherwise each scan to the end of the text. Starts come in order within a pattern's pass;
    the last END found is reused while it is still at or after the start (nothing matched
    between, so a search from there would find the same one).
    """

    __slots__ = ("_from", "_match", "_text")

    def __init__(self, text: str):
        self._text = text
        self._from = -1  # where the last search started
        self._match: re.Match[str] | None = None

    def after(self, start: int) -> int:
        reuse = self._from != -1 and self._from <= start
        if reuse and (self._match is None or self._match.start() >= start):
            pass  # no match from an earlier start, or the same first match from this start
        else:
            self._from = start
            self._match = _PEM_END.search(self._text, start)
        return self._match.end() if self._match else len(self._text)
