"""Taint tracking: sources to sinks within and across functions and modules, with sanitizers."""

from __future__ import annotations

import pytest

from vallum.review import ReviewOptions, review_sources

FLASK = "from flask import Flask, request\nimport os, subprocess, sqlite3\napp = Flask(__name__)\n"


# Every finding, the usually-noise ones below the default confidence too.
EVERY = ReviewOptions(min_confidence=0.0)


def cwes(sources: dict[str, str]) -> set[int]:
    report = review_sources({k: v.encode() for k, v in sources.items()}, EVERY)
    return {f.cwe for f in report.findings if f.rule.startswith("taint.")}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("os.system('x ' + request.args['a'])", {78}),
        ("subprocess.run(request.form['c'], shell=True)", {78}),
        ("subprocess.run(['ls', request.form['c']])", set()),
        ("subprocess.run(['ls', shlex.quote(request.form['c'])], shell=True)", set()),
        ("sqlite3.connect('d').execute(f\"select {request.args['q']}\")", {89}),
        ("sqlite3.connect('d').execute('select ?', (request.args['q'],))", set()),
        ("eval(request.args['e'])", {94}),
        ("eval(int(request.args['e']))", set()),
        ("open(os.path.join('/d', request.args['f']))", {22}),
        ("open(os.path.join('/d', os.path.basename(request.args['f'])))", set()),
        ("open(os.environ['HOME'])", set()),
        ("os.system(os.environ['CMD'])", {78}),
    ],
)
def test_flask_flows(body: str, expected: set[int]) -> None:
    """A request value reaching a sink is a finding; sanitized or parameterized values are not."""
    source = FLASK + "import shlex\n@app.route('/r')\ndef r():\n    " + body + "\n    return 'ok'\n"
    assert expected == cwes({"app.py": source})


def test_interprocedural_flow_through_helper_and_return_value() -> None:
    """Taint passes through a helper's return value and into a sink inside another helper."""
    source = FLASK + (
        "def build(x):\n    return 'ls ' + x\n"
        "def run(cmd):\n    os.system(cmd)\n"
        "@app.route('/r')\ndef r():\n    run(build(request.args['a']))\n    return ''\n"
    )
    assert {78} == cwes({"app.py": source})


def test_cross_module_flow_is_reported_at_the_sink() -> None:
    """A route in one module passing request data to a sink in another module is found there."""
    views = (
        FLASK
        + "from pkg.db import find\n@app.route('/r')\ndef r():\n    return find(request.args['q'])\n"
    )
    db = "def find(name):\n    return CURSOR.execute('select ' + name)\n"
    report = review_sources({"pkg/views.py": views.encode(), "pkg/db.py": db.encode()})
    expected = [("pkg/db.py", 89)]
    assert expected == [(f.path, f.cwe) for f in report.findings if f.rule.startswith("taint.")]


@pytest.mark.parametrize(
    ("guard", "expected"),
    [
        ("if name not in ALLOWED:\n        return ''\n", set()),
        ("if not name.isalnum():\n        return ''\n", set()),
        ("if name in ALLOWED:\n        pass\n", {78}),
        ("", {78}),
    ],
)
def test_validators_in_conditions(guard: str, expected: set[int]) -> None:
    """An allow-list or validator check that returns on failure clears the value after it."""
    source = FLASK + (
        "ALLOWED = {'a'}\n@app.route('/r')\ndef r():\n    name = request.args['n']\n    "
        + guard
        + "    os.system('run ' + name)\n    return ''\n"
    )
    assert expected == cwes({"app.py": source})


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [("str", {22}), ("int", set())],
)
def test_fastapi_parameters_are_sources_unless_typed_safe(
    annotation: str, expected: set[int]
) -> None:
    """FastAPI handler parameters are untrusted; int-typed ones are validated by the framework."""
    source = (
        "from fastapi import FastAPI\napp = FastAPI()\n"
        f"@app.get('/f/{{name}}')\ndef f(name: {annotation}):\n    return open(f'/d/{{name}}').read()\n"
    )
    assert expected == cwes({"api.py": source})


