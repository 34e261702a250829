"""JavaScript/TypeScript review: adaptive variants of the corpus cases and hard negatives."""

from __future__ import annotations

import pytest

from vallum.review import ReviewOptions, review_sources

EVERY = ReviewOptions(min_confidence=0.0)
HEAD = 'const express = require("express");\nconst app = express();\n'


def cwes(code: str, name: str = "app.js") -> set[int]:
    return {f.cwe for f in review_sources({name: code.encode()}).findings}


@pytest.mark.parametrize(
    ("code", "cwe"),
    [
        # another import style for the same sink
        (
            'const cp = require("node:child_process");\n'
            'app.get("/a", (req, res) => cp.exec(`ls ${req.query.d}`));',
            78,
        ),
        (
            'import * as child from "child_process";\n'
            'app.get("/a", (req, res) => child.execSync("ls " + req.query.d));',
            78,
        ),
        (
            'const { exec: run } = require("child_process");\n'
            'app.get("/a", (req, res) => run(req.query.d));',
            78,
        ),
        # spawn with a shell runs every argument through it
        (
            'const { spawn } = require("child_process");\n'
            'app.get("/a", (req, res) => spawn("ls", [req.query.d], { shell: true }));',
            78,
        ),
        # the value split across variables, arrays and string methods
        (
            'app.get("/a", async (req, res) => { const parts = ["SELECT * FROM t WHERE a=",'
            ' req.query.a]; const sql = parts.join("").trim(); await db.query(sql); });',
            89,
        ),
        # odd types: TypeScript casts and non-null assertions do not clean a value
        (
            'app.get("/a", (req, res) => { const u = req.query.u as unknown as string;'
            " res.redirect(u!); });",
            601,
        ),
        # other routes: router, Koa context, Fastify request
        (
            'const r = express.Router(); r.post("/a", (req, res) => res.send("<p>" + req.body.x));',
            79,
        ),
        ('app.use(async (ctx) => { await db.raw("SELECT " + ctx.request.body.col); });', 89),
        # String() stops operator injection but not SQL injection
        ('app.get("/a", (req, res) => db.query("SELECT " + String(req.query.c)));', 89),
        # a prefix check on an unresolved path is bypassed with ../
        (
            'const fs = require("fs");\napp.get("/a", (req, res) => { const p = "/srv/" + '
            'req.query.p; if (!p.startsWith("/srv/")) return; fs.readFile(p, () => {}); });',
            22,
        ),
        # a redirect target starting with "/" can still be //evil.example
        (
            'app.get("/a", (req, res) => { const n = req.query.n; if (!n.startsWith("/")) return;'
            " res.redirect(n); });",
            601,
        ),
        # eval reached through setTimeout with a string
        ('app.get("/a", (req, res) => setTimeout("run(" + req.query.x + ")", 10));', 94),
        # the request read with brackets, or taken apart in the handler's signature
        ('app.get("/a", (req, res) => db.query("SELECT " + req["query"]["c"]));', 89),
        ('app.get("/a", ({ query }, res) => db.query("SELECT " + query.c));', 89),
        ('app.post("/a", ({ body: b }, res) => eval(b.code));', 94),
        # a promisified exec is still exec
        (
            'const { promisify } = require("util");\nconst { exec } = require("child_process");\n'
            "const run = promisify(exec);\n"
            'app.get("/a", async (req, res) => run("ls " + req.query.d));',
            78,
        ),
        # res.location is a redirect too
        ('app.get("/a", (req, res) => res.location(req.query.to).sendStatus(302));', 601),
        # an SSRF through a URL whose host the attacker chooses
        ('app.get("/a", (req, res) => fetch(`https://${req.query.host}/status`));', 918),
        # a predictable value becoming a cookie or a session value, whatever it is called
        (
            'app.get("/a", (req, res) => { const v = Math.random().toString(36); res.cookie("r", v); });',
            330,
        ),
        (
            'app.get("/a", (req, res) => { req.session.nonce = String(Math.random()); res.end(); });',
            330,
        ),
        # the whole query object from the client; a computed two-level write
        ('app.post("/a", async (req, res) => res.json(await User.find(req.body)));', 943),
        ('app.post("/a", (req, res) => { const { a, b, v } = req.body; store[a][b] = v; });', 1321),
        # a front-end sink
        ('document.getElementById("o").innerHTML = location.hash.slice(1);', 79),
    ],
)
def test_variant_found(code: str, cwe: int) -> None:
    name = "app.ts" if " as " in code else "app.js"
    assert cwe in cwes(HEAD + code, name)


