"""Password hashes for dashboard users: argon2id, through argon2-cffi's `PasswordHasher`.

A hash is a PHC string that carries its own parameters and salt,
`$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>`, so a hash made with older parameters still
verifies and `Passwords.needs_rehash` says when it should be made again. argon2-cffi compares in
constant time.

The scrypt format used before (`scrypt$16384$8$1$...`) is not read: no version with it was
released, so there are no stored hashes to carry over.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_DUMMY_PASSWORD = "vallum-dummy-password"  # noqa: S105 - hashed to spend time, never accepted


class Passwords:
    """Hashes and checks dashboard passwords with one `PasswordHasher` (argon2-cffi's defaults:
    RFC 9106's second recommended profile, argon2id, 64 MiB, 3 passes, 4 lanes).

    >>> passwords = Passwords()
    >>> passwords.verify("correct horse", passwords.hash("correct horse"))
    True
    """

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher if hasher is not None else PasswordHasher()
        self._dummy: str | None = None  # made on first use: hashing costs what a login does

    def hash(self, password: str) -> str:
        """A new salted argon2id hash of `password`."""
        return self.hasher.hash(password)

    def verify(self, password: str, stored: str) -> bool:
        """Whether `password` matches `stored`; False for a malformed or non-argon2 hash."""
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False  # VerifyMismatchError is a VerificationError

    def needs_rehash(self, stored: str) -> bool:
        """Whether `stored` was made with other parameters than this hasher's."""
        try:
            return self.hasher.check_needs_rehash(stored)
        except (InvalidHashError, ValueError):
            return True

    def burn_time(self, password: str) -> None:
        """Spend what a real check would, for a user that does not exist, so a wrong name costs
        as long as a wrong password."""
        if self._dummy is None:
            self._dummy = self.hash(_DUMMY_PASSWORD)
        self.verify(password, self._dummy)


def hash_password(password: str) -> str:
    """An argon2id hash of `password` with the default parameters (`vallum dashboard
    hash-password` prints one for `dashboard.users.NAME.password_hash`)."""
    return Passwords().hash(password)


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored` (any argon2 hash); False for anything malformed."""
    return Passwords().verify(password, stored)