def test_llm_output_is_a_source() -> None:
    """Text from an LLM completion reaching `exec` is code injection (prompt injection path)."""
    source = (
        "from openai import OpenAI\nclient = OpenAI()\n"
        "def go():\n    r = client.chat.completions.create(model='m', messages=[])\n"
        "    exec(r.choices[0].message.content)\n"
    )
    assert {94} == cwes({"agent.py": source})


def test_entry_point_parameters_are_untrusted_with_lower_confidence() -> None:
    """A named entry point nothing calls: its parameters reaching a sink are reported."""
    source = "import os\ndef clean(path):\n    os.system('rm -rf ' + path)\n"
    for pattern in ("clean", "snippet.*", "*"):
        options = ReviewOptions(entry_points=(pattern,))
        report = review_sources({"snippet.py": source.encode()}, options)
        expected = [("taint.command-injection", 0.6)]
        assert expected == [(f.rule, f.confidence) for f in report.findings]
    # --min-confidence drops them
    strict = ReviewOptions(entry_points=("*",), min_confidence=0.8)
    assert review_sources({"snippet.py": source.encode()}, strict).findings == []


def test_library_parameters_are_not_sources() -> None:
    """Parameters of functions nobody in the tree calls are not attacker data by default."""
    source = (
        "class Conn:\n    def _execute(self, operation, params=None):\n"
        "        self.cursor.execute(operation, params)\n"
        "def clean(path):\n    import os\n    os.system('rm -rf ' + path)\n"
    )
    assert review_sources({"lib.py": source.encode()}).findings == []
    named = ReviewOptions(entry_points=("other_*",))
    assert review_sources({"lib.py": source.encode()}, named).findings == []


def test_local_operator_inputs_have_lower_confidence() -> None:
    """argv, stdin, input() and the environment are sources, reported below request data."""
    source = (
        "import os, sys, subprocess\nfrom flask import request\n"
        "def main():\n    subprocess.run(sys.argv[1], shell=True)\n"
        "    eval(input())\n    os.system(request.args['x'])\n"
    )
    found = sorted(
        (f.line, f.confidence) for f in review_sources({"cli.py": source.encode()}, EVERY).findings
    )
    assert found == [(4, 0.5), (5, 0.5), (6, 1.0)]
    js = b"require('child_process').exec('ls ' + process.argv[2]);"
    assert [0.5] == [f.confidence for f in review_sources({"cli.js": js}, EVERY).findings]


def test_guards_prove_only_what_both_sides_prove() -> None:
    """`a and not valid(x)` false: x is empty or valid; `a and b` false proves nothing alone."""
    template = (
        "from django.http import HttpResponseRedirect\n"
        "from django.utils.http import url_has_allowed_host_and_scheme as ok\n"
        "def view(request):\n    n = request.GET.get('next')\n"
        "    if {cond}:\n        n = '/'\n    return HttpResponseRedirect(n)\n"
    )
    safe = template.format(cond="(n or request.accepts('text/html')) and not ok(n, None)")
    assert cwes({"v.py": safe}) == set()
    unsafe = template.format(cond="request.user.is_anonymous and not ok(n, None)")
    assert cwes({"v.py": unsafe}) == {601}


def test_request_meta_server_keys_are_not_client_data() -> None:
    """WSGI environ keys the server sets are not sources; client headers and the query are."""
    template = "def view(request):\n    request.session['k'] = {value}\n"
    for value, found in (
        ("request.META['CSRF_COOKIE']", set()),
        ("request.META.get('SERVER_NAME')", set()),
        ("request.META['HTTP_X_ROLE']", {501}),
        ("request.META.get('HTTP_REFERER')", {501}),
        ("request.META['QUERY_STRING']", {501}),
        ("request.META[key]", {501}),  # an unknown key may be a header
    ):
        assert cwes({"v.py": template.format(value=value)}) == found, value


VIEW = (
    "import os, configparser\nfrom flask import Flask, request\napp = Flask(__name__)\n"
    "@app.route('/t')\ndef t():\n    param = request.args.get('p', '')\n{body}"
    "    os.system('echo ' + bar)\n    return 'ok'\n"
)