@pytest.mark.parametrize(
    "code",
    [
        'app.get("/a", (req, res) => db.query("SELECT * FROM t WHERE id = $1", [req.query.id]));',
        'app.get("/a", (req, res) => db.query("SELECT * FROM t WHERE id = " + Number(req.query.id)));',
        'app.get("/a", (req, res) => { const n = req.query.n; res.redirect(n === "a" ? n : "/"); });',
        'const fs = require("fs");\nconst path = require("path");\napp.get("/a", (req, res) => {'
        ' const p = path.resolve("/srv", req.query.p); if (!p.startsWith("/srv/")) return;'
        " fs.readFile(p, () => {}); });",
        'app.get("/a", (req, res) => res.json({ q: req.query.q }));',
        'app.get("/a", (req, res) => res.send({ q: req.query.q }));',
        'app.get("/a", async (req, res) => res.json(await User.find(req.params.id)));',
        'app.get("/a", (req, res) => res.json(items.find((i) => i.id === req.query.id)));',
        'app.post("/a", (req, res) => { store["users"][req.body.id] = true; });',
        'app.get("/a", (req, res) => { req.session.theme = req.query.t === "dark" ? "dark" : "x"; });',
        'app.get("/a", (req, res) => res.status(400).send([req.query.q]));',
        'app.get("/a", (req, res) => res.type("text/plain").send(req.query.q));',
        'const { execFile } = require("child_process");\n'
        'app.get("/a", (req, res) => execFile("ls", ["--", req.query.d]));',
        # Express's root option refuses paths leaving the root
        'app.get("/a", (req, res) => res.sendFile(req.params.f, { root: "/srv/pub" }));',
        # the host of the URL is fixed: the input only picks a path on that host
        'app.get("/a", (req, res) => fetch(`https://api.example.com/users/${req.params.id}`));',
        'app.get("/a", (req, res) => fetch("https://api.example.com/u/" + req.params.id));',
        # a destructured argument of an ordinary function is not a request
        "function paint({ query }, canvas) { return db.query(query); }",
        # a parameter that merely shares a name with a request is not a source in a library
        "function format(value) { return db.query(value); }",
        'const token = Math.random() < 0.5 ? "a" : "b"; const delay = Math.random() * 10;',
    ],
)
def test_hard_negative(code: str) -> None:
    found = cwes(HEAD + code)
    assert found <= {330}, found
    if "Math.random" in code:
        assert found == {330}  # `token` names a security value even here: flagged, not silent


def test_typescript_and_tsx_parse() -> None:
    ts = 'import express from "express";\nconst app = express();\n'
    ts += 'app.get("/a", (req: express.Request, res) => { eval(req.query.x as string); });'
    assert 94 in cwes(ts, "a.ts")
    tsx = "export const A = () => <div dangerouslySetInnerHTML={{ __html: document.cookie }} />;"
    assert 79 in cwes(tsx, "a.tsx")


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("res.redirect(req.query.n)", {601}),
        ("res.redirect(`${req.query.n}?from=login`)", {601}),
        ('res.redirect("/" + req.query.n)', {601}),  # "//evil.example"
        ('res.redirect("https://" + req.query.n + "/home")', {601}),
        ('res.redirect(`https://${req.get("X-Forwarded-Host")}/`)', {601}),
        ("{ res.location(req.originalUrl); res.sendStatus(302); }", {601}),  # "GET //evil.example/"
        ("{ res.location(req.originalUrl); res.status(201).json({}); }", set()),  # not followed
        ("res.redirect(`/login?next=${req.query.n}`)", set()),
        ('res.redirect(HOME + "?q=" + req.query.n)', set()),
        ("res.redirect(`/users/${req.params.id}`)", set()),
        ('res.redirect("https://example.com/u/" + req.query.n)', set()),
        ('res.redirect(`https://${req.get("host")}/login`)', set()),  # the site it is on
    ],
)
def test_what_a_redirect_target_lets_the_input_choose(handler: str, expected: set[int]) -> None:
    """Only values before the query string, with no fixed host or path before them, count."""
    code = HEAD + f'const HOME = "/home";\napp.get("/a", (req, res) => {handler});\n'
    assert expected == cwes(code)


