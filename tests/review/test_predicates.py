"""Inferred validators: project functions whose true result proves an argument safe.

Adaptive variants of the corpus's `*_predicate_*` cases (other modules, keywords, methods, a
predicate calling a predicate, `return True` under a check) and hard negatives (a predicate
about another argument, one that can be true without a check, one that returns the value, a
prefix check without normalising, a check that proves nothing about redirects).
"""

from __future__ import annotations

import pytest

from .helpers import taint_cwes

HEAD = (
    "import os, subprocess\nfrom urllib.parse import urlparse\n"
    "from flask import Flask, request, redirect\napp = Flask(__name__)\n"
    "TOOLS = {'df', 'uptime'}\nDEBUG = False\n"
)
RUN = (
    "@app.route('/r', methods=['POST'])\ndef r():\n    tool = request.form['t']\n"
    "    if not {call}:\n        return 'no', 400\n    subprocess.run(tool, shell=True)\n"
    "    return 'ok'\n"
)


@pytest.mark.parametrize(
    ("helper", "call", "expected"),
    [
        # validators: the allow-list check, written several ways
        ("def ok(n):\n    return n in TOOLS\n", "ok(tool)", set()),
        (
            "def ok(n):\n    if n in TOOLS:\n        return True\n    return False\n",
            "ok(tool)",
            set(),
        ),
        (
            "def ok(n):\n    if n not in TOOLS:\n        return False\n    else:\n        return True\n",
            "ok(tool)",
            set(),
        ),
        ("def ok(x, n):\n    return n in TOOLS\n", "ok(1, n=tool)", set()),
        (
            "def inner(n):\n    return n in TOOLS\ndef ok(n):\n    return inner(n.strip())\n",
            "ok(tool)",
            set(),
        ),
        ("def ok(n):\n    name = n.lower()\n    return name in TOOLS\n", "ok(tool)", set()),
        # not validators
        ("def ok(n, who):\n    return who == 'admin'\n", "ok(tool, request.form['u'])", {78}),
        (
            "def ok(n):\n    if DEBUG:\n        return True\n    return n in TOOLS\n",
            "ok(tool)",
            {78},
        ),
        ("def ok(n):\n    return len(n) < 64\n", "ok(tool)", {78}),
        ("def ok(n):\n    return n\n", "ok(tool)", {78}),
        ("def ok(n):\n    log(n)\n", "ok(tool)", {78}),
        ("def ok(n):\n    return all(n == t for t in TOOLS)\n", "ok(tool)", {78}),
        ("def ok(n):\n    return n in TOOLS or DEBUG\n", "ok(tool)", {78}),
    ],
)
def test_predicate_validates_only_what_every_true_return_checks(
    helper: str, call: str, expected: set[int]
) -> None:
    assert expected == taint_cwes({"app.py": HEAD + helper + RUN.format(call=call)})


def test_predicate_in_another_module() -> None:
    checks = "TOOLS = {'df'}\ndef known(n):\n    return n in TOOLS\n"
    view = HEAD + "from pkg.checks import known\n" + RUN.format(call="known(tool)")
    assert set() == taint_cwes({"pkg/checks.py": checks, "pkg/app.py": view})
    unsafe = checks.replace("return n in TOOLS", "return n is not None")
    assert {78} == taint_cwes({"pkg/checks.py": unsafe, "pkg/app.py": view})


def test_predicate_method_on_self() -> None:
    source = HEAD + (
        "class Runner:\n    def ok(self, n):\n        return n in TOOLS\n"
        "    def go(self):\n        tool = request.form['t']\n        if self.ok(tool):\n"
        "            subprocess.run(tool, shell=True)\n"
    )
    assert set() == taint_cwes({"app.py": source})
    assert {78} == taint_cwes({"app.py": source.replace("if self.ok(tool):", "if self.ok('df'):")})


@pytest.mark.parametrize(
    ("helper", "expected"),
    [
        # scheme and host empty: a path on this site
        (
            "def local(u):\n    p = urlparse(u)\n    return p.scheme == '' and p.netloc == ''\n",
            set(),
        ),
        # `startswith('/')` lets `//evil.example` through
        ("def local(u):\n    return u.startswith('/')\n", {601}),
        ("def local(u):\n    return any(u.startswith(p) for p in ('/a', '/b'))\n", {601}),
        ("def local(u):\n    return any(u == p for p in ('/a', '/b'))\n", set()),
    ],
)
def test_redirect_predicates(helper: str, expected: set[int]) -> None:
    view = (
        "@app.route('/login')\ndef login():\n    nxt = request.args.get('next', '/')\n"
        "    if not local(nxt):\n        nxt = '/'\n    return redirect(nxt)\n"
    )
    assert expected == taint_cwes({"app.py": HEAD + helper + view})


