"""Sources, sinks, sanitizers and validators for JavaScript and TypeScript (data, not code).

Sink kinds and their rule ids, CWEs and severities are shared with the Python engine
(`vallum.review.taint.spec.KINDS`), plus `nosql` and `proto` which only JavaScript has here.
"""

from __future__ import annotations

from vallum.review.findings import Severity
from vallum.review.taint.spec import KINDS, SinkKind

JS_KINDS: dict[str, SinkKind] = {
    **KINDS,
    "nosql": SinkKind("nosql", "taint.nosql-injection", 943, Severity.HIGH, "a NoSQL query object"),
    "proto": SinkKind(
        "proto", "taint.prototype-pollution", 1321, Severity.HIGH, "a deep merge into an object"
    ),
}
ALL_KINDS = frozenset(JS_KINDS)

# --- sources -------------------------------------------------------------------------------

# Request objects: Express/Fastify/Next.js pages `req`/`request`, Koa `ctx` (and `ctx.request`).
REQUEST_OBJECTS = frozenset({"req", "request", "ctx", "ctx.request", "context.request"})
REQUEST_FIELDS = frozenset(
    {
        "query",
        "body",
        "params",
        "headers",
        "cookies",
        "signedCookies",
        "files",
        "file",
        "nextUrl",
        "url",
        "originalUrl",
        "path",
        "search",
        "rawBody",
        "raw",
    }
)
# Methods on a request object whose result is untrusted (`await request.json()`).
REQUEST_METHODS = frozenset({"json", "formData", "text", "get", "header", "param", "arrayBuffer"})
# Browser-side sources (React and other front ends).
BROWSER_SOURCES = (
    "window.location",
    "document.location",
    "location.search",
    "location.hash",
    "location.href",
    "document.cookie",
    "document.referrer",
    "window.name",
)
# NestJS parameter decorators that inject request data.
NEST_DECORATORS = frozenset({"Query", "Body", "Param", "Headers", "Req", "Request", "Cookies"})
NEXT_HANDLERS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})

# --- sanitizers ----------------------------------------------------------------------------

SANITIZERS: dict[str, frozenset[str]] = {
    "Number": ALL_KINDS,
    # a verified token's claims were signed by the server (or its identity provider)
    "jsonwebtoken.verify": ALL_KINDS,
    "jsonwebtoken.default.verify": ALL_KINDS,
    "parseInt": ALL_KINDS,
    "parseFloat": ALL_KINDS,
    "Boolean": ALL_KINDS,
    "Math.floor": ALL_KINDS,
    "encodeURIComponent": frozenset({"xss", "redirect", "ssrf", "cmd", "path", "nosql", "proto"}),
    "String": frozenset({"nosql", "proto"}),
    "escape-html": frozenset({"xss"}),
    "escapeHtml": frozenset({"xss"}),
    "he.encode": frozenset({"xss"}),
    "he.escape": frozenset({"xss"}),
    "lodash.escape": frozenset({"xss"}),
    "validator.escape": frozenset({"xss"}),
    "dompurify.sanitize": frozenset({"xss"}),
    "DOMPurify.sanitize": frozenset({"xss"}),
    "isomorphic-dompurify.sanitize": frozenset({"xss"}),
    "sanitize-html": frozenset({"xss"}),
    "xss": frozenset({"xss"}),
    "path.basename": frozenset({"path"}),
    "shell-quote.quote": frozenset({"cmd"}),
    "shellescape": frozenset({"cmd"}),
    "mongo-sanitize": frozenset({"nosql"}),
    "crypto.createHash().update().digest": ALL_KINDS,
    "uuid.validate": ALL_KINDS,
    "mysql.escape": frozenset({"sql"}),
    "mysql2.escape": frozenset({"sql"}),
    "pg-format": frozenset({"sql"}),
    "SqlString.escape": frozenset({"sql"}),
}
# Methods that turn any value into something harmless.
CLEAN_METHODS = frozenset(
    {
        "includes",
        "has",
        "startsWith",
        "endsWith",
        "test",
        "indexOf",
        "length",
        "digest",
        "isValid",
        "isInteger",
        "localeCompare",
    }
)
# Schema validators: `Schema.parse(x)` (zod), `schema.validate(x)` (joi, yup) and friends.
SCHEMA_METHODS = frozenset(
    {"parse", "parseAsync", "safeParse", "validate", "validateAsync", "validateSync", "cast"}
)
# Calls in an `if` condition (or a ternary) that validate the names they mention.
VALIDATOR_METHODS = frozenset(
    {"has", "includes", "startsWith", "test", "isValid", "isUUID", "isInt", "match", "some"}
)
# Calls that normalise a path so a following prefix check means something.
PATH_NORMALISERS = frozenset(
    {"path.resolve", "path.normalize", "fs.realpathSync", "fs.realpath", "fs.promises.realpath"}
)

# --- sinks ---------------------------------------------------------------------------------

