"""Inferred JavaScript/TypeScript validators, methods and fields (issue 18, JS precision).

Adaptive variants of the corpus cases (the validator written another way: a ternary answer, a
predicate calling a predicate, an early `return false`, `!!regex.exec`-free `test`, a zod
`safeParse(..).success`, an assertion; the method reached another way: a class expression,
an exported object, a default export) and hard negatives (a validator true without a check, a
predicate about another argument, an assertion with a way out, a field the request fills).
"""

from __future__ import annotations

import pytest

from vallum.review import ReviewOptions, review_sources
from vallum.review.js.objects import has_key
from vallum.review.js.parse import call_args, parse_js, walk

from .helpers import taint_cwes

HEAD = (
    'const express = require("express");\nconst { exec } = require("child_process");\n'
    'const app = express();\nconst TOOLS = new Set(["df", "uptime"]);\n'
)
RUN = (
    'app.post("/r", (req, res) => {\n  const tool = req.body.t;\n'
    "  if (!{call}) return res.status(400).end();\n  exec(tool);\n  res.end();\n});\n"
)


@pytest.mark.parametrize(
    ("helper", "call", "expected"),
    [
        # validators, written several ways
        ("function ok(n) { return TOOLS.has(n); }\n", "ok(tool)", set()),
        ("const ok = (n) => TOOLS.has(n);\n", "ok(tool)", set()),
        ("const ok = function (n) { return n === 'df' || n === 'uptime'; };\n", "ok(tool)", set()),
        (
            "function ok(n) {\n  if (typeof n !== 'string') return false;\n"
            "  if (!/^[a-z]+$/.test(n)) return false;\n  return true;\n}\n",
            "ok(tool)",
            set(),
        ),
        (
            "function known(n) { return TOOLS.has(n); }\n"
            "function ok(x, why) { return known(x) && why !== 'test'; }\n",
            "ok(tool, 'run')",
            set(),
        ),
        ("function ok(n) { return ['df', 'uptime'].includes(n); }\n", "ok(tool)", set()),
        # hard negatives
        ("function ok(n) { if (n.length < 20) return true; return TOOLS.has(n); }\n",
         "ok(tool)", {78}),
        ("function ok(n, m) { return TOOLS.has(m); }\n", "ok(tool, 'df')", {78}),
        ("function ok(n) { return n.trim(); }\n", "ok(tool)", {78}),
        ("function ok(n) { return n.startsWith('d'); }\n", "ok(tool)", {78}),
    ],
)  # fmt: skip
def test_inferred_validators(helper: str, call: str, expected: set[int]) -> None:
    assert taint_cwes({"app.js": HEAD + helper + RUN.replace("{call}", call)}) == expected


@pytest.mark.parametrize(
    ("helper", "expected"),
    [
        ("function must(n) {\n  if (!TOOLS.has(n)) throw new Error('no');\n}\n", set()),
        ("function must(n) {\n  if (!TOOLS.has(n)) {\n    log(n);\n    throw new Error();\n  }\n}\n",
         set()),
        # a way out before the check: returning proves nothing
        ("function must(n) {\n  if (n === '') return;\n  if (!TOOLS.has(n)) throw new Error();\n}\n",
         {78}),
        # the check only logs
        ("function must(n) {\n  if (!TOOLS.has(n)) console.warn(n);\n}\n", {78}),
    ],
)  # fmt: skip
def test_assertions(helper: str, expected: set[int]) -> None:
    route = (
        'app.post("/r", async (req, res) => {\n  const tool = req.body.t;\n  await must(tool);\n'
        "  exec(tool);\n  res.end();\n});\n"
    )
    assert taint_cwes({"app.js": HEAD + helper + route}) == expected


ZOD = (
    'import { z } from "zod";\nimport express from "express";\nimport { exec } from "child_process";\n'
    "const app = express();\nconst Tool = {schema};\n"
    "const ok = (v: unknown): boolean => Tool.safeParse(v).success;\n"
    'app.post("/r", (req, res) => {\n  if (!ok(req.body.t)) return res.end();\n'
    "  exec(req.body.t);\n  res.end();\n});\n"
)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [('z.enum(["df", "uptime"])', set()), ("z.string().min(1)", {78})],
)
def test_schema_success_proves_what_the_schema_proves(schema: str, expected: set[int]) -> None:
    assert taint_cwes({"app.ts": ZOD.replace("{schema}", schema)}) == expected


DB = 'const { Pool } = require("pg");\nconst pool = new Pool();\n'
UNSAFE = '(name) { return pool.query("SELECT * FROM t WHERE n = \'" + name + "\'"); }'


