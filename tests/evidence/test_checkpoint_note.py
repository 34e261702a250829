"""Keys and signed checkpoints in the C2SP signed-note format: round trips, and every forgery
named (altered text, another key with the same name, another log's origin, malformed notes)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from vallum.evidence.checkpoint import open_checkpoint, sign
from vallum.evidence.keys import SigningKey, VerifierKey, key_id, load_signing_key
from vallum.exceptions import CheckpointError, ConfigError

ROOT = hashlib.sha256(b"root").digest()


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate("vallum.test/log")


def test_format_is_the_c2sp_one(key: SigningKey) -> None:
    """Origin, size, base64 root, blank line, `— name base64(keyid || sig)`; the signature is
    Ed25519 over exactly the note text, checked here with `cryptography` directly."""
    cp = sign("vallum.test/log", 7, ROOT, key)
    body = f"vallum.test/log\n7\n{base64.b64encode(ROOT).decode()}\n"
    assert cp.text.startswith(body + "\n\u2014 vallum.test/log ")
    raw = base64.b64decode(cp.text.rsplit(" ", 1)[1])
    public = key.verifier.public
    assert raw[:4] == hashlib.sha256(b"vallum.test/log\n\x01" + public).digest()[:4]
    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], body.encode())
    assert open_checkpoint(cp.text, key.verifier).size == 7


def test_key_text_round_trip(key: SigningKey) -> None:
    assert SigningKey.parse(key.encode()) == key
    assert VerifierKey.parse(key.verifier.encode()) == key.verifier
    assert key.verifier.encode().startswith("vallum.test/log+")
    assert key_id(key.name, key.verifier.public) == key.verifier.id


def test_a_key_text_with_a_wrong_id_or_type_is_refused(key: SigningKey) -> None:
    name, hex_id, blob = key.verifier.encode().split("+", 2)
    with pytest.raises(ConfigError, match="does not match"):
        VerifierKey.parse(f"other.log+{hex_id}+{blob}")
    other_type = base64.b64encode(bytes([2]) + base64.b64decode(blob)[1:]).decode()
    with pytest.raises(ConfigError, match="Ed25519"):
        VerifierKey.parse(f"{name}+{hex_id}+{other_type}")
    with pytest.raises(ConfigError, match="name"):
        SigningKey.generate("has space")


def test_signing_key_from_env_or_file(key: SigningKey, tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text(key.encode())
    assert load_signing_key(None, {"VALLUM_SIGNING_KEY": key.encode()}) == key
    assert load_signing_key(None, {"VALLUM_SIGNING_KEY_FILE": str(path)}) == key
    assert load_signing_key(path, {}) == key
    with pytest.raises(ConfigError, match="no signing key"):
        load_signing_key(None, {})


def test_forged_with_another_key_of_the_same_name(key: SigningKey) -> None:
    forger = SigningKey.generate("vallum.test/log")
    forged = sign("vallum.test/log", 7, ROOT, forger)
    with pytest.raises(CheckpointError, match=r"not signed by vallum\.test/log"):
        open_checkpoint(forged.text, key.verifier)


def test_forged_signature_under_the_right_key_id(key: SigningKey) -> None:
    """The attacker copies the key id but cannot make the signature."""
    forger = SigningKey.generate("vallum.test/log")
    text = sign("vallum.test/log", 7, ROOT, forger).text
    body, _, line = text.rpartition("\n\n")
    raw = base64.b64decode(line.rsplit(" ", 1)[1])
    forged = (
        f"{body}\n\n\u2014 vallum.test/log {base64.b64encode(key.verifier.id + raw[4:]).decode()}\n"
    )
    with pytest.raises(CheckpointError, match="does not verify"):
        open_checkpoint(forged, key.verifier)


@pytest.mark.parametrize(
    ("old", "new"),
    [("\n7\n", "\n8\n"), ("\n7\n", "\n07\n"), ("vallum.test/log\n", "vallum.test/log \n")],
)
def test_altered_text_fails(key: SigningKey, old: str, new: str) -> None:
    text = sign("vallum.test/log", 7, ROOT, key).text.replace(old, new, 1)
    with pytest.raises(CheckpointError):
        open_checkpoint(text, key.verifier)


def test_checkpoint_of_another_log(key: SigningKey) -> None:
    other = SigningKey.generate("vallum.test/other")
    cp = sign("vallum.test/other", 7, ROOT, other)
    with pytest.raises(CheckpointError, match="different log"):
        open_checkpoint(cp.text, key.verifier)
    with pytest.raises(CheckpointError, match="cannot sign"):
        sign("vallum.test/log", 1, ROOT, other)


def test_cosignatures_of_other_keys_are_ignored(key: SigningKey) -> None:
    witness = SigningKey.generate("witness.test/w1")
    cp = sign("vallum.test/log", 7, ROOT, key)
    body = cp.text.split("\n\n")[0] + "\n"
    sig = base64.b64encode(witness.verifier.id + witness.sign(body.encode())).decode()
    cosigned = f"{cp.text}\u2014 witness.test/w1 {sig}\n"
    assert open_checkpoint(cosigned, key.verifier).root == ROOT
    only_witness = f"{body}\n\u2014 witness.test/w1 {sig}\n"
    with pytest.raises(CheckpointError, match="not signed by"):
        open_checkpoint(only_witness, key.verifier)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "vallum.test/log\n7\n",
        "vallum.test/log\n-1\nAAAA\n\n\u2014 x y\n",
        "vallum.test/log\n7\nnot base64!\n\n\u2014 x y\n",
        "vallum.test/log\n7\n" + base64.b64encode(b"short").decode() + "\n\n\u2014 x y\n",
        "vallum.test/log\n\x017\nAAAA\n\n\u2014 x y\n",
    ],
)
def test_malformed_notes_are_refused(key: SigningKey, text: str) -> None:
    with pytest.raises(CheckpointError):
        open_checkpoint(text, key.verifier)