@pytest.mark.parametrize(
    ("body", "found"),
    [
        # constant conditions decide the branch (both directions)
        ("    bar = param if (7 * 42) - 86 > 200 else 'safe'\n", {78}),
        ("    bar = param if (7 * 42) - 106 > 200 else 'safe'\n", set()),
        ("    num = 86\n    if (7 * 42) - num > 200:\n        bar = param\n"
         "    else:\n        bar = 'safe'\n", {78}),
        ("    num = 106\n    if (7 * 42) - num > 200:\n        bar = param\n"
         "    else:\n        bar = 'safe'\n", set()),
        # a switch over a character of a constant string
        ("    guess = 'ABC'\n    target = guess[1]\n    if target == 'A':\n        bar = param\n"
         "    elif target == 'B':\n        bar = 'bob'\n    else:\n        bar = param\n", set()),
        ("    guess = 'ABC'\n    target = guess[0]\n    if target == 'A':\n        bar = param\n"
         "    elif target == 'B':\n        bar = 'bob'\n    else:\n        bar = 'x'\n", {78}),
        # dictionaries remember literal keys
        ("    m = {}\n    m['a'] = 'safe'\n    m['b'] = param\n    bar = m['a']\n", set()),
        ("    m = {}\n    m['a'] = 'safe'\n    m['b'] = param\n    bar = m['b']\n", {78}),
        ("    m = {}\n    m['b'] = param\n    k = input_key()\n    bar = m[k]\n", {78}),
        # containers and config parsers filled through methods
        ("    lst = ['safe']\n    lst.append(param)\n    bar = lst[-1]\n", {78}),
        ("    conf = configparser.ConfigParser()\n    conf.add_section('s')\n"
         "    conf.set('s', 'k', param)\n    bar = conf.get('s', 'k')\n", {78}),
        # list elements by position, through pop/insert/append
        ("    lst = ['safe', param, 'more']\n    bar = lst[0]\n", set()),
        ("    lst = ['safe', param, 'more']\n    bar = lst[1]\n", {78}),
        ("    lst = ['safe', param, 'more']\n    lst.pop(0)\n    bar = lst[0]\n", {78}),
        ("    lst = ['safe', param, 'more']\n    lst.pop(1)\n    bar = lst[1]\n", set()),
        ("    lst = ['safe', param]\n    bar = lst.pop()\n", {78}),
        ("    lst = ['safe', param]\n    lst.pop()\n    bar = lst.pop()\n", set()),
        ("    lst = ['a', 'b']\n    lst.insert(0, param)\n    bar = lst[0]\n", {78}),
        ("    lst = ['a', 'b']\n    lst.insert(0, param)\n    bar = lst[1]\n", set()),
        ("    lst = ['a', param]\n    lst.reverse()\n    bar = lst[0]\n", {78}),  # forgotten
        ("    lst = ['a', param]\n    lst.pop(k())\n    bar = lst[0]\n", {78}),  # unknown index
        ("    lst = ['a', param]\n    lst = ['b']\n    bar = lst[0]\n", set()),
        ("    lst = [param]\n    lst = other()\n    bar = lst[0]\n", set()),  # rebound
        ("    m = {'a': 'x'}\n    m['b'] = param\n    bar = m.get('a')\n", set()),
        ("    m = {}\n    m['b'] = param\n    bar = m.get('b', 'd')\n", {78}),
        ("    m = {}\n    m['b'] = param\n    bar = m.pop('b')\n", {78}),
        ("    m = {}\n    m['b'] = param\n    m.pop('b')\n    m['b'] = 'x'\n    bar = m['b']\n", set()),
        ("    conf = configparser.ConfigParser()\n    conf.add_section('s')\n"
         "    conf.set('s', 'k', 'v')\n    conf.set('s', 'j', param)\n    bar = conf.get('s', 'k')\n",
         set()),
        # a record looked up by the client's key is stored data (only HTML output is unsafe)
        ("    book = db.get_book(param)\n    bar = book.path\n", set()),
        ("    bar = repo.find_user(param).home\n", set()),
        ("    bar = helper.get_name(param)\n    bar = bar + param\n", {78}),  # the key itself
        # the rows a query returns are not the query's parameters
        ("    bar = str(db.execute('SELECT a FROM t WHERE b = ?', (param,)).fetchone()[0])\n",
         set()),
    ],
)  # fmt: skip
def test_value_flow_through_constants_and_containers(body: str, found: set[int]) -> None:
    assert cwes({"v.py": VIEW.format(body=body)}) == found


