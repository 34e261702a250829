"""What the taint engine treats as sources, sinks and sanitizers.

Names are matched after import resolution (`from subprocess import run as r; r(x)` is
`subprocess.run`). Tables are data, so adding a framework is adding rows, not code.
"""

from __future__ import annotations

from dataclasses import dataclass

from vallum.review.findings import Severity


@dataclass(frozen=True, slots=True)
class SinkKind:
    """A class of dangerous operation: its rule id, CWE, severity and a short description."""

    kind: str
    rule: str
    cwe: int
    severity: Severity
    what: str


KINDS: dict[str, SinkKind] = {
    k.kind: k
    for k in (
        SinkKind("sql", "taint.sql-injection", 89, Severity.HIGH, "an SQL query"),
        SinkKind("cmd", "taint.command-injection", 78, Severity.CRITICAL, "a shell command"),
        SinkKind("code", "taint.code-injection", 94, Severity.CRITICAL, "evaluated code"),
        SinkKind("deser", "taint.unsafe-deserialization", 502, Severity.HIGH, "deserialization"),
        SinkKind("path", "taint.path-traversal", 22, Severity.HIGH, "a file path"),
        SinkKind("redirect", "taint.open-redirect", 601, Severity.MEDIUM, "a redirect target"),
        SinkKind("xss", "taint.xss", 79, Severity.HIGH, "an HTML response"),
        SinkKind("ssti", "taint.template-injection", 1336, Severity.HIGH, "a template"),
        SinkKind("xml", "taint.xxe", 611, Severity.HIGH, "an XML parser"),
        SinkKind("ldap", "taint.ldap-injection", 90, Severity.HIGH, "an LDAP query"),
        SinkKind("xpath", "taint.xpath-injection", 643, Severity.HIGH, "an XPath query"),
        SinkKind("ssrf", "taint.ssrf", 918, Severity.HIGH, "an outbound request URL"),
        SinkKind("regex", "taint.regex-injection", 1333, Severity.MEDIUM, "a regular expression"),
        SinkKind(
            "session", "taint.trust-boundary", 501, Severity.MEDIUM, "the session (trusted state)"
        ),
        # MD5/SHA-1 collisions are chosen by whoever chooses the input: over client data a
        # broken hash is more than a checksum (the pattern check judges the other uses).
        SinkKind("hash", "crypto.weak-hash", 328, Severity.MEDIUM, "a broken hash (MD5/SHA-1)"),
        SinkKind(
            "weakrand",
            "taint.weak-random",
            330,
            Severity.MEDIUM,
            "a security value (session, cookie)",
        ),
    )
}
ALL_KINDS = frozenset(KINDS)

# --- sources -------------------------------------------------------------------------------

# `<something>request.<attr>`: Flask, Django, Starlette/FastAPI, aiohttp request objects.
REQUEST_ATTRS = frozenset(
    {
        "args",
        "form",
        "values",
        "json",
        "data",
        "files",
        "cookies",
        "headers",
        "GET",
        "POST",
        "FILES",
        "COOKIES",
        "META",
        "body",
        "query_params",
        "path_params",
        "query_string",
        "stream",
        "view_args",
        "query",
        "match_info",
        "get_json",
        "get_data",
        "form_data",
    }
)
REQUEST_NAMES = frozenset({"request", "req", "flask.request", "self.request"})

# Calls whose result is untrusted, with the kinds the value is NOT dangerous for.
SOURCE_CALLS: dict[str, tuple[str, frozenset[str]]] = {
    "input": ("input()", frozenset()),
    "os.getenv": ("environment", ALL_KINDS - {"cmd", "code"}),
    "os.environ.get": ("environment", ALL_KINDS - {"cmd", "code"}),
    "sys.stdin.read": ("stdin", frozenset()),
    "sys.stdin.readline": ("stdin", frozenset()),
}
SOURCE_ATTRS: dict[str, tuple[str, frozenset[str]]] = {
    "sys.argv": ("command-line arguments", frozenset()),
    "os.environ": ("environment", ALL_KINDS - {"cmd", "code"}),
}
# LLM client calls: whatever a model says is attacker-influenced (prompt injection).
LLM_CALL_SUFFIXES = (
    "chat.completions.create",
    "completions.create",
    "messages.create",
    "responses.create",
    "generate_content",
    "llm.invoke",
    "chat.invoke",
    "model.invoke",
    "chain.invoke",
    "llm.predict",
    "acompletion",
    "litellm.completion",
)
# Route handler parameters with these annotations are validated by the framework.
SAFE_PARAM_TYPES = frozenset({"int", "float", "bool", "UUID", "uuid.UUID", "date", "datetime"})

