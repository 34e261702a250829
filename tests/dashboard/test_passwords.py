"""Dashboard passwords: argon2id hashes that verify, refuse what does not match or is malformed,
say when they need remaking, and cost an unknown user what a known one costs."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from vallum.bundle.dashboard import DashboardConfig, DashboardUser
from vallum.dashboard.auth import Sessions
from vallum.dashboard.passwords import Passwords, hash_password, verify_password

# Small parameters keep the tests quick; the defaults are argon2-cffi's.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class CountingHasher(PasswordHasher):
    """A PasswordHasher that records which hashes it verified against."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(str(hash))
        return super().verify(hash, password)


def test_a_hash_verifies_its_password_only() -> None:
    """The right password verifies; a wrong one does not; each hash has its own salt."""
    stored = hash_password("correct horse battery")
    assert (True, False, True) == (
        verify_password("correct horse battery", stored),
        verify_password("correct horse batterY", stored),
        stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"),
    )
    assert stored != hash_password("correct horse battery")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "not a hash",
        "$argon2id$v=19$m=65536,t=3,p=4$broken",
        "scrypt$16384$8$1$c2FsdA==$aGFzaA==",  # the unreleased format before argon2
    ],
)
def test_a_malformed_hash_never_verifies(stored: str) -> None:
    """Garbage, a truncated hash or the old scrypt format is False, not an exception."""
    assert False is Passwords(FAST).verify("anything", stored)


def test_a_hash_with_other_parameters_needs_rehash() -> None:
    """A hash made with weaker parameters still verifies, and says it should be remade."""
    weak = Passwords(FAST).hash("correct horse battery")
    default = Passwords()
    assert (True, True, False) == (
        default.verify("correct horse battery", weak),
        default.needs_rehash(weak),
        default.needs_rehash(default.hash("x")),
    )


def test_an_unknown_user_costs_one_verification() -> None:
    """A login with an unknown name verifies against a dummy hash of the same parameters, made
    once per Passwords, so a wrong name takes as long as a wrong password."""
    hasher = CountingHasher()
    config = DashboardConfig(
        users={"fiona": DashboardUser(principal="user:fiona", password_hash=FAST.hash("pw"))}
    )
    sessions = Sessions(config, admin_token=None, secret="k", passwords=Passwords(hasher))
    results = [sessions.check_login(name, "guess") for name in ("nobody", "nobody2", "fiona")]
    known = config.users["fiona"].password_hash
    assert ([None, None, None], 3, known) == (results, len(hasher.verified), hasher.verified[2])
    assert hasher.verified[0] == hasher.verified[1] != known


def test_the_right_password_logs_in() -> None:
    """A known user with the right password gets a session as their principal."""
    config = DashboardConfig(
        users={"fiona": DashboardUser(principal="user:fiona", password_hash=FAST.hash("pw"))}
    )
    sessions = Sessions(config, admin_token=None, secret="k", passwords=Passwords(FAST))
    user = sessions.check_login("fiona", "pw")
    assert user is not None
    assert ("fiona", "user:fiona") == (user.login, user.principal)


def test_the_bundle_refuses_a_hash_that_is_not_argon2id() -> None:
    """`dashboard.users.NAME.password_hash` must be an argon2id hash."""
    with pytest.raises(ValueError, match="argon2id"):
        DashboardUser(principal="user:fiona", password_hash="scrypt$16384$8$1$a$b")
