"""JavaScript/TypeScript across files: routes handing request data to helpers elsewhere."""

from __future__ import annotations

import pytest

from vallum.review import review_sources

ROUTE = (
    'const express = require("express");\nconst app = express();\n'
    'app.get("/a", (req, res) => res.json(CALL));\n'
)
PG = 'const { Pool } = require("pg");\nconst pool = new Pool();\n'


def found(files: dict[str, str]) -> set[tuple[str, int]]:
    report = review_sources({name: code.encode() for name, code in files.items()})
    return {(f.path, f.cwe) for f in report.findings if f.cwe}


def route(call: str, imports: str) -> str:
    return imports + ROUTE.replace("CALL", call)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # CommonJS: exports.f, module.exports = { f }, module.exports = f, a shorthand alias
        (
            {
                "r.js": route("h.find(req.query.n)", 'const h = require("./h");\n'),
                "h.js": PG + "exports.find = (n) => pool.query('SELECT ' + n);\n",
            },
            {("h.js", 89)},
        ),
        (
            {
                "r.js": route("run(req.query.n)", 'const { find: run } = require("./lib/h");\n'),
                "lib/h.js": PG + "function find(n) { return pool.query(`SELECT ${n}`); }\n"
                "module.exports = { find };\n",
            },
            {("lib/h.js", 89)},
        ),
        (
            {
                "r.js": route("find(req.query.n)", 'const find = require("./h");\n'),
                "h.js": PG + "module.exports = function (n) { return pool.query('x' + n); };\n",
            },
            {("h.js", 89)},
        ),
        # ES modules: default export, renamed export, a `.js` specifier naming a `.ts` file
        (
            {
                "r.ts": route("find(String(req.query.n))", 'import find from "./h";\n'),
                "h.ts": PG + "export default async function find(n: string) {\n"
                "  return pool.query(`SELECT ${n}`);\n}\n",
            },
            {("h.ts", 89)},
        ),
        (
            {
                "r.ts": route("lookup(req.params.n)", 'import { lookup } from "./h.js";\n'),
                "h.ts": PG + "const find = (n: string) => pool.query('SELECT ' + n);\n"
                "export { find as lookup };\n",
            },
            {("h.ts", 89)},
        ),
        # two hops: the route's helper passes the value to a helper in a third file
        (
            {
                "r.js": route("a.outer(req.query.n)", 'const a = require("./a");\n'),
                "a.js": 'const { inner } = require("./b");\n'
                "exports.outer = (v) => inner('prefix-' + v);\n",
                "b.js": 'const cp = require("child_process");\n'
                "exports.inner = (cmd) => cp.execSync(cmd);\n",
            },
            {("b.js", 78)},
        ),
        # the helper's result carries the input back to a sink in the route
        (
            {
                "r.js": 'const { wrap } = require("./h");\nconst cp = require("child_process");\n'
                + ROUTE.replace("res.json(CALL)", "cp.exec(wrap(req.query.n))"),
                "h.js": "exports.wrap = (v) => `ls ${v}`;\n",
            },
            {("r.js", 78)},
        ),
        # a local helper in the same file, and recursion that must terminate
        (
            {
                "r.js": PG
                + "function f(n, depth) { return depth ? f(n, depth - 1) : pool.query('q' + n); }\n"
                + ROUTE.replace("CALL", "f(req.query.n, 3)"),
            },
            {("r.js", 89)},
        ),
    ],
)
def test_flows_through_project_functions(
    files: dict[str, str], expected: set[tuple[str, int]]
) -> None:
    """Request data passed to a function in another file is reported at that file's sink."""
    assert expected == found(files)


@pytest.mark.parametrize(
    "files",
    [
        # the helper parameterises the query
        {
            "r.js": route("h.find(req.query.n)", 'const h = require("./h");\n'),
            "h.js": PG + "exports.find = (n) => pool.query('SELECT $1', [n]);\n",
        },
        # the helper sanitises and returns; the route uses the result in a path
        {
            "r.js": 'const fs = require("fs");\nconst { safe } = require("./h");\n'
            + ROUTE.replace("res.json(CALL)", "res.send(fs.readFileSync(safe(req.query.f)))"),
            "h.js": 'const path = require("path");\nexports.safe = (f) => path.basename(f);\n',
        },
        # the helper returns a file's contents, not the input: not reflected
        {
            "r.js": route("h.read(req.query.f)", 'const h = require("./h");\n').replace(
                "res.json", "res.send"
            ),
            "h.js": 'const fs = require("fs");\n'
            "exports.read = (f) => fs.readFileSync('/srv/' + require('path').basename(f));\n",
        },
        # the helper's sink sees only its constant parameter, not the request value
        {
            "r.js": route("h.run('ls', req.query.n)", 'const h = require("./h");\n'),
            "h.js": 'const cp = require("child_process");\n'
            "exports.run = (cmd, label) => { cp.execSync(cmd); return label.length; };\n",
        },
        # a package of the same name is not a project file
        {
            "r.js": route("find(req.query.n)", 'const { find } = require("h");\n'),
            "h.js": PG + "exports.find = (n) => pool.query('SELECT ' + n);\n",
        },
    ],
)
def test_hard_negatives(files: dict[str, str]) -> None:
    """Sanitised, parameterised or unrelated values through helpers are not reported."""
    assert set() == found(files)
