"""Weak hashes, ciphers, key sizes, randomness and TLS verification (CWE-327/328/330/326/295)."""

from __future__ import annotations

import re

from vallum.review.checks.base import Facts
from vallum.review.findings import Finding, Severity
from vallum.review.parse import Module, Node, arguments, call_name, literal, string_value, walk

WEAK_HASHES = frozenset(
    {
        "hashlib.md5",
        "hashlib.sha1",
        "Crypto.Hash.MD5.new",
        "Crypto.Hash.SHA.new",
        "cryptography.hazmat.primitives.hashes.MD5",
        "cryptography.hazmat.primitives.hashes.SHA1",
    }
)
FAST_HASHES = frozenset(
    {
        "hashlib.sha256",
        "hashlib.sha512",
        "hashlib.sha224",
        "hashlib.sha384",
        "hashlib.sha3_256",
        "hashlib.blake2b",
        *WEAK_HASHES,
    }
)
WEAK_CIPHERS = (
    "Crypto.Cipher.DES",
    "Crypto.Cipher.DES3",
    "Crypto.Cipher.ARC4",
    "Crypto.Cipher.ARC2",
    "Crypto.Cipher.Blowfish",
    "Cryptodome.Cipher.DES",
    "Cryptodome.Cipher.ARC4",
    "cryptography.hazmat.primitives.ciphers.algorithms.TripleDES",
    "cryptography.hazmat.primitives.ciphers.algorithms.ARC4",
    "cryptography.hazmat.primitives.ciphers.algorithms.Blowfish",
    "cryptography.hazmat.primitives.ciphers.modes.ECB",
)
RANDOM_CALLS = frozenset(
    {
        "random.random",
        "random.randint",
        "random.choice",
        "random.choices",
        "random.randrange",
        "random.getrandbits",
        "random.sample",
        "random.uniform",
        "random.shuffle",
        "numpy.random.randint",
    }
)
SECRETISH = re.compile(
    r"token|passw|secret|otp|nonce|salt|session|api_?key|reset|csrf|"
    r"verification|auth|code|pin\b|(secret|private|signing|access|encryption|master)_?key",
    re.IGNORECASE,
)
PASSWORDISH = re.compile(r"passw|pwd|passphrase", re.IGNORECASE)
TLS_CLIENTS = ("requests.", "httpx.", "aiohttp.", "urllib3.")


def check(facts: Facts) -> list[Finding]:
    out: list[Finding] = []
    m = facts.module
    for name, call in facts.calls:
        pos, kw = arguments(call)
        if (
            (
                name in WEAK_HASHES
                or (
                    name == "hashlib.new"
                    and pos
                    and (
                        (string_value(m, pos[0]) or "").lower()
                        in {"md5", "sha1", "md4", "md5-sha1"}
                    )
                )
            )
            and literal(m, kw.get("usedforsecurity")) != "False"
            and not _fresh_random(facts, call)
        ):
            # Certain where it protects something; elsewhere (checksums, cache keys, ETags)
            # kept at confidence 0.5 so `--min-confidence 0.6` drops it.
            confidence = 1.0 if _hash_context(facts, call, pos) else 0.5
            out.append(
                facts.finding(
                    "crypto.weak-hash",
                    328,
                    Severity.MEDIUM,
                    call,
                    f"{name}() is a broken hash; use SHA-256 or better",
                    confidence,
                )
            )
        if name in FAST_HASHES and any(PASSWORDISH.search(m.text(a)) for a in pos):
            out = [f for f in out if not (f.rule == "crypto.weak-hash" and f.line == _line(call))]
            out.append(
                facts.finding(
                    "crypto.fast-password-hash",
                    916,
                    Severity.HIGH,
                    call,
                    f"password hashed with {name}(); use bcrypt, scrypt, "
                    "argon2 or hashlib.pbkdf2_hmac",
                )
            )
        if name.startswith(WEAK_CIPHERS) or (
            name.endswith(("AES.new", "Cipher.AES.new")) and "MODE_ECB" in m.text(call)
        ):
            out.append(
                facts.finding(
                    "crypto.weak-cipher",
                    327,
                    Severity.HIGH,
                    call,
                    f"{name}() is a broken cipher or mode",
                )
            )
        if name in RANDOM_CALLS and _security_context(facts, call):
            out.append(
                facts.finding(
                    "crypto.weak-random",
                    338,
                    Severity.MEDIUM,
                    call,
                    f"{name}() is predictable; use the secrets module "
                    "for tokens, passwords and keys",
                )
            )
        if name.endswith(("generate_private_key", "RSA.generate", "DSA.generate")):
            size = literal(
                m,
                kw.get("key_size")
                or kw.get("bits")
                or (
                    pos[0]
                    if name.endswith(".generate") and pos
                    else pos[1]
                    if len(pos) > 1
                    else None
                ),
            )
            if size.isdigit() and int(size) < 2048:
                out.append(
                    facts.finding(
                        "crypto.short-key",
                        326,
                        Severity.HIGH,
                        call,
                        f"{size}-bit key is too short; use 2048 or more",
                    )
                )
        if name.startswith(TLS_CLIENTS) and literal(m, kw.get("verify")) == "False":
            out.append(
                facts.finding(
                    "tls.verify-disabled",
                    295,
                    Severity.HIGH,
                    call,
                    "TLS certificate verification disabled (verify=False)",
                )
            )
        if name in {"ssl._create_unverified_context", "ssl._create_stdlib_context"}:
            out.append(
                facts.finding(
                    "tls.verify-disabled",
                    295,
                    Severity.HIGH,
                    call,
                    f"{name}() does not verify certificates",
                )
            )
    for node in facts.assignments:
        left = m.text(node.child_by_field_name("left"))
        right = m.text(node.child_by_field_name("right"))
        if (left.endswith("check_hostname") and right == "False") or (
            left.endswith("verify_mode") and right.endswith("CERT_NONE")
        ):
            out.append(
                facts.finding(
                    "tls.verify-disabled",
                    295,
                    Severity.HIGH,
                    node,
                    "TLS certificate or host name verification disabled",
                )
            )
    return out