@pytest.mark.parametrize(
    ("module", "route"),
    [
        # a class expression, made with `new`
        (f"const Repo = class {{ find{UNSAFE} }};\nmodule.exports = {{ Repo }};\n",
         'const { Repo } = require("./db");\nconst repo = new Repo();\n'
         'app.get("/u", (req, res) => res.json(repo.find(req.query.n)));\n'),
        # methods written straight into module.exports
        (f"module.exports = {{ find{UNSAFE} }};\n",
         'const db = require("./db");\napp.get("/u", (req, res) => res.json(db.find(req.query.n)));\n'),
        # an exported class's method through this
        (f"class Repo {{ find{UNSAFE} all(req) {{ return this.find(req.query.n); }} }}\n"
         "module.exports = Repo;\n",
         'const Repo = require("./db");\nconst r = new Repo();\n'
         'app.get("/u", (req, res) => res.json(r.all(req)));\n'),
    ],
)  # fmt: skip
def test_methods_reached_other_ways(module: str, route: str) -> None:
    head = 'const express = require("express");\nconst app = express();\n'
    assert taint_cwes({"db.js": DB + module, "app.js": head + route}) == {89}


def test_a_field_the_request_fills_still_reaches_the_sink() -> None:
    """The hard negative of field selection: the same callee, the request in the read field."""
    lib = (
        'const fs = require("fs");\n'
        "function render(opts) { return fs.readFileSync('/t/' + opts.page.name); }\n"
        "module.exports = { render };\n"
    )
    route = (
        'const express = require("express");\nconst { render } = require("./lib");\n'
        "const app = express();\n"
        'app.get("/a", (req, res) => res.send(render({ page: { name: "home" }, q: req.query })));\n'
        'app.get("/b", (req, res) => {\n  const opts = { page: req.query, q: "x" };\n'
        "  res.send(render(opts));\n});\n"
    )
    found = review_sources(
        {"lib.js": lib.encode(), "app.js": route.encode()}, ReviewOptions(min_confidence=0.0)
    ).findings
    assert [f.cwe for f in found if f.rule.startswith("taint.")] == [22]
    assert "app.js:7" in found[0].message


@pytest.mark.parametrize(
    ("code", "present"),
    [
        ("const o = { algorithms: ['HS256'] };", True),
        ("const D = { algorithms: ['HS256'] };\nconst o = { ...D, audience: 'a' };", True),
        ("const D = { algorithms: ['HS256'] };\nconst o = Object.assign({}, D);", True),
        ("const D = { algorithms: ['HS256'], maxAge: 1 };\nconst o = _.omit(D, 'maxAge');", True),
        ("const D = { algorithms: ['HS256'] };\nconst o = _.omit(D, 'algorithms');", False),
        ("const D = { algorithms: ['HS256'] };\nlet o;\nif (x) o = D; else o = {};", False),
        ("const o = x ? { algorithms: ['RS256'] } : { algorithms: ['HS256'] };", True),
        ("const o = load();", False),
    ],
)
def test_options_keys_followed_through_the_code(code: str, present: bool) -> None:
    m = parse_js(f'const _ = require("lodash");\n{code}\nverify(o);\n'.encode(), "a.js")
    call = [n for n in walk(m.root) if n.type == "call_expression"][-1]
    assert has_key(m, call_args(call)[0], "algorithms") is present


def test_dynamic_import_names_resolve_like_require() -> None:
    m = parse_js(
        b'async function f() {\n  const { a } = await import("./x.js");\n'
        b'  const d = (await import("node:child_process")).exec;\n}\n',
        "m.mjs",
    )
    assert m.imports["a"] == "./x.js.a"
    assert m.imports["d"] == "child_process.exec"


@pytest.mark.parametrize(
    "check",
    [
        "ALLOWED.has(req.query.to)",
        "target.host === new URL(process.env.BASE).host",
    ],
)
def test_a_check_whose_branch_does_not_leave_proves_nothing_after_it(check: str) -> None:
    """The redirect runs whichever way the check went: the request field is still untrusted."""
    code = (
        'const express = require("express");\nconst app = express();\n'
        'const ALLOWED = new Set(["/"]);\n'
        'app.get("/c", (req, res) => {\n'
        "  const target = new URL(req.query.to, process.env.BASE);\n"
        f"  if ({check}) {{\n    console.log('ok');\n  }}\n"
        "  res.redirect(req.query.to);\n});\n"
    )
    assert taint_cwes({"app.js": code}) == {601}