@pytest.mark.parametrize(
    ("helper", "expected"),
    [
        ("def inside(p):\n    return os.path.realpath(p).startswith('/srv/')\n", set()),
        ("def inside(p):\n    r = os.path.abspath(p)\n    return r.startswith('/srv/')\n", set()),
        # not normalised: /srv/../etc/passwd starts with /srv/
        ("def inside(p):\n    return p.startswith('/srv/')\n", {22}),
        ("def inside(p):\n    return os.path.exists(p)\n", {22}),
    ],
)
def test_path_predicates(helper: str, expected: set[int]) -> None:
    view = (
        "@app.route('/d')\ndef d():\n    f = os.path.join('/srv', request.args['f'])\n"
        "    if inside(f):\n        os.remove(f)\n    return ''\n"
    )
    assert expected == taint_cwes({"app.py": HEAD + helper + view})


def test_absolute_import_of_the_reviewed_package_resolves() -> None:
    """Reviewing a package from inside, `from myapp.pkg.checks import known` is `pkg.checks`."""
    checks = "TOOLS = {'df'}\ndef known(n):\n    return n in TOOLS\n"
    view = HEAD + "from myapp.pkg.checks import known\n" + RUN.format(call="known(tool)")
    assert set() == taint_cwes({"pkg/checks.py": checks, "pkg/app.py": view})
    sink = "import os\ndef run(c):\n    os.system(c)\n"
    caller = HEAD + "from myapp.pkg.shell import run\n@app.route('/x')\ndef x():\n"
    caller += "    run(request.args['c'])\n    return ''\n"
    assert {78} == taint_cwes({"pkg/shell.py": sink, "pkg/app.py": caller})


def test_url_map_match_validates_a_redirect_in_a_helper() -> None:
    """Calibre-Web's `get_redirect_location`: a target no route serves is replaced."""
    helper = (
        "from flask import current_app, url_for\n"
        "def location(nxt, endpoint):\n    target = nxt or url_for(endpoint)\n"
        "    adapter = current_app.url_map.bind('h')\n"
        "    if not len(adapter.allowed_methods(target)):\n        target = url_for(endpoint)\n"
        "    return target\n"
    )
    view = "@app.route('/n')\ndef n():\n    return redirect(location(request.args['next'], 'i'))\n"
    assert set() == taint_cwes({"app.py": HEAD + helper + view})
    unchecked = helper.replace("adapter.allowed_methods(target)", "adapter.allowed_methods('/')")
    assert {601} == taint_cwes({"app.py": HEAD + unchecked + view})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("pickle.loads(pickle.dumps(request.args['o']))", set()),
        ("pickle.loads(request.get_data())", {502}),
        ("pickle.loads(base64.b64decode(request.args['o']))", {502}),
    ],
)
def test_pickle_round_trip_is_a_copy(body: str, expected: set[int]) -> None:
    view = f"import pickle, base64\n@app.route('/p')\ndef p():\n    {body}\n    return ''\n"
    assert expected == taint_cwes({"app.py": HEAD + view})


