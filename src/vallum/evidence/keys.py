"""Ed25519 keys for signed checkpoints, in the signed-note text encodings (c2sp.org/signed-note).

    signing key:  PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 || 32-byte seed)>
    verifier key: <name>+<key id, 8 hex>+<base64(0x01 || 32-byte public key)>

The same strings Go's `golang.org/x/mod/sumdb/note` reads, so its tools verify our checkpoints.
The key name is the log's origin (c2sp.org/tlog-checkpoint: the key name SHOULD match it). The
key id is SHA-256(name || 0x0A || 0x01 || public key)[:4]. Only `cryptography` (a core
dependency) is needed: verification runs without the rest of Vallum.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from vallum.exceptions import ConfigError
from vallum.settings import Settings

ED25519 = 0x01
# A name is a schema-less URL-like string: no spaces, no '+', no control characters.
_NAME = re.compile(r"^[^\s+\x00-\x1f\x7f]{1,200}$")
ENV_KEY = "VALLUM_SIGNING_KEY"
ENV_KEY_FILE = "VALLUM_SIGNING_KEY_FILE"


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public).digest()[:4]


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(
            f"key name {name!r} must be 1-200 characters without spaces or '+' "
            "(a schema-less URL such as example.com/vallum-log)"
        )
    return name


@dataclass(frozen=True, slots=True)
class VerifierKey:
    name: str
    id: bytes
    public: bytes

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def encode(self) -> str:
        blob = base64.b64encode(bytes([ED25519]) + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str, *, source: str = "verifier key") -> VerifierKey:
        name, public = _split(text.strip(), source, private=False)
        return cls(name, key_id(name, public), public)


@dataclass(frozen=True, slots=True)
class SigningKey:
    name: str
    seed: bytes

    @property
    def verifier(self) -> VerifierKey:
        public = self._key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return VerifierKey(self.name, key_id(self.name, public), public)

    def sign(self, message: bytes) -> bytes:
        return self._key().sign(message)

    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def encode(self) -> str:
        blob = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.id.hex()}+{blob}"

    @classmethod
    def generate(cls, name: str) -> SigningKey:
        return cls(check_name(name), os.urandom(32))

    @classmethod
    def parse(cls, text: str, *, source: str = "signing key") -> SigningKey:
        text = text.strip()
        if not text.startswith("PRIVATE+KEY+"):
            raise ConfigError(f"{source}: not a signing key (expected PRIVATE+KEY+NAME+ID+KEY)")
        name, seed = _split(text[len("PRIVATE+KEY+") :], source, private=True)
        return cls(name, seed)


def _split(text: str, source: str, *, private: bool) -> tuple[str, bytes]:
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise ConfigError(f"{source}: expected NAME+ID+KEY, got {len(parts)} '+'-separated parts")
    name, hex_id, blob = parts
    check_name(name)
    try:
        raw = base64.b64decode(blob, validate=True)
        wanted = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{source}: key id or key is not hex/base64: {exc}") from None
    if len(raw) != 33 or raw[0] != ED25519:
        raise ConfigError(f"{source}: not an Ed25519 key (type byte 0x01 and 32 bytes)")
    key = raw[1:]
    public = (
        Ed25519PrivateKey.from_private_bytes(key)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
        if private
        else key
    )
    if key_id(name, public) != wanted:
        raise ConfigError(f"{source}: key id {hex_id} does not match the key and name")
    return name, key


def load_signing_key(path: str | Path | None, env: Mapping[str, str] | None = None) -> SigningKey:
    """The signing key from `path`, else `VALLUM_SIGNING_KEY` (the key text) or
    `VALLUM_SIGNING_KEY_FILE` (a path); ConfigError naming what is missing or wrong."""
    settings = Settings.from_env(env)
    if path is None and settings.signing_key:
        return SigningKey.parse(settings.signing_key, source=ENV_KEY)
    path = path or settings.signing_key_file
    if path is None:
        raise ConfigError(
            f"no signing key: pass --key PATH or set {ENV_KEY} / {ENV_KEY_FILE} "
            "(create one with `vallum audit keygen`)"
        )
    return SigningKey.parse(_read(Path(path)), source=str(path))


def load_verifier_key(path: str | Path) -> VerifierKey:
    """A verifier key file (`vallum audit keygen` writes NAME.pub); a signing key file works too
    (its public half is used)."""
    text = _read(Path(path))
    if text.strip().startswith("PRIVATE+KEY+"):
        return SigningKey.parse(text, source=str(path)).verifier
    return VerifierKey.parse(text, source=str(path))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read key file {path}: {exc}") from exc
