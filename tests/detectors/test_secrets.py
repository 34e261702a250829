"""Secrets detector: provider keys and private keys, with spans and no values in `detail`."""

from __future__ import annotations

import re

import pytest

from vallum.detectors.secrets import SecretsDetector, _Rule
from vallum.model import Stage

# Built from parts so this file does not itself trip secret scanners.
AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"
GITHUB = "ghp_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
OPENAI = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6lMn9o"
ANTHROPIC = "sk-ant-api03-" + "x" * 40 + "Y" * 40 + "-zz9AA"
GOOGLE = "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq\nq2Fz\n-----END RSA PRIVATE KEY-----"
AZURE = "AccountKey=" + "A" * 86 + "=="
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BASIC = "hunter2pass"

CASES = [
    (f"aws_access_key_id = {AWS_KEY}", "secret.aws_access_key", AWS_KEY),
    (f'aws_secret_access_key = "{AWS_SECRET}"', "secret.aws_secret_key", AWS_SECRET),
    (f"token: {GITHUB}", "secret.github_token", GITHUB),
    (f"SLACK_TOKEN={SLACK}", "secret.slack_token", SLACK),
    (f"stripe {STRIPE} ok", "secret.stripe_key", STRIPE),
    (f"OPENAI_API_KEY={OPENAI}", "secret.openai_key", OPENAI),
    (f"key {ANTHROPIC}", "secret.anthropic_key", ANTHROPIC),
    (f"maps key {GOOGLE}", "secret.google_api_key", GOOGLE),
    (f"Authorization: Bearer {JWT}", "secret.jwt", JWT),
    (f"here is my key\n{PEM}\nthanks", "secret.private_key", PEM),
    (f"DefaultEndpointsProtocol=https;{AZURE};", "secret.azure_storage_key", AZURE),
    (f"postgres://admin:{BASIC}@db.internal:5432/app", "secret.basic_auth", BASIC),
    # an AWS secret key written unquoted, as credentials files, shells and YAML write it
    (f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}", "secret.aws_secret_key", AWS_SECRET),
    (f"[default]\naws_secret_access_key = {AWS_SECRET}\n", "secret.aws_secret_key", AWS_SECRET),
    (f"aws_secret_access_key: {AWS_SECRET}", "secret.aws_secret_key", AWS_SECRET),
    (f"  aws_secret_access_key:{AWS_SECRET}  # prod", "secret.aws_secret_key", AWS_SECRET),
    (f'{{"SecretAccessKey": "{AWS_SECRET}"}}', "secret.aws_secret_key", AWS_SECRET),
    (f"set AWS_SECRET_KEY={AWS_SECRET}", "secret.aws_secret_key", AWS_SECRET),
    (f"$env:AWS_SECRET_ACCESS_KEY='{AWS_SECRET}'", "secret.aws_secret_key", AWS_SECRET),
    (f"secret_access_key => {AWS_SECRET},", "secret.aws_secret_key", AWS_SECRET),
]


@pytest.mark.parametrize(("payload", "expected_type", "value"), CASES)
def test_positives(payload: str, expected_type: str, value: str) -> None:
    """Each provider's credential is found with a span covering exactly the secret."""
    [finding] = SecretsDetector().detect(payload, Stage.INPUT)
    assert (expected_type, value) == (finding.type, payload[finding.start : finding.end])
    assert ("secret", expected_type) == finding.labels


@pytest.mark.parametrize(("payload", "expected_type", "value"), CASES)
def test_detail_never_contains_the_secret(payload: str, expected_type: str, value: str) -> None:
    """`detail` (stored in evidence) never holds the secret or a long piece of it."""
    for finding in SecretsDetector().detect(payload, Stage.OUTPUT):
        assert value not in finding.detail
        assert value[:12] not in finding.detail
        assert value[-12:] not in finding.detail


@pytest.mark.parametrize(
    "payload",
    [
        "The AKIA prefix marks AWS access keys.",
        "mssql+aioodbc://<username>:<password>@<dsnname>",
        'create_engine("mssql+pyodbc://u:p@dsn")',
        "postgresql://app:${DB_PASSWORD}@db/app",
        "https://user:changeme@example.org/",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "sha256: 9f86d081884c7d659a2f00ea08a15d6b0b822cd15d658e5b3b1f2e5d6c6c8e2a",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "sk_test_ looks like a prefix but here it is just prose",
        "eyJ is how base64 JSON starts: eyJhbGciOi",
        "https://example.com/path?x=1",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
        "ghp_short",
        "The word ACCESSORIES and ASIAN appear in a catalogue.",
        "Use the Authorization header with a bearer token.",
        # AWS secret key names with no key behind them
        "aws_secret_access_key = <your-secret-access-key>",
        "export AWS_SECRET_ACCESS_KEY=${AWS_SECRET}",
        "AWS_SECRET_ACCESS_KEY=",
        "aws_secret_access_key = " + "x" * 40,
        "aws_secret_access_key = " + "0" * 40,
        "aws_secret_access_key = YOURSECRETACCESSKEYGOESHEREPLEASEFILLIT",
        'aws_secret_access_key = os.environ["AWS_SECRET_ACCESS_KEY"]',
        "Set aws_secret_access_key in ~/.aws/credentials, never in code.",
        f"aws_secret_access_key = {AWS_SECRET}EXTRA",  # 45 characters: not a key
        f"not_aws_secret_access_key_id = {AWS_SECRET}",
    ],
)
def test_hard_negatives(payload: str) -> None:
    """Hashes, UUIDs, public keys and prefixes in prose are not secrets."""
    assert [] == SecretsDetector().detect(payload, Stage.INPUT)


