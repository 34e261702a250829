"""Pattern checks for JavaScript and TypeScript: JWT, randomness, crypto, CORS, cookies, errors,
hard-coded secrets and template escaping turned off."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from vallum.review.checks.credentials import plausible_secret
from vallum.review.checks.crypto import HASH_CONTEXT, SECRETISH
from vallum.review.checks.web import SENSITIVE_COOKIE
from vallum.review.findings import Finding, Severity
from vallum.review.js.objects import has_key
from vallum.review.js.parse import (
    JsModule,
    Node,
    call_args,
    call_name,
    object_props,
    string_value,
    walk,
)

WEAK_HASHES = frozenset({"md5", "sha1", "md4", "ripemd160"})
WEAK_CIPHER = re.compile(r"^(des|des-ede|des-ede3|rc4|rc2|bf|blowfish|cast)|-ecb$", re.I)
PASSWORDISH = re.compile(r"passw|pwd|passphrase", re.I)
RESPONSE_CALL = re.compile(
    r"^(res|response|reply|ctx)\b.*\.(send|json|end|write)$|NextResponse\.json$"
)
JWT_MODULES = ("jsonwebtoken.", "jwt.")
COOKIE_FLAGS = ("httpOnly", "secure", "sameSite")


def check(m: JsModule, jwt_safe_defaults: bool = False) -> list[Finding]:
    """Pattern findings of one module; `jwt_safe_defaults` when jsonwebtoken >= 9 is declared."""
    out: list[Finding] = []
    for node in m.nodes():
        if node.type in {"call_expression", "new_expression"}:
            found = _call(m, node)
            if jwt_safe_defaults:
                found = [f for f in found if f.rule != "js.jwt-algorithms"]
            out.extend(found)
        elif node.type in {"variable_declarator", "pair", "assignment_expression"}:
            out.extend(_secret(m, node))
    return out


MONGO_DRIVERS = frozenset({"mongodb", "mongoose", "monk", "mongojs", "@typegoose/typegoose"})


def manifests(sources: dict[str, bytes]) -> list[dict[str, object]]:
    """The dependency tables of every package.json in the review."""
    tables: list[dict[str, object]] = []
    for rel, data in sources.items():
        if rel.rsplit("/", 1)[-1] != "package.json":
            continue
        try:
            manifest = json.loads(data)
        except ValueError:
            continue
        for section in ("dependencies", "devDependencies", "peerDependencies"):
            table = manifest.get(section) if isinstance(manifest, dict) else None
            if isinstance(table, dict):
                tables.append(table)
    return tables


def mongo_possible(sources: dict[str, bytes]) -> bool:
    """No manifest to tell, or one names a MongoDB driver: `find({...})` may be a Mongo query."""
    tables = manifests(sources)
    return not tables or any(MONGO_DRIVERS & set(t) for t in tables)


def jwt_safe_defaults(sources: dict[str, bytes]) -> bool:
    """Every package.json of the review that names jsonwebtoken asks for 9 or later: its
    `verify()` then refuses `none` and algorithms of another key type unless told otherwise."""
    majors: list[int] = []
    for table in manifests(sources):
        wanted = table.get("jsonwebtoken")
        if isinstance(wanted, str):
            major = re.search(r"\d+", wanted)
            majors.append(int(major.group()) if major else 0)
    return bool(majors) and min(majors) >= 9


def js_finding(m: JsModule, rule: str, cwe: int, sev: Severity, node: Node, msg: str) -> Finding:
    line = node.start_point[0] + 1
    return Finding(
        rule,
        cwe,
        sev,
        m.path,
        line,
        msg,
        column=node.start_point[1] + 1,
        end_line=node.end_point[0] + 1,
        snippet=m.snippet(line),
    )


def _call(m: JsModule, node: Node) -> list[Finding]:
    name = call_name(m, node)
    args = call_args(node)
    out: list[Finding] = []
    if name.startswith(JWT_MODULES) or name in {"jsonwebtoken.default.verify"}:
        method = name.rpartition(".")[2]
        if method == "decode":
            found = js_finding(
                m,
                "js.jwt-decode",
                347,
                Severity.HIGH,
                node,
                "jwt.decode() reads a token without verifying its signature",
            )
            # Reading `exp` or `iss` before verifying elsewhere is routine; taking the caller's
            # identity (`sub`, `role`, ...) from an unverified token is the flaw.
            out.append(found if _identity_read(m, node) else replace(found, confidence=0.5))
        elif method == "verify" and not has_key(
            m, args[2] if len(args) > 2 else None, "algorithms"
        ):
            out.append(
                js_finding(
                    m,
                    "js.jwt-algorithms",
                    347,
                    Severity.HIGH,
                    node,
                    "jwt.verify() without `algorithms` accepts whatever the token names",
                )
            )
    elif name == "Math.random" and SECRETISH.search(_purpose(m, node)):
        out.append(
            js_finding(
                m,
                "js.weak-random",
                330,
                Severity.HIGH,
                node,
                f"Math.random() used for a security value ({_purpose(m, node)})",
            )
        )
    elif name.endswith("createHash") and args:
        algo = (string_value(m, args[0]) or "").lower()
        if algo in WEAK_HASHES:
            found = js_finding(m, "js.weak-hash", 328, Severity.MEDIUM, node, f"weak hash {algo}")
            if not HASH_CONTEXT.search(_purpose(m, node) + m.text(node.parent)):
                found = replace(found, confidence=0.5)  # a checksum or an ETag, most likely
            out.append(found)
        elif PASSWORDISH.search(m.text(node.parent)) and algo.startswith("sha"):
            out.append(
                js_finding(
                    m,
                    "js.fast-password-hash",
                    916,
                    Severity.HIGH,
                    node,
                    f"{algo} is too fast for passwords; use scrypt, argon2 or bcrypt",
                )
            )
    elif name.endswith(("createCipheriv", "createCipher", "createDecipheriv")) and args:
        algo = string_value(m, args[0]) or ""
        if WEAK_CIPHER.search(algo) or name.endswith("createCipher"):
            out.append(
                js_finding(
                    m,
                    "js.weak-cipher",
                    327,
                    Severity.HIGH,
                    node,
                    f"weak or deprecated cipher {algo or name}",
                )
            )
    elif name == "cors" or name.endswith(".cors"):
        opts = object_props(m, args[0] if args else None)
        origin = m.text(opts.get("origin")) if "origin" in opts else ""
        if m.text(opts.get("credentials")) == "true" and origin in {"true", '"*"', "'*'"}:
            out.append(
                js_finding(
                    m,
                    "js.cors-credentials",
                    942,
                    Severity.HIGH,
                    node,
                    "CORS reflects any origin and allows credentials",
                )
            )
    elif name.endswith(".cookie") and name.split(".")[0] in {"res", "response", "reply", "ctx"}:
        given = _options(m, args[2]) if len(args) > 2 else None
        opts = object_props(m, given)
        # Options we cannot read (imported, spread in) may set a flag; `false` still unsets it.
        unknown = len(args) > 2 and (given is None or _spreads(given))
        unset = {"false"} if unknown else {"", "false"}
        missing = [f for f in COOKIE_FLAGS if m.text(opts.get(f)) in unset]
        if missing:
            found = js_finding(
                m,
                "js.cookie-flags",
                614,
                Severity.MEDIUM,
                node,
                f"cookie set without {', '.join(missing)}",
            )
            named = " ".join(m.text(a) for a in args[:2])
            out.append(found if SENSITIVE_COOKIE.search(named) else replace(found, confidence=0.5))
    elif (
        name.endswith(".compile")
        and len(args) > 1
        and m.text(object_props(m, args[1]).get("noEscape")) == "true"
    ):
        out.append(
            js_finding(
                m,
                "js.template-noescape",
                79,
                Severity.HIGH,
                node,
                "template compiled with HTML escaping turned off",
            )
        )
    if RESPONSE_CALL.search(name) and any(".stack" in m.text(a) for a in args):
        out.append(
            js_finding(
                m, "js.stack-trace", 209, Severity.MEDIUM, node, "stack trace sent in the response"
            )
        )
    return out


IDENTITY_CLAIMS = frozenset(
    {"sub", "id", "uid", "user", "userId", "user_id", "username", "email", "role", "roles",
     "admin", "isAdmin", "scope", "scopes", "permissions", "groups", "tenant", "account"}
)  # fmt: skip


def _identity_read(m: JsModule, call: Node) -> bool:
    """The decoded claims are read for who the caller is: `claims.sub`, `{ role } = ...`."""
    parent = call.parent
    while parent is not None and parent.type in {"await_expression", "parenthesized_expression"}:
        parent = parent.parent
    if parent is None:
        return False
    if parent.type == "member_expression":
        return m.text(parent.child_by_field_name("property")) in IDENTITY_CLAIMS
    if parent.type != "variable_declarator":
        return False
    target = parent.child_by_field_name("name")
    if target is not None and target.type == "object_pattern":
        keys = {m.text(p.child_by_field_name("key") or p) for p in target.named_children}
        return bool(keys & IDENTITY_CLAIMS)
    name = m.text(target)
    scope = parent
    while scope.parent is not None and scope.type not in {"statement_block", "program"}:
        scope = scope.parent
    return any(
        node.type == "member_expression"
        and m.text(node.child_by_field_name("object")) == name
        and m.text(node.child_by_field_name("property")) in IDENTITY_CLAIMS
        for node in walk(scope)
    )


def _options(m: JsModule, node: Node) -> Node | None:
    """An options object: written inline, or a module-level `const NAME = { ... }`; else None."""
    if node.type == "object":
        return node
    if node.type != "identifier":
        return None
    name = m.text(node)
    for stmt in m.root.named_children:
        if stmt.type in {"export_statement"} and stmt.named_children:
            stmt = stmt.named_children[0]
        if stmt.type not in {"lexical_declaration", "variable_declaration"}:
            continue
        for decl in stmt.named_children:
            value = decl.child_by_field_name("value")
            if m.text(decl.child_by_field_name("name")) == name and value is not None:
                return value if value.type == "object" else None
    return None


def _spreads(node: Node) -> bool:
    return any(c.type == "spread_element" for c in node.named_children)


def _purpose(m: JsModule, node: Node) -> str:
    """The variable, property or function a value is computed for."""
    current: Node | None = node
    while current is not None:
        if current.type in {"variable_declarator", "pair", "assignment_expression"}:
            target = (
                current.child_by_field_name("name")
                or current.child_by_field_name("key")
                or current.child_by_field_name("left")
            )
            return m.text(target)
        if current.type in {"function_declaration", "method_definition"}:
            return m.text(current.child_by_field_name("name"))
        current = current.parent
    return ""


def _secret(m: JsModule, node: Node) -> list[Finding]:
    target = (
        node.child_by_field_name("name")
        or node.child_by_field_name("key")
        or (node.child_by_field_name("left"))
    )
    value = node.child_by_field_name("value") or node.child_by_field_name("right")
    name = (string_value(m, target) or m.text(target)).rpartition(".")[2]
    secret = string_value(m, value)
    if secret is None or len(secret) < 8 or secret.startswith("http"):
        return []
    if not plausible_secret(name, secret):
        return []
    return [
        js_finding(
            m, "secrets.hard-coded", 798, Severity.HIGH, node, f"hard-coded credential in '{name}'"
        )
    ]