@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ('res.cookie("sid", t)', True),
        ('res.cookie("sid", t, { httpOnly: true })', True),
        ('res.cookie("sid", t, WEAK)', True),  # a module constant we can read
        ('res.cookie("sid", t, { ...OPTS, secure: false })', True),  # unset explicitly
        ('res.cookie("sid", t, { httpOnly: true, secure: true, sameSite: "strict" })', False),
        ('res.cookie("sid", t, LOCAL)', False),
        ('res.cookie("sid", t, OPTS)', False),  # imported: may set every flag
        ('res.cookie("sid", t, { ...OPTS, maxAge: 5 })', False),
    ],
)
def test_cookie_flags_judged_only_on_options_we_can_read(call: str, flagged: bool) -> None:
    """Cookie options imported from another module are not assumed to lack the flags."""
    code = (
        HEAD + 'const { OPTS } = require("./constants");\n'
        'const LOCAL = { httpOnly: true, secure: true, sameSite: "lax" };\n'
        "const WEAK = { httpOnly: true };\n"
        f'app.get("/a", (req, res) => {{ const t = "x"; {call}; res.end(); }});\n'
    )
    assert flagged == (614 in cwes(code))


@pytest.mark.parametrize(
    ("setup", "call", "flagged"),
    [
        ("", "User.find(req.body)", True),
        ("", "User.findOne({ name: req.body.name })", True),
        ('const { MongoClient } = require("mongodb");\nconst client = new MongoClient(u);\n',
         'client.db("d").collection("c").find({ a: req.body.a })', True),
        ('const { ItemsService } = require("./services");\n',
         "new ItemsService().deleteMany(req.body.keys)", True),  # not bound: unknown
        ('const { ItemsService } = require("./services");\n', "svc.deleteMany(req.body.keys)", False),
        ('const { ItemsService } = require("./services");\n',
         "svc.updateMany(req.body.keys, req.body.data)", False),
    ],
)  # fmt: skip
def test_nosql_methods_of_a_project_class_are_not_queries(
    setup: str, call: str, flagged: bool
) -> None:
    """`find`/`deleteMany` on an object made with `new SomeService()` are that class's methods."""
    code = (
        HEAD + setup + 'app.post("/a", async (req, res) => {\n'
        "  const svc = new ItemsService({ schema: req.schema });\n"
        f"  res.json(await {call});\n}});\n"
    )
    assert flagged == (943 in cwes(code))


@pytest.mark.parametrize(
    ("manifest", "flagged"),
    [
        (None, True),
        ('{"dependencies": {"jsonwebtoken": "^8.5.1"}}', True),
        ('{"dependencies": {"jsonwebtoken": "^9.0.2"}}', False),
        ('{"dependencies": {"express": "4"}}', True),  # jsonwebtoken not declared here
        ("not json", True),
    ],
)
def test_jwt_verify_without_algorithms_depends_on_the_declared_version(
    manifest: str | None, flagged: bool
) -> None:
    """jsonwebtoken 9 picks algorithms from the key type itself; before 9 it trusted the token."""
    code = 'const jwt = require("jsonwebtoken");\nmodule.exports = (t, k) => jwt.verify(t, k);\n'
    files = {"app.js": code.encode()}
    if manifest is not None:
        files["package.json"] = manifest.encode()
    found = review_sources(files).findings
    assert flagged == any(f.rule == "js.jwt-algorithms" for f in found)


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("res.send(req.params.x)", {79}),
        ('res.setHeader("Content-Type", "text/html"); res.end(req.params.x)', {79}),
        ('res.setHeader("Content-Type", "application/javascript"); res.end(req.params.x)', set()),
        ('res.type("json"); res.send(req.params.x)', set()),
        ("res.attachment(req.params.x); res.send(req.params.x)", set()),  # a download
        ('res.send(req.params.x); res.type("json")', {79}),  # typed after sending
        ("res.attachment(req.params.x)", set()),  # names the download; reads no file
        ("res.download(req.params.x)", {22}),
        (  # the claims of a verified token were signed by the server
            'res.redirect(jwt.verify(req.cookies.s, KEY, { algorithms: ["HS256"] }).redirect)',
            set(),
        ),
        ("res.redirect(jwt.decode(req.cookies.state).redirect)", {601}),  # decode: below default
    ],
)
def test_response_types_downloads_and_signed_values(handler: str, expected: set[int]) -> None:
    """A response typed non-HTML or made a download is not XSS; verified token claims are the
    server's own; `attachment()` only names a download."""
    code = HEAD + 'const jwt = require("jsonwebtoken");\nconst KEY = process.env.K;\n'
    code += f'app.get("/a/:x", (req, res) => {{ {handler}; }});\n'
    assert expected == cwes(code)


def test_dotted_names_are_not_credentials() -> None:
    """`user_password: "u.password"` names a column; a real-looking literal still counts."""
    code = 'const q = { user_password: "u.password", api_password: "Zq9!vR2#kLp7" };\n'
    assert [798] == [f.cwe for f in review_sources({"q.js": code.encode()}).findings]