# --- sanitizers ----------------------------------------------------------------------------

# Calls returning a value safe for the listed kinds (ALL_KINDS: safe for everything).
SANITIZERS: dict[str, frozenset[str]] = {
    # a JSON response (application/json) or a file response: not HTML built from the value
    "flask.jsonify": frozenset({"xss"}),
    "flask.send_from_directory": frozenset({"xss"}),
    "flask.send_file": frozenset({"xss"}),
    "int": ALL_KINDS,
    "float": ALL_KINDS,
    "bool": ALL_KINDS,
    "len": ALL_KINDS,
    "uuid.UUID": ALL_KINDS,
    "abs": ALL_KINDS,
    "round": ALL_KINDS,
    "isinstance": ALL_KINDS,
    "hash": ALL_KINDS,
    "id": ALL_KINDS,
    "url_for": ALL_KINDS,
    "flask.url_for": ALL_KINDS,
    "django.urls.reverse": ALL_KINDS,
    "shlex.quote": frozenset({"cmd"}),
    "pipes.quote": frozenset({"cmd"}),
    "shlex.join": frozenset({"cmd"}),
    "os.path.basename": frozenset({"path"}),
    "werkzeug.utils.secure_filename": frozenset({"path"}),
    "secure_filename": frozenset({"path"}),
    "html.escape": frozenset({"xss"}),
    "markupsafe.escape": frozenset({"xss"}),
    "flask.escape": frozenset({"xss"}),
    "escape": frozenset({"xss"}),
    "bleach.clean": frozenset({"xss"}),
    "django.utils.html.escape": frozenset({"xss"}),
    "django.utils.html.conditional_escape": frozenset({"xss"}),
    "cgi.escape": frozenset({"xss"}),
    "xml.sax.saxutils.escape": frozenset({"xss"}),
    "ldap.filter.escape_filter_chars": frozenset({"ldap"}),
    "ldap3.utils.conv.escape_filter_chars": frozenset({"ldap"}),
    "escape_filter_chars": frozenset({"ldap"}),
    "escape_rdn": frozenset({"ldap"}),
    "re.escape": frozenset({"regex"}),
    "hashlib.sha256": ALL_KINDS,
    "hashlib.md5": ALL_KINDS,
    "hashlib.sha1": ALL_KINDS,
    "defusedxml.ElementTree.fromstring": ALL_KINDS,
    "defusedxml.lxml.fromstring": ALL_KINDS,
    "ast.literal_eval": ALL_KINDS,
    "json.loads": frozenset({"deser"}),
    # percent-encoded `k=v&...`: no scheme, no `//`, so never another site as a redirect
    "urllib.parse.urlencode": frozenset({"redirect"}),
    "django.utils.http.urlencode": frozenset({"redirect"}),
    # bytes the server serialised itself: `pickle.loads(pickle.dumps(obj))` is a deep copy
    "pickle.dumps": frozenset({"deser"}),
    "django.utils.html.format_html": frozenset({"xss"}),
    "format_html": frozenset({"xss"}),
    "django.shortcuts.get_object_or_404": ALL_KINDS,
    "flask.render_template": frozenset({"xss"}),
    "django.shortcuts.render": frozenset({"xss"}),
    "django.template.loader.render_to_string": frozenset({"xss"}),
}
# Method calls on a tainted value that return something harmless.
CLEAN_METHODS = frozenset(
    {
        "isdigit",
        "isalnum",
        "isalpha",
        "isnumeric",
        "isdecimal",
        "isidentifier",
        "startswith",
        "endswith",
        "count",
        "index",
        "find",
        "hexdigest",
        "digest",
        "is_relative_to",
        "exists",
        "is_file",
        "is_dir",
        "keys",
    }
)
# Calls in an `if` condition that validate the names they mention.
VALIDATOR_CALLS = frozenset(
    {
        "startswith",
        "is_relative_to",
        "fullmatch",
        "match",
        "isalnum",
        "isdigit",
        "isalpha",
        "isidentifier",
        "isnumeric",
        "url_has_allowed_host_and_scheme",
        "is_safe_url",
        "commonpath",
        "validate",
        "is_valid",
        "is_safe_path",
        "is_allowed",
        "check_for_language",
        # werkzeug's MapAdapter: true only for a path that one of this app's routes serves
        "allowed_methods",
    }
)

# --- sinks ---------------------------------------------------------------------------------