@pytest.mark.parametrize(
    ("ret", "found"),
    [
        ("    return 'Hello ' + name\n", {79}),
        ("    out = ''\n    out += f'Value: {name}'\n    return out\n", {79}),
        ("    return 'Hello {}'.format(name)\n", {79}),
        ("    return {'name': name}\n", set()),
        ("    from html import escape\n    return 'Hello ' + escape(name)\n", set()),
        ("    out = 'Hello ' + name\n    out = len(out)\n    return str(out)\n", set()),
    ],
)
def test_flask_text_responses_reflect_input(ret: str, found: set[int]) -> None:
    """Flask serves a returned str as text/html: built from input, it is reflected XSS."""
    code = (
        "from flask import Flask, request\napp = Flask(__name__)\n@app.route('/h')\n"
        f"def h():\n    name = request.args.get('n', '')\n{ret}"
    )
    assert cwes({"h.py": code}) == found


@pytest.mark.parametrize(
    ("body", "found"),
    [
        # the value's name says nothing; where it goes does
        ("    value = random.random()\n    key = str(value)[2:]\n    session['remember'] = key\n",
         {330}),
        ("    v = random.getrandbits(64)\n    resp.set_cookie('rememberMe', str(v))\n", {330}),
        ("    v = random.randint(0, 99)\n    resp.set_cookie(key='n', value=f'{v}')\n", {330}),
        ("    v = secrets.token_hex(16)\n    session['remember'] = v\n", set()),
        ("    v = random.SystemRandom().random()\n    session['remember'] = str(v)\n", set()),
        # a weak random number that never becomes a security value
        ("    delay = random.random()\n    time.sleep(delay)\n    session['n'] = 1\n", set()),
    ],
)  # fmt: skip
def test_weak_random_reaching_session_or_cookie(body: str, found: set[int]) -> None:
    code = (
        "import random, secrets, time\nfrom flask import Flask, session, make_response\n"
        "app = Flask(__name__)\n@app.route('/r')\ndef r():\n    resp = make_response('ok')\n"
        f"{body}    return resp\n"
    )
    assert {CANON.get(c, c) for c in cwes({"r.py": code}) | _pattern(code)} == found


CANON = {338: 330}