def test_several_secrets_in_order() -> None:
    """Several secrets in one text are each reported, ordered by position."""
    text = f"a={AWS_KEY}\nb={GITHUB}"
    found = SecretsDetector().detect(text, Stage.TOOL_RESULT)
    assert ["secret.aws_access_key", "secret.github_token"] == [f.type for f in found]


def test_truncated_private_key_spans_to_end() -> None:
    """A private key cut off before its END line is redacted to the end of the text."""
    text = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU"
    [finding] = SecretsDetector().detect(text, Stage.OUTPUT)
    assert (0, len(text)) == (finding.start, finding.end)


def test_gate_keeps_unicode_digits() -> None:
    """The RE2 gate widens `\\d` to Unicode digits, so what detect-secrets matches is still found."""
    token = "١٢٣٤٥٦٧٨٩:AAH" + "b" * 32
    [finding] = SecretsDetector().detect(f"bot {token} end", Stage.OUTPUT)
    assert "secret.telegram_token" == finding.type


def test_weak_hint_without_secret() -> None:
    """Text full of dots and colons (weak hints) holds no secret."""
    assert [] == SecretsDetector().detect("a.b: c.d: 12:30 v1.2.3 " * 400, Stage.OUTPUT)


TWILIO_AC = "AC" + "a1" * 16
TWILIO_SK = "SK" + "0f" * 16


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (AWS_KEY + " is the key", [("secret.aws_access_key", AWS_KEY)]),
        ("the key is " + AWS_KEY, [("secret.aws_access_key", AWS_KEY)]),
        (f"clé «{GITHUB}» 🔑", [("secret.github_token", GITHUB)]),
        (f"ключ:{GOOGLE}", [("secret.google_api_key", GOOGLE)]),
        (f"SLACK={SLACK.upper()[:4]}{SLACK[4:]}", [("secret.slack_token", "XOXB" + SLACK[4:])]),
        (f"sid {TWILIO_AC}", [("secret.twilio_key", TWILIO_AC)]),
        (f"{TWILIO_SK}", [("secret.twilio_key", TWILIO_SK)]),
        ("sid " + TWILIO_AC.lower(), []),
        ("sid Ac" + TWILIO_AC[2:], []),
        ("sid x" + TWILIO_AC, []),
        ("placed an order with ACME, asked for the tasks", []),
        ("it ends in AC", []),
        ("A\u0301KIA" + AWS_KEY[4:], []),
        ("\ud800 a lone surrogate and no hint", []),
    ],
)
def test_hint_prefilter_edges(payload: str, expected: list[tuple[str, str]]) -> None:
    """The hint set finds hints at either end of the text, next to non-ASCII characters and in
    any case; a case-sensitive prefix (Twilio's `AC`, `SK`) is checked as written, so its
    hint in lower case ("placed", "asked") no longer runs the patterns, and finds nothing less."""
    found = SecretsDetector().detect(payload, Stage.OUTPUT)
    assert expected == [(f.type, payload[f.start : f.end]) for f in found]


@pytest.mark.parametrize(
    "pattern",
    [
        re.compile(r"AC[a-z0-9]{32}", re.IGNORECASE),
        re.compile(r"(?:AC|XY)[a-z0-9]{32}"),
        re.compile(r"AC[a-z0-9]{32}|XY[a-z0-9]{32}"),
        re.compile(r"AC?[a-z0-9]{32}"),
    ],
    ids=["ignorecase", "other prefix", "alternation", "optional prefix"],
)
def test_cased_hints_must_begin_every_pattern(pattern: re.Pattern[str]) -> None:
    """A rule whose cased prefixes might not begin a match (a case-insensitive pattern, or one
    that starts otherwise, say after an upgrade of detect-secrets) is refused at import."""
    with pytest.raises(ValueError, match="does not begin with"):
        _Rule("secret.x", ("ac",), (pattern,), cased=("AC",))