# Fully qualified callables: kind and the dangerous argument indexes (None: all of them).
SINK_CALLS: dict[str, tuple[str, tuple[int, ...] | None]] = {
    "child_process.exec": ("cmd", (0,)),
    "child_process.execSync": ("cmd", (0,)),
    "child_process.execFile": ("cmd", (0,)),
    "child_process.execFileSync": ("cmd", (0,)),
    "child_process.spawn": ("cmd", (0,)),
    "child_process.spawnSync": ("cmd", (0,)),
    "child_process.fork": ("cmd", (0,)),
    "execa": ("cmd", (0,)),
    "execa.command": ("cmd", (0,)),
    "shelljs.exec": ("cmd", (0,)),
    "eval": ("code", (0,)),
    "Function": ("code", None),
    "setTimeout": ("code", (0,)),
    "setInterval": ("code", (0,)),
    "vm.runInNewContext": ("code", (0,)),
    "vm.runInThisContext": ("code", (0,)),
    "vm.runInContext": ("code", (0,)),
    "vm.Script": ("code", (0,)),
    "vm.compileFunction": ("code", (0,)),
    "ejs.render": ("ssti", (0,)),
    "ejs.compile": ("ssti", (0,)),
    "pug.render": ("ssti", (0,)),
    "pug.compile": ("ssti", (0,)),
    "handlebars.compile": ("ssti", (0,)),
    "Handlebars.compile": ("ssti", (0,)),
    "nunjucks.renderString": ("ssti", (0,)),
    "lodash.template": ("ssti", (0,)),
    "fetch": ("ssrf", (0,)),
    "axios": ("ssrf", (0,)),
    "axios.get": ("ssrf", (0,)),
    "axios.post": ("ssrf", (0,)),
    "axios.put": ("ssrf", (0,)),
    "axios.patch": ("ssrf", (0,)),
    "axios.delete": ("ssrf", (0,)),
    "axios.head": ("ssrf", (0,)),
    "axios.request": ("ssrf", (0,)),
    "got": ("ssrf", (0,)),
    "got.get": ("ssrf", (0,)),
    "got.post": ("ssrf", (0,)),
    "node-fetch": ("ssrf", (0,)),
    "http.get": ("ssrf", (0,)),
    "http.request": ("ssrf", (0,)),
    "https.get": ("ssrf", (0,)),
    "https.request": ("ssrf", (0,)),
    "undici.request": ("ssrf", (0,)),
    "undici.fetch": ("ssrf", (0,)),
    "superagent.get": ("ssrf", (0,)),
    "needle.get": ("ssrf", (0,)),
    "lodash.merge": ("proto", (1, 2, 3)),
    "lodash.mergeWith": ("proto", (1, 2)),
    "lodash.defaultsDeep": ("proto", (1, 2)),
    "lodash.set": ("proto", (1,)),
    "lodash.setWith": ("proto", (1,)),
    "lodash.merge.default": ("proto", (1, 2)),
    "deepmerge": ("proto", (0, 1)),
    "merge-deep": ("proto", (1, 2)),
    "mixin-deep": ("proto", (1, 2)),
    "dot-prop.setProperty": ("proto", (1,)),
    "next/navigation.redirect": ("redirect", (0,)),
    "next/server.NextResponse.redirect": ("redirect", (0,)),
}
# Aliases people import lodash under.
LODASH_NAMES = frozenset({"lodash", "_", "lodash-es", "underscore"})
FS_METHODS = frozenset(
    {
        "readFile",
        "readFileSync",
        "writeFile",
        "writeFileSync",
        "appendFile",
        "appendFileSync",
        "createReadStream",
        "createWriteStream",
        "unlink",
        "unlinkSync",
        "rm",
        "rmSync",
        "readdir",
        "readdirSync",
        "open",
        "openSync",
        "access",
        "stat",
        "statSync",
        "mkdir",
        "copyFile",
        "rename",
    }
)
# `<db>.<method>(sql)`: raw SQL methods on clients, pools, ORMs and query builders.
SQL_METHODS = frozenset(
    {
        "query",
        "execute",
        "raw",
        "unsafe",
        "$queryRawUnsafe",
        "$executeRawUnsafe",
        "whereRaw",
        "orderByRaw",
        "havingRaw",
        "joinRaw",
        "selectRaw",
        "fromRaw",
    }
)
# Receivers that are not databases even though they have a `query`/`execute` method.
NOT_DB_RECEIVERS = frozenset({"req", "request", "ctx", "router", "app", "url", "URL", "graphql"})
NOSQL_METHODS = frozenset(
    {
        "find",
        "findOne",
        "findOneAndUpdate",
        "findOneAndDelete",
        "updateOne",
        "updateMany",
        "deleteOne",
        "deleteMany",
        "countDocuments",
        "where",
    }
)
# Response methods that send their argument as the body (HTML by default for strings).
HTML_RESPONSE_METHODS = frozenset({"send", "write", "end"})
RESPONSE_OBJECTS = frozenset({"res", "response", "reply", "ctx.res"})
REDIRECT_RECEIVERS = frozenset({"res", "response", "reply", "ctx"})
