"""Encoded values (issue 12): the pii and secrets detectors read base64, hex and
quoted-printable runs as the text they decode to, and a finding there spans the whole run; runs
that decode to noise (hashes, ids, tokens, binary) are left alone."""

from __future__ import annotations

import base64

import pytest

from vallum.detectors.encoded import decoded_runs
from vallum.detectors.pii import PiiDetector
from vallum.detectors.secrets import SecretsDetector
from vallum.model import Finding, Stage

CARD = "4111 1111 1111 1111"
KEY = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EMAIL = "bob.smith@corp.example.org"
QP = "".join(f"={b:02X}" for b in CARD.encode())


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def found(text: str) -> list[tuple[str, str]]:
    """(type, covered text) of every finding of both detectors."""
    findings: list[Finding] = [
        *PiiDetector().detect(text, Stage.OUTPUT),
        *SecretsDetector().detect(text, Stage.OUTPUT),
    ]
    return sorted((f.type, text[f.start : f.end]) for f in findings)


def textwrap_76(text: str) -> list[str]:
    return [text[i : i + 76] for i in range(0, len(text), 76)]


ENCODED = {
    "base64 card": ("card " + b64(CARD) + " thanks", "pii.payment_card", b64(CARD)),
    "base64 card, no padding": (b64(CARD + "!").rstrip("="), "pii.payment_card", b64(CARD + "!").rstrip("=")),
    "URL-safe base64 email": (base64.urlsafe_b64encode(f"to {EMAIL}??".encode()).decode(), "pii.email", None),
    "base64 of card and words": (b64(f"the card is {CARD}, exp 12/27"), "pii.payment_card", None),
    "hex card": ("ref " + CARD.encode().hex(), "pii.payment_card", CARD.encode().hex()),
    "upper-case hex email": (EMAIL.encode().hex().upper(), "pii.email", None),
    "quoted-printable card": ("n: " + QP, "pii.payment_card", QP),
    "base64 AWS key": ("creds: " + b64(KEY), "secret.aws_access_key", b64(KEY)),
    "base64 credentials file": (b64(f"[default]\n{AWS_SECRET}\n"), "secret.aws_secret_key", None),
    "wrapped base64 (76 a line)": ("\n".join(textwrap_76(b64(("filler " * 12) + CARD))), "pii.payment_card", None),
}  # fmt: skip


@pytest.mark.parametrize(("text", "kind", "span"), ENCODED.values(), ids=ENCODED.keys())
def test_an_encoded_value_is_found_and_spans_its_whole_run(
    text: str, kind: str, span: str | None
) -> None:
    """The decoded value is found, and the finding covers the encoded run (all of it when the
    text is the run)."""
    hits = [covered for t, covered in found(text) if t == kind]
    expected = span if span is not None else text.strip()
    assert [expected] == [h.strip() for h in hits]


NOISE = [
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "commit 9c0af92e62da86dae9b88433e5f6e5153f6ce6ed on main",
    "id 123e4567-e89b-12d3-a456-426614174000",
    "token " + base64.b64encode(bytes(range(7, 250, 7))).decode(),
    "png " + base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00").decode(),
    "see /orders/ORD-12345678/items/abcdefghijklmnop and internationalization",
    "hex of plain words " + b"hello world, nothing to see".hex(),
    "base64 of plain words " + b64("the parcel left the warehouse on Tuesday"),
    "base64 inside base64 is one level: " + b64(b64(CARD)),
    "a=b=c=d and 5=5 and =2=3",
    "misaligned: card" + b64(CARD),
]


@pytest.mark.parametrize("text", NOISE)
def test_runs_that_hold_no_data_give_nothing(text: str) -> None:
    """Hashes, ids, random and binary tokens, plain words encoded, two levels of base64 and
    a run that starts early (the documented limits) give no finding."""
    assert [] == found(text)


def test_decoded_runs_are_linear_and_one_level() -> None:
    """Each run is decoded once: a text of many runs gives one decoding per run, none nested."""
    text = " ".join(b64(f"line {i} of the report, nothing else") for i in range(2000))
    runs = list(decoded_runs(text))
    assert (2000, {"line"}) == (len(runs), {d.split()[0] for _, _, d in runs})


def test_invalid_base64_is_not_read() -> None:
    """A run whose length no base64 can have is not decoded (and nothing raises)."""
    run = b64(CARD).rstrip("=")[:25]
    assert (1, []) == (len(run) % 4, list(decoded_runs(run)))