CLS = (
    "class Shell:\n    def __init__(self, cmd):\n        self.cmd = cmd\n"
    "    def run(self):\n        os.system(self.cmd)\n"
    "    def quoted(self, arg):\n        return shlex.quote(arg)\n"
    "    def label(self):\n        return 'shell'\n"
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # the instance carries the request value into its own method's sink
        ("s = Shell(request.args['c'])\n    s.run()", {78}),
        ("s = Shell('ls')\n    os.system(s.label() + request.args['c'])", {78}),
        # the method's summary decides, not a guess that every method passes everything on
        ("s = Shell(request.args['c'])\n    os.system('echo ' + s.label())", set()),
        ("s = Shell('ls')\n    os.system('ls ' + s.quoted(request.args['c']))", set()),
        ("s = Shell(request.args['c'])\n    os.system('ls ' + s.quoted('x'))", set()),
    ],
)
def test_methods_on_instances_use_the_class_summary(body: str, expected: set[int]) -> None:
    view = f"import shlex\n{CLS}@app.route('/s')\ndef s_view():\n    {body}\n    return ''\n"
    assert expected == taint_cwes({"app.py": HEAD + view})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # the answer kept in a variable, then tested
        ("ok, why = check(tool)\n    if not ok:\n        return why", set()),
        ("ok = check(tool)\n    if not ok:\n        return 'no'", set()),
        ("ok = TOOL_RE.fullmatch(tool)\n    if not ok:\n        return 'no'", set()),
        # rebinding after the check, a check of another value, a reason that is not the answer
        (
            "ok, why = check(tool)\n    tool = request.form['u']\n    if not ok:\n        return why",
            {78},
        ),
        ("ok, why = check('df')\n    if not ok:\n        return why", {78}),
        ("why, ok = check(tool)\n    if not ok:\n        return why", {78}),
        ("ok = check(tool)\n    ok = True\n    if not ok:\n        return 'no'", {78}),
    ],
)
def test_validation_result_kept_in_a_variable(body: str, expected: set[int]) -> None:
    helper = (
        "import re\nTOOL_RE = re.compile('[a-z]+')\n"
        "def check(n):\n    if n not in TOOLS:\n        return False, 'unknown tool'\n"
        "    return True, ''\n"
    )
    view = (
        f"@app.route('/v', methods=['POST'])\ndef v():\n    tool = request.form['t']\n    {body}\n"
        "    subprocess.run(tool, shell=True)\n    return 'ok'\n"
    )
    assert expected == taint_cwes({"app.py": HEAD + helper + view})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("return redirect(CDN + '/' + request.args['id'] + '/img.jpg')", set()),
        ("return redirect(CDN + request.args['id'])", set()),
        # a constant that names no host, a local that shadows the constant, a tainted first part
        ("return redirect(SCHEME + request.args['h'])", {601}),
        ("CDN = request.args['h']\n    return redirect(CDN + '/x')", {601}),
        ("return redirect(request.args['h'] + CDN)", {601}),
        ("for CDN in request.args.getlist('h'):\n        return redirect(CDN + '/x')", {601}),
    ],
)
def test_redirect_after_a_host_constant(body: str, expected: set[int]) -> None:
    consts = "CDN = 'https://cdn.example.com/images'\nSCHEME = 'https://'\n"
    view = f"@app.route('/c')\ndef c():\n    {body}\n"
    assert expected == taint_cwes({"app.py": HEAD + consts + view})


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        # the request part lands after `?` or `#`, built in a helper (Django's RedirectView)
        ("return '%s?%s' % (url, q)", set()),
        ("return '%s#%s' % (url, q)", set()),
        ("return url + '?next=' + q", set()),
        ("return f'{url}?{q}'", set()),
        ("out = '%s?%s' % (url, q)\n    return out", set()),
        # the request part chooses the page
        ("return '%s%s?x' % (url, q)", {601}),
        ("return '%s?%s' % (q, url)", {601}),
        ("return q + '?' + url", {601}),
        ("return f'{q}?{url}'", {601}),
        ("return '%(u)s%(q)s' % {'u': url, 'q': q}", {601}),
    ],
)
def test_query_string_built_in_a_helper(build: str, expected: set[int]) -> None:
    helper = f"def target(url, q):\n    {build}\n"
    view = (
        "@app.route('/t')\ndef t():\n"
        "    return redirect(target('/home', request.META.get('QUERY_STRING', '')))\n"
    )
    assert expected == taint_cwes({"app.py": HEAD + helper + view})


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("urlencode({'next': request.args['n']})", set()),
        ("'/list?' + urlencode({'f': request.args['f']})", set()),
        # quote keeps '/' by default, so `//evil.example` survives
        ("quote(request.args['n'])", {601}),
        ("request.args['n'] + '?' + urlencode({'a': 1})", {601}),
    ],
)
def test_urlencoded_values_choose_no_host(target: str, expected: set[int]) -> None:
    view = (
        "from urllib.parse import urlencode, quote\n"
        f"@app.route('/u')\ndef u():\n    return redirect({target})\n"
    )
    assert expected == taint_cwes({"app.py": HEAD + view})


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        ("r.headers['Content-Type'] = 'application/json; charset=utf-8'", set()),
        ("r.mimetype = 'text/plain'", set()),
        # typed as HTML, typed only sometimes, typed after it was replaced, another response
        ("r.headers['Content-Type'] = 'text/html'", {79}),
        ("if DEBUG:\n        r.mimetype = 'application/json'", {79}),
        # the first response is rebound before it is typed: still reported (conservative)
        ("r = make_response(request.args['q'])\n    r.mimetype = 'text/plain'", {79}),
        ("other = make_response('x')\n    other.mimetype = 'application/json'", {79}),
    ],
)
def test_response_typed_after_it_is_made(after: str, expected: set[int]) -> None:
    view = (
        "from flask import make_response\n@app.route('/m')\ndef m():\n"
        f"    r = make_response(request.args['q'])\n    {after}\n    return r\n"
    )
    assert expected == taint_cwes({"app.py": HEAD + view})


def test_response_typed_after_return_does_not_count() -> None:
    view = (
        "from flask import make_response\n@app.route('/m')\ndef m():\n"
        "    r = make_response(request.args['q'])\n    return r\n"
        "    r.mimetype = 'application/json'\n"
    )
    assert {79} == taint_cwes({"app.py": HEAD + view})
