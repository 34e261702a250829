"""What each rule id means: a short name, a full description and help text (for SARIF).

Rules from other tools (bandit, zizmor, semgrep, checkov, the LLM reviewer) are described from
their CWE when they have one, so every SARIF rule carries real text, never just its id.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RuleText:
    short: str
    full: str
    help: str


def _r(short: str, full: str, help_text: str) -> RuleText:
    return RuleText(short, full, help_text)


_TAINT_HELP = "Validate or encode the value for this sink, or use the safe API named here."
RULES: dict[str, RuleText] = {
    "taint.sql-injection": _r(
        "SQL injection",
        "Untrusted data is built into an SQL statement.",
        "Pass values as bound parameters (`?`, `$1`, `:name`, tagged templates) instead of "
        "formatting them into the query text.",
    ),
    "taint.nosql-injection": _r(
        "NoSQL operator injection",
        'A request value reaches a MongoDB-style query object, where `{"$ne": null}` matches '
        "every document.",
        "Coerce values to strings or numbers (`String(x)`) or validate them with a schema.",
    ),
    "taint.command-injection": _r(
        "OS command injection",
        "Untrusted data reaches a shell command.",
        "Pass an argument list without a shell (`execFile`, `subprocess.run([...])`) or quote "
        "with `shlex.quote`.",
    ),
    "taint.code-injection": _r(
        "Code injection",
        "Untrusted data is evaluated as code (`eval`, `exec`, `Function`, `vm`).",
        "Never evaluate input; parse it (`json.loads`, `ast.literal_eval`, `JSON.parse`).",
    ),
    "taint.unsafe-deserialization": _r(
        "Unsafe deserialization",
        "Untrusted bytes are deserialized with a format that can run code (pickle, unsafe YAML).",
        "Use JSON or `yaml.safe_load`; never unpickle data from outside.",
    ),
    "taint.path-traversal": _r(
        "Path traversal",
        "Untrusted data chooses a file path.",
        "Resolve the path (`realpath`, `Path.resolve`, `path.resolve`) and check it stays under "
        "the base directory, or keep only the base name.",
    ),
    "taint.open-redirect": _r(
        "Open redirect",
        "Untrusted data chooses where the user is redirected.",
        "Redirect only to an allow-list of paths or hosts (`url_has_allowed_host_and_scheme`); "
        "a leading `/` is not enough (`//evil.example`).",
    ),
    "taint.xss": _r(
        "Cross-site scripting",
        "Untrusted (reflected or stored) data is written into HTML without escaping.",
        "Render through an auto-escaping template, or escape (`html.escape`, `escape-html`, "
        "DOMPurify for HTML fragments).",
    ),
    "taint.template-injection": _r(
        "Server-side template injection",
        "Untrusted data becomes template source.",
        "Keep templates constant and pass user data as template variables.",
    ),
    "taint.xxe": _r(
        "XML external entities",
        "Untrusted XML is parsed by a parser that resolves entities.",
        "Use defusedxml or a parser with entity resolution turned off.",
    ),
    "taint.ldap-injection": _r(
        "LDAP injection",
        "Untrusted data is built into an LDAP filter.",
        "Escape with `escape_filter_chars`.",
    ),
    "taint.xpath-injection": _r(
        "XPath injection",
        "Untrusted data is built into an XPath expression.",
        "Use XPath variables (`xpath('//u[@n=$n]', n=value)`).",
    ),
    "taint.ssrf": _r(
        "Server-side request forgery",
        "Untrusted data chooses the URL of an outbound request.",
        "Allow-list hosts and schemes after parsing the URL; block internal addresses.",
    ),
    "taint.regex-injection": _r(
        "Regular expression injection",
        "Untrusted data becomes a regular expression (ReDoS).",
        "Escape with `re.escape` or use a linear-time engine.",
    ),
    "taint.trust-boundary": _r(
        "Trust boundary violation",
        "Request data is stored in the session, where later code trusts it.",
        "Store only values the server derived or validated (a looked-up id, an allow-listed "
        "choice).",
    ),
    "taint.prototype-pollution": _r(
        "Prototype pollution",
        "A request object is deep-merged into an object (`__proto__` keys reach every object).",
        "Validate the shape first (zod `.strict()`), or copy only known keys.",
    ),
    "secrets.hard-coded": _r(
        "Hard-coded credential",
        "A password, key or token is written in the source.",
        "Read it from the environment or a secret store; rotate the exposed value.",
    ),
    "secrets.detected": _r(
        "Secret in a file",
        "A value with the shape of a real credential (cloud key, token, private key) is in a file.",
        "Remove it, rotate it, and read it from a secret store.",
    ),
    "js.jwt-decode": _r(
        "JWT decoded without verification",
        "`jwt.decode()` returns claims without checking the signature.",
        "Use `jwt.verify(token, key, { algorithms: [...] })`.",
    ),
    "js.jwt-algorithms": _r(
        "JWT verified without algorithms",
        "`jwt.verify()` without `algorithms` lets the token choose its algorithm.",
        'Pass `{ algorithms: ["RS256"] }` (the algorithms you issue).',
    ),
    "js.weak-random": _r(
        "Math.random for a security value",
        "`Math.random()` is predictable; tokens, ids and passwords need a CSPRNG.",
        "Use `crypto.randomBytes`, `crypto.randomUUID` or `crypto.getRandomValues`.",
    ),
    "js.weak-hash": _r("Weak hash", "MD5 or SHA-1 is broken.", "Use SHA-256 or better."),
    "js.fast-password-hash": _r(
        "Fast hash for passwords",
        "A general-purpose hash makes password guessing cheap.",
        "Use scrypt, argon2 or bcrypt.",
    ),
    "js.weak-cipher": _r(
        "Weak cipher",
        "DES, 3DES, RC4, Blowfish, ECB mode or the IV-less `createCipher`.",
        "Use AES-256-GCM with a random IV.",
    ),
    "js.cors-credentials": _r(
        "CORS reflects any origin with credentials",
        "Any site can make credentialed requests and read the answers.",
        "List the allowed origins explicitly.",
    ),
    "js.cookie-flags": _r(
        "Cookie without security flags",
        "A cookie is set without `httpOnly`, `secure` or `sameSite`.",
        'Set `{ httpOnly: true, secure: true, sameSite: "lax" }`.',
    ),
    "js.stack-trace": _r(
        "Stack trace in a response",
        "Error stacks tell an attacker about the code and its dependencies.",
        "Log the stack; answer with a generic message.",
    ),
    "js.template-noescape": _r(
        "Template escaping turned off",
        "A template compiled with `noEscape: true` writes data into HTML unescaped.",
        "Keep escaping on; mark only trusted fragments as safe.",
    ),
    "tm.route-auth": _r(
        "Route without authentication",
        "The threat model requires authentication on this route.",
        "Add the authentication decorator, dependency or middleware, or list the path public.",
    ),
    "tm.upload-type": _r(
        "Upload type not checked",
        "The threat model limits upload types; this handler does not check them.",
        "Check the extension and content type against the allowed list (multer `fileFilter`).",
    ),
    "tm.upload-size": _r(
        "Upload size not limited",
        "The threat model limits upload size; nothing limits it here.",
        "Set a limit (`MAX_CONTENT_LENGTH`, multer `limits.fileSize`).",
    ),
    "tm.ownership": _r(
        "Object fetched without an ownership check",
        "A record is fetched by id without checking it belongs to the caller (IDOR).",
        "Filter by the owner (`where: { id, ownerId: user.id }`) or check it after the lookup.",
    ),
}
CWE_TITLES: dict[int, str] = {
    20: "Improper input validation",
    22: "Path traversal",
    78: "OS command injection",
    79: "Cross-site scripting",
    89: "SQL injection",
    94: "Code injection",
    209: "Error details exposed",
    295: "Certificate validation disabled",
    306: "Missing authentication",
    327: "Broken or risky cryptography",
    328: "Weak hash",
    330: "Insufficiently random values",
    338: "Weak PRNG",
    347: "Signature not verified",
    400: "Uncontrolled resource consumption",
    434: "Unrestricted upload",
    489: "Debug code active",
    501: "Trust boundary violation",
    502: "Unsafe deserialization",
    601: "Open redirect",
    611: "XML external entities",
    614: "Cookie without Secure",
    639: "Authorization bypass through a user-controlled key",
    643: "XPath injection",
    798: "Hard-coded credentials",
    918: "Server-side request forgery",
    942: "Permissive cross-origin policy",
    943: "NoSQL injection",
    1321: "Prototype pollution",
    1333: "Regular expression denial of service",
    1336: "Template injection",
}


def describe(rule: str, cwe: int, message: str) -> RuleText:
    """The text for a rule; unknown rules are described from their CWE and first message."""
    known = RULES.get(rule)
    if known is not None:
        return known
    title = CWE_TITLES.get(cwe, "")
    short = f"{title} ({rule})" if title else rule.replace(".", " ").replace("-", " ")
    full = message.split(" (line")[0]
    cwe_help = f" See https://cwe.mitre.org/data/definitions/{cwe}.html." if cwe else ""
    return RuleText(short, full, f"Reported by {rule}.{cwe_help}")