def _pattern(code: str) -> set[int]:
    found = review_sources({"r.py": code.encode()}).findings
    return {f.cwe for f in found if f.rule == "crypto.weak-random"}


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("    return requests.get(f'https://api.example.com/users/{q}').text\n", set()),
        ("    return requests.get('https://api.example.com/users/' + q).text\n", set()),
        ("    return requests.get(f'https://{q}/status').text\n", {918}),
        ("    return requests.get(q + '/status').text\n", {918}),
        ("    return requests.get(f'{BASE}/users/{q}').text\n", set()),  # BASE: a constant
        ("    return HttpResponse(q, content_type='text/plain')\n", set()),
        ("    return Response(q, mimetype='application/json')\n", set()),
        ("    return Response(q)\n", {79}),
        ("    return HttpResponse(q, content_type=ctype)\n", {79}),  # unknown: may be HTML
        ("    return make_response(jsonify(result=q))\n", set()),  # application/json
        ("    return make_response(send_from_directory('/srv', 'f.txt'))\n", set()),
        ("    return make_response(q)\n", {79}),
        ("    return Markup(q)\n", {79}),
        ("    return make_response(Markup(q).unescape())\n", {79}),  # the raw text, as HTML
        ("    comment = Markup(q).unescape()\n    return 'ok'\n", set()),  # plain text again
        ("    return make_response(json.dumps({'q': q}))\n", {79}),  # a string: text/html
        ("    session['user_id'] = int(request.form['id'])\n    return 'ok'\n", {501}),
        ("    session['page'] = 'home' if q == 'home' else 'list'\n    return 'ok'\n", set()),
        ("    session.update({'role': q})\n    return 'ok'\n", {501}),
        ("    session.update(role=q)\n    return 'ok'\n", {501}),
        ("    session.update({'visits': 1})\n    return 'ok'\n", set()),
        ("    session.is_editing = q\n    return 'ok'\n", set()),  # an attribute: not a key
        # a redirect's input chooses the page only before the query string and fragment
        ("    return redirect(q)\n", {601}),
        ("    return redirect(f'{q}?from=login')\n", {601}),
        ("    return redirect('/' + q)\n", {601}),  # '//evil.example'
        ("    return redirect('https://' + q + '/home')\n", {601}),
        ("    return redirect(q + '#top')\n", {601}),
        ("    return redirect(f'{BASE}/login?next={q}')\n", set()),
        ("    return redirect(url_for('login') + '?next=' + q)\n", set()),
        ("    return redirect(f'/users/{q}')\n", set()),
        ("    return redirect('https://example.com/u/' + q)\n", set()),
        # a table lookup returns the table's value (or the default), not the key
        ("    return redirect(PAGES.get(q, '/'))\n", set()),
        ("    return redirect(PAGES[q])\n", set()),
        ("    return redirect(PAGES.get('x', q))\n", {601}),  # the default is the input
        ("    return redirect(request.args.get('n'))\n", {601}),
        ("    os.system(COMMANDS.get(q, 'true'))\n    return 'ok'\n", set()),
        ("    os.system(COMMANDS.get('ls') + q)\n    return 'ok'\n", {78}),
    ],
)  # fmt: skip
def test_what_the_input_can_choose(body: str, found: set[int]) -> None:
    """Fixed hosts, non-HTML responses and casts: what the attacker's value can still do."""
    code = (
        "import os, json, requests\nfrom flask import Flask, request, session, Response, redirect, url_for\n"
        "from flask import jsonify, make_response, send_from_directory\nfrom markupsafe import Markup\n"
        "from django.http import HttpResponse\nBASE = 'https://api.example.com'\n"
        "PAGES = {'home': '/', 'orders': '/orders'}\nCOMMANDS = {'ls': 'ls -l'}\n"
        "app = Flask(__name__)\n@app.route('/x')\ndef v():\n    q = request.args.get('q', '')\n"
        f"    ctype = request.args.get('t')\n{body}"
    )
    assert cwes({"a.py": code}) == found