# Fully qualified callables: kind, and which positional arguments are dangerous
# (None: all of them) plus dangerous keyword names.
SINK_CALLS: dict[str, tuple[str, tuple[int, ...] | None, tuple[str, ...]]] = {
    "os.system": ("cmd", (0,), ("command",)),
    "hashlib.md5": ("hash", (0,), ("string", "data")),
    "hashlib.sha1": ("hash", (0,), ("string", "data")),
    "Crypto.Hash.MD5.new": ("hash", (0,), ("data",)),
    "Crypto.Hash.SHA.new": ("hash", (0,), ("data",)),
    "os.popen": ("cmd", (0,), ("cmd",)),
    "subprocess.getoutput": ("cmd", (0,), ("cmd",)),
    "subprocess.getstatusoutput": ("cmd", (0,), ("cmd",)),
    "commands.getoutput": ("cmd", (0,), ()),
    "asyncio.create_subprocess_shell": ("cmd", (0,), ("cmd",)),
    "pty.spawn": ("cmd", (0,), ()),
    "eval": ("code", (0,), ()),
    "exec": ("code", (0,), ()),
    "compile": ("code", (0,), ("source",)),
    "builtins.eval": ("code", (0,), ()),
    "pickle.loads": ("deser", (0,), ("data",)),
    "pickle.load": ("deser", (0,), ("file",)),
    "cPickle.loads": ("deser", (0,), ()),
    "_pickle.loads": ("deser", (0,), ()),
    "dill.loads": ("deser", (0,), ()),
    "marshal.loads": ("deser", (0,), ()),
    "shelve.open": ("deser", (0,), ()),
    "jsonpickle.decode": ("deser", (0,), ()),
    "yaml.unsafe_load": ("deser", (0,), ()),
    "torch.load": ("deser", (0,), ("f",)),
    "joblib.load": ("deser", (0,), ()),
    "open": ("path", (0,), ("file",)),
    "io.open": ("path", (0,), ("file",)),
    "codecs.open": ("path", (0,), ("filename",)),
    "os.open": ("path", (0,), ("path",)),
    "os.remove": ("path", (0,), ("path",)),
    "os.unlink": ("path", (0,), ("path",)),
    "os.rmdir": ("path", (0,), ("path",)),
    "os.listdir": ("path", (0,), ("path",)),
    "os.makedirs": ("path", (0,), ("name",)),
    "shutil.rmtree": ("path", (0,), ("path",)),
    "shutil.copy": ("path", (0, 1), ("src", "dst")),
    "shutil.copyfile": ("path", (0, 1), ("src", "dst")),
    "shutil.move": ("path", (0, 1), ("src", "dst")),
    "flask.send_file": ("path", (0,), ("path_or_file",)),
    "send_file": ("path", (0,), ()),
    "starlette.responses.FileResponse": ("path", (0,), ("path",)),
    "fastapi.responses.FileResponse": ("path", (0,), ("path",)),
    "FileResponse": ("path", (0,), ("path",)),
    "flask.redirect": ("redirect", (0,), ("location",)),
    "django.shortcuts.redirect": ("redirect", (0,), ("to",)),
    "django.http.HttpResponseRedirect": ("redirect", (0,), ("redirect_to",)),
    "starlette.responses.RedirectResponse": ("redirect", (0,), ("url",)),
    "fastapi.responses.RedirectResponse": ("redirect", (0,), ("url",)),
    "redirect": ("redirect", (0,), ()),
    "flask.render_template_string": ("ssti", (0,), ("source",)),
    "jinja2.Template": ("ssti", (0,), ("source",)),
    "jinja2.Environment().from_string": ("ssti", (0,), ("source",)),
    "mako.template.Template": ("ssti", (0,), ("text",)),
    "markupsafe.Markup": ("xss", (0,), ()),
    "flask.Markup": ("xss", (0,), ()),
    "django.utils.safestring.mark_safe": ("xss", (0,), ()),
    "django.http.HttpResponse": ("xss", (0,), ("content",)),
    "fastapi.responses.HTMLResponse": ("xss", (0,), ("content",)),
    "starlette.responses.HTMLResponse": ("xss", (0,), ("content",)),
    "flask.make_response": ("xss", (0,), ()),
    "flask.Response": ("xss", (0,), ("response",)),
    "lxml.etree.fromstring": ("xml", (0,), ("text",)),
    "lxml.etree.parse": ("xml", (0,), ("source",)),
    "lxml.etree.XML": ("xml", (0,), ("text",)),
    "xml.dom.minidom.parseString": ("xml", (0,), ()),
    "xml.dom.pulldom.parseString": ("xml", (0,), ()),
    "xml.sax.parseString": ("xml", (0,), ()),
    "xml.sax.parse": ("xml", (0,), ()),
    "lxml.etree.XPath": ("xpath", (0,), ("path",)),
    "requests.get": ("ssrf", (0,), ("url",)),
    "requests.post": ("ssrf", (0,), ("url",)),
    "requests.put": ("ssrf", (0,), ("url",)),
    "requests.delete": ("ssrf", (0,), ("url",)),
    "requests.head": ("ssrf", (0,), ("url",)),
    "requests.patch": ("ssrf", (0,), ("url",)),
    "requests.request": ("ssrf", (1,), ("url",)),
    "httpx.get": ("ssrf", (0,), ("url",)),
    "httpx.post": ("ssrf", (0,), ("url",)),
    "httpx.put": ("ssrf", (0,), ("url",)),
    "httpx.delete": ("ssrf", (0,), ("url",)),
    "httpx.request": ("ssrf", (1,), ("url",)),
    "httpx.stream": ("ssrf", (1,), ("url",)),
    "urllib.request.urlopen": ("ssrf", (0,), ("url",)),
    "urllib.request.Request": ("ssrf", (0,), ("url",)),
    "urllib.request.urlretrieve": ("ssrf", (0,), ("url",)),
    "urllib3.request": ("ssrf", (1,), ("url",)),
    "aiohttp.request": ("ssrf", (1,), ("url",)),
    "re.compile": ("regex", (0,), ("pattern",)),
    "re.match": ("regex", (0,), ("pattern",)),
    "re.search": ("regex", (0,), ("pattern",)),
    "re.fullmatch": ("regex", (0,), ("pattern",)),
    "re.findall": ("regex", (0,), ("pattern",)),
    "re.sub": ("regex", (0,), ("pattern",)),
    "sqlalchemy.text": ("sql", (0,), ("text",)),
    "text": ("sql", (0,), ()),
    "pandas.read_sql": ("sql", (0,), ("sql",)),
    "pandas.read_sql_query": ("sql", (0,), ("sql",)),
    "django.db.models.expressions.RawSQL": ("sql", (0,), ("sql",)),
    "RawSQL": ("sql", (0,), ()),
}
# `obj.method(...)` sinks matched by method name alone (the receiver type is unknown).
SINK_METHODS: dict[str, tuple[str, tuple[int, ...] | None, tuple[str, ...]]] = {
    "execute": ("sql", (0,), ("sql", "statement", "query", "operation")),
    "executemany": ("sql", (0,), ("sql", "operation")),
    "executescript": ("sql", (0,), ("sql_script",)),
    "raw": ("sql", (0,), ("raw_query",)),
    "extra": ("sql", None, ("where", "select", "tables")),
    "search_s": ("ldap", (2,), ("filterstr",)),
    "search_ext_s": ("ldap", (2,), ("filterstr",)),
    "xpath": ("xpath", (0,), ("_path",)),
    "read_text": ("path", (), ()),
    "read_bytes": ("path", (), ()),
    "write_text": ("path", (), ()),
    "write_bytes": ("path", (), ()),
    "unlink": ("path", (), ()),
    "from_string": ("ssti", (0,), ("source",)),
    "set_cookie": ("weakrand", (1,), ("value",)),
    "findall": ("xpath", (0,), ("path",)),
    "iterfind": ("xpath", (0,), ("path",)),
    "urlopen": ("ssrf", (0,), ("url",)),
}
# Methods whose *receiver* (not argument) is the dangerous value: `Path(x).read_text()`.
RECEIVER_SINK_METHODS = frozenset(
    {"read_text", "read_bytes", "write_text", "write_bytes", "unlink"}
)
# `ldap3.Connection.search(search_base, search_filter)`; receivers named like connections.
LDAP_SEARCH_RECEIVERS = ("conn", "connection", "ldap", "ld", "l")
# HTTP client objects whose `.get/.post/...` send requests.
HTTP_CLIENT_TYPES = frozenset(
    {
        "requests.Session",
        "httpx.Client",
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
        "requests.session",
        "urllib3.PoolManager",
    }
)
HTTP_METHODS = frozenset({"get", "post", "put", "delete", "head", "patch", "request", "stream"})
SUBPROCESS_CALLS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "asyncio.create_subprocess_exec",
        "os.execv",
        "os.execvp",
        "os.execl",
        "os.execlp",
        "os.spawnl",
        "os.spawnv",
        "os.spawnvp",
    }
)