# A hash protects something in these contexts; elsewhere MD5/SHA-1 are usually checksums, cache
# keys and ETags (SQLite's md5() function, a template cache key): reported at lower confidence.
HASH_CONTEXT = re.compile(
    r"passw|pwd|secret|token|sign|auth|session|nonce|salt|otp|cred|hmac|cert|verif|api_?key|"
    r"private|integrity|csrf",
    re.IGNORECASE,
)


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _hash_context(facts: Facts, call: Node, args: list[Node]) -> bool:
    m = facts.module
    if any(HASH_CONTEXT.search(m.text(a)) for a in args):
        return True
    parent = call.parent
    while parent is not None and parent.type not in {"assignment", "function_definition"}:
        parent = parent.parent
    if (
        parent is not None
        and parent.type == "assignment"
        and HASH_CONTEXT.search(m.text(parent.child_by_field_name("left")))
    ):
        return True
    func = facts.enclosing(call)
    return func is not None and bool(HASH_CONTEXT.search(func.name))


# Fresh output of the operating system's CSPRNG: hashing only this leaves nothing to collide
# or guess (OctoPrint's `sha1(os.urandom(64))` CSRF token), whatever the hash.
CSPRNG_CALLS = frozenset(
    {
        "os.urandom",
        "secrets.token_bytes",
        "secrets.token_hex",
        "secrets.token_urlsafe",
        "secrets.randbits",
        "uuid.uuid4",
    }
)
# Other ways of binding a name: any of them makes its value unknown here.
_BINDS = frozenset(
    {
        "for_statement",
        "for_in_clause",
        "as_pattern_target",
        "named_expression",
        "pattern_list",
        "tuple_pattern",
        "list_pattern",
        "global_statement",
        "nonlocal_statement",
        "parameters",
        "default_parameter",
        "typed_parameter",
        "typed_default_parameter",
    }
)


def _fresh_random(facts: Facts, call: Node) -> bool:
    """The hash's one input is CSPRNG output, directly or through a name only ever bound to it."""
    pos, kw = arguments(call)
    if len(pos) != 1 or kw.keys() - {"usedforsecurity"}:
        return False
    func = facts.enclosing(call)
    return _random_value(facts.module, pos[0], func.node if func is not None else None)


def _random_value(m: Module, node: Node, scope: Node | None) -> bool:
    """`os.urandom(n)`, `secrets.token_hex().encode()`, `uuid4().bytes`, `str(...)` of one."""
    func = node.child_by_field_name("function") if node.type == "call" else None
    if func is not None:
        name = call_name(m, node)
        inner = arguments(node)[0]
        if name in CSPRNG_CALLS:
            return True
        if name in {"str", "bytes"} and len(inner) == 1:
            return _random_value(m, inner[0], scope)
        obj = func.child_by_field_name("object") if func.type == "attribute" else None
        return (
            obj is not None
            and name.rpartition(".")[2] in {"encode", "hex"}
            and (_random_value(m, obj, scope))
        )
    if node.type == "attribute":
        obj = node.child_by_field_name("object")
        attr = m.text(node.child_by_field_name("attribute"))
        return obj is not None and attr in {"bytes", "hex"} and _random_value(m, obj, scope)
    if node.type != "identifier" or scope is None:
        return False
    name = m.text(node)
    bound: list[Node | None] = []
    for n in walk(scope):
        if n.type != "identifier" or m.text(n) != name or n.parent is None:
            continue
        parent = n.parent
        if (
            parent.type in {"assignment", "augmented_assignment"}
            and parent.child_by_field_name("left") == n
        ):
            right = parent.child_by_field_name("right")
            bound.append(right if parent.type == "assignment" else None)
        elif parent.type in _BINDS:
            return False
    return bool(bound) and all(r is not None and _random_value(m, r, None) for r in bound)


def _security_context(facts: Facts, node: Node) -> bool:
    """The random value is used for a token, password, key...: judged by nearby names."""
    m = facts.module
    parent = node.parent
    while parent is not None and parent.type not in {
        "assignment",
        "return_statement",
        "function_definition",
        "module",
    }:
        parent = parent.parent
    if (
        parent is not None
        and parent.type == "assignment"
        and SECRETISH.search(m.text(parent.child_by_field_name("left")))
    ):
        return True
    func = facts.enclosing(node)
    return func is not None and bool(SECRETISH.search(func.name))