@pytest.mark.parametrize(
    ("template", "found"),
    [
        ("<p>{{ bio|safe }}</p>", {79}),
        ("<p>{{ bio | safe }}</p>", {79}),
        ("{% autoescape false %}<p>{{ bio }}</p>{% endautoescape %}", {79}),
        ("<p>{{ bio }}</p>", set()),
        ("<p>{{ title|safe }}</p><p>{{ bio }}</p>", set()),  # only the constant is unescaped
    ],
)
def test_unescaped_template_variables(template: str, found: set[int]) -> None:
    """A view passing input to a template that prints it with `|safe` is reflected XSS."""
    view = (
        "from flask import Flask, render_template, request\napp = Flask(__name__)\n"
        "@app.route('/p')\ndef p():\n"
        "    return render_template('p.html', bio=request.args.get('bio'), title='Hi')\n"
    )
    assert cwes({"app.py": view, "templates/p.html": template}) == found
    django = (
        "from django.shortcuts import render\n"
        "def p(request):\n"
        "    return render(request, 'p.html', {'bio': request.GET['bio'], 'title': 'Hi'})\n"
    )
    assert cwes({"views.py": django, "app/templates/p.html": template}) == found


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("    return hashlib.md5(request.args['p'].encode()).hexdigest()\n", True),
        ("    h = hashlib.md5()\n    h.update(request.args['p'].encode())\n    return h.hexdigest()\n", True),
        ("    h = hashlib.new('sha1')\n    h.update(request.form['p'].encode())\n    return 'ok'\n", True),
        ("    return hashlib.new('md5', request.args['p'].encode()).hexdigest()\n", True),
        ("    d = {'v': request.args['p']}\n    return hashlib.sha1(d['v'].encode()).hexdigest()\n", True),
        # a strong hash, a constant, the server's own file: not chosen by the client
        ("    h = hashlib.sha256()\n    h.update(request.args['p'].encode())\n    return 'ok'\n", False),
        ("    h = hashlib.md5()\n    h.update(b'static')\n    return h.hexdigest()\n", False),
        ("    return hashlib.md5(open('/srv/app.css', 'rb').read()).hexdigest()\n", False),
        ("    return hashlib.md5(request.args['p'].encode(), usedforsecurity=False).hexdigest()\n", False),
        ("    h = hashlib.md5(usedforsecurity=False)\n    h.update(request.args['p'].encode())\n    return 'ok'\n", False),
    ],
)  # fmt: skip
def test_weak_hash_over_client_data_is_shown_by_default(body: str, shown: bool) -> None:
    """MD5/SHA-1 over request data is reported at the default confidence (0.7): the client
    chooses the input, so it can choose collisions; checksums of the server's own data are not."""
    code = "import hashlib\nfrom flask import Flask, request\napp = Flask(__name__)\n"
    code += "@app.route('/h')\ndef h():\n" + body
    found = review_sources({"h.py": code.encode()}).findings
    assert shown == any(f.cwe == 328 for f in found)


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("    match 'ABC'[0]:\n        case 'A':\n            bar = q\n        case _:\n            bar = 'x'\n", {22}),
        ("    match 'ABC'[1]:\n        case 'A':\n            bar = q\n        case _:\n            bar = 'x'\n", set()),
        ("    match 'ABC'[1]:\n        case 'A' | 'C':\n            bar = q\n        case _:\n            bar = 'x'\n", {22}),
        ("    match mode:\n        case 'a':\n            bar = 'x'\n        case _:\n            bar = q\n", {22}),
        ("    match mode:\n        case 'a':\n            bar = q\n        case 'b':\n            bar = 'y'\n", {22}),
        ("    bar = q\n    match mode:\n        case 'a':\n            bar = 'x'\n        case _:\n            bar = 'y'\n", set()),
        ("    bar = q\n    match mode:\n        case 'a' if q:\n            bar = 'x'\n        case 'b':\n            bar = 'y'\n", {22}),
    ],
)  # fmt: skip
def test_match_statements(body: str, found: set[int]) -> None:
    """One case of a `match` runs: a constant subject picks it, otherwise any (or none) may."""
    code = (
        "from flask import Flask, request\napp = Flask(__name__)\n@app.route('/m')\ndef m():\n"
        "    q = request.args['q']\n    mode = request.args['mode']\n    bar = 'init'\n"
        f"{body}    return open('/srv/' + bar).read()\n"
    )
    assert found == cwes({"m.py": code})


@pytest.mark.parametrize(
    ("rule", "found"),
    [("<int:n>", set()), ("<uuid:n>", set()), ("<n>", {22}), ("<path:n>", {22})],
)
def test_typed_flask_route_parameters_are_not_paths(rule: str, found: set[int]) -> None:
    """`<int:n>` hands the view a number; `<n>` and `<path:n>` hand it the client's text."""
    code = f"from flask import Flask\napp = Flask(__name__)\n@app.route('/f/{rule}')\n"
    code += "def f(n):\n    return open(f'/srv/{n}').read()\n"
    assert found == cwes({"f.py": code})


def test_flows_in_test_code_are_below_the_default() -> None:
    """A test server's echo endpoint is not shipped code: found, at confidence 0.5."""
    code = FLASK + "@app.route('/echo')\ndef echo():\n    os.system(request.args['c'])\n"
    assert [] == review_sources({"tests/util.py": code.encode()}).findings
    assert {78} == cwes({"tests/util.py": code})