@pytest.mark.parametrize(
    ("use", "shown"),
    [
        ("const claims = jwt.decode(t);\n  return claims.sub;", True),
        ("const { role } = jwt.decode(t);\n  return role;", True),
        ("return jwt.decode(t).isAdmin;", True),
        ("const p = await jwt.decode(t);\n  if (p.permissions.includes('x')) return 1;", True),
        ("const d = jwt.decode(t);\n  return d.exp * 1000;", False),  # when it expires
        ("const p = jwt.decode(t, { json: true });\n  return p?.iss === 'me';", False),
        ("return jwt.decode(t);", False),  # handed on: unknown use
    ],
)
def test_jwt_decode_is_a_flaw_when_it_names_the_caller(use: str, shown: bool) -> None:
    """Unverified claims taken as identity are shown; reading expiry or issuer is below default."""
    code = f'const jwt = require("jsonwebtoken");\nmodule.exports = async (t) => {{\n  {use}\n}};\n'
    assert shown == (347 in cwes(code, "auth.js"))
    assert 347 in {f.cwe for f in review_sources({"auth.js": code.encode()}, EVERY).findings}


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        # multer names the stored file; the client names it in originalname
        ("fs.unlinkSync(req.file.path)", set()),
        ('fs.readFileSync(path.join("/up", req.file.originalname))', {22}),
        ('fs.writeFileSync("/up/" + req.files.doc.name, "x")', {22}),
        # the request's own Host is the site the browser is on
        ('res.redirect("https://" + req.headers.host + req.originalUrl)', set()),
        ('res.redirect("https://" + req.query.host + req.originalUrl)', {601}),
        # a response typed by writeHead
        ('{ res.writeHead(200, { "Content-Type": "application/json" }); res.end(req.query.q); }',
         set()),
        ("{ res.writeHead(400); res.end(`no ${req.query.q}`); }", {79}),  # sniffed
    ],
)  # fmt: skip
def test_uploads_own_host_and_typed_heads(handler: str, expected: set[int]) -> None:
    """Server-chosen upload paths, the request's own Host and typed responses are not flaws."""
    code = HEAD + 'const fs = require("fs");\nconst path = require("path");\n'
    code += f'app.post("/a", (req, res) => {handler});\n'
    assert expected == cwes(code)


def test_browser_fetch_is_not_ssrf() -> None:
    """In a browser, fetch() is the user's own request: a location value in it is no SSRF."""
    code = (
        "const id = new URL(window.location.href).searchParams.get('id');\nfetch('/api/' + id);\n"
    )
    code += "fetch(window.location.hash.slice(1));\n"
    assert set() == cwes(code, "page.js")


@pytest.mark.parametrize(
    ("manifest", "flagged"),
    [
        (None, True),  # nothing tells: a model's find() may be Mongo
        ('{"dependencies": {"mongoose": "^8"}}', True),
        ('{"dependencies": {"bookshelf": "^1", "knex": "^2"}}', False),  # SQL query builders
    ],
)
def test_nosql_needs_a_mongo_driver_when_the_manifest_is_there(
    manifest: str | None, flagged: bool
) -> None:
    """`Model.findOne({ key })` is operator injection only where MongoDB is in use."""
    code = (
        HEAD
        + 'app.get("/a", async (req, res) => res.json(await Key.findOne({ k: req.query.k })));\n'
    )
    files = {"app.js": code.encode()}
    if manifest is not None:
        files["package.json"] = manifest.encode()
    assert flagged == any(f.cwe == 943 for f in review_sources(files).findings)


def test_minified_bundles_are_skipped_with_a_problem() -> None:
    """Build output is reported as not analysed; its sources are where findings belong."""
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from vallum.review import review_path

    bundle = "var a=1;" * 2000 + 'require("child_process").exec(location.hash);\n'
    with TemporaryDirectory() as tmp:
        (Path(tmp) / "app.bundle.js").write_text(bundle)
        report = review_path(Path(tmp))
    assert ([], ["app.bundle.js"]) == (report.findings, [p.path for p in report.problems])


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        ("DEFAULT_WEBHOOK_SECRET", False),
        ("not_available", False),
        ("whsec_4eC39HqLyjWDarjtT1zdp7dc", True),
        ("Tr0ub4dor&3xq", True),
    ],
)
def test_word_names_are_not_credentials(value: str, flagged: bool) -> None:
    """A constant's name or a word placeholder is not a credential; a real-looking value is."""
    code = f'const webhookSecret = "{value}";\n'
    assert flagged == (798 in cwes(code, "config.js"))
