"""Python closures and lambdas: request data through nested functions and lambda bodies.

Adaptive variants of the corpus's `*_closure_*`, `*_nested_*` and `*_lambda_*` cases (keyword
arguments, a value assigned after the nested `def`, `filter`, `sorted`, a callback lambda) and
hard negatives (the captured name made constant before the `def`, a lambda rebound to a safe
function, a sanitiser inside the lambda, a bare name that is a method elsewhere in the class).
"""

from __future__ import annotations

import pytest

from vallum.review import ReviewOptions, review_sources

HEAD = (
    "import os, shlex, subprocess, threading\nfrom flask import Flask, request\n"
    "app = Flask(__name__)\n\n@app.route('/r', methods=['POST'])\ndef r():\n"
    "    name = request.form['n']\n"
)


def command_findings(body: str, head: str = HEAD) -> int:
    report = review_sources({"app.py": (head + body).encode()}, ReviewOptions(min_confidence=0.0))
    return sum(f.rule == "taint.command-injection" for f in report.findings)


@pytest.mark.parametrize(
    "body",
    [
        # closures: read when the nested function runs
        "    def go():\n        os.system('ls ' + name)\n    go()\n    return 'ok'\n",
        "    later = 'x'\n    def go():\n        os.system('ls ' + later)\n"
        "    later = name\n    go()\n    return 'ok'\n",
        "    def outer():\n        def inner():\n            os.system('ls ' + name)\n"
        "        inner()\n    outer()\n    return 'ok'\n",
        # nested functions called with the data
        "    def go(arg, flag=False):\n        os.system('ls ' + arg)\n    go(arg=name)\n"
        "    return 'ok'\n",
        "    def a(x):\n        return b(x)\n    def b(y):\n        return os.system(y)\n"
        "    return str(a(name))\n",
        # lambdas
        "    run = lambda c: os.system(c)\n    run(c=name)\n    return 'ok'\n",
        "    cmd = lambda: 'ls ' + name\n    os.system(cmd())\n    return 'ok'\n",
        "    for c in map(lambda n: 'ls ' + n, [name]):\n        os.system(c)\n    return 'ok'\n",
        "    for c in filter(lambda n: n, [name]):\n        os.system(c)\n    return 'ok'\n",
        "    for c in sorted([name], key=lambda n: len(n)):\n        os.system(c)\n    return 'ok'\n",
        "    app.after_request(lambda resp: os.system('log ' + name) or resp)\n    return 'ok'\n",
    ],
)
def test_flow_through_closures_and_lambdas(body: str) -> None:
    """Request data reaches a shell through a nested function or a lambda body."""
    assert 1 <= command_findings(body)


@pytest.mark.parametrize(
    "body",
    [
        "    name = 'fixed'\n    def go():\n        os.system('ls ' + name)\n    go()\n"
        "    return 'ok'\n",
        "    def go():\n        os.system('ls ' + shlex.quote(name))\n    go()\n    return 'ok'\n",
        "    run = lambda c: os.system(shlex.quote(c))\n    run(name)\n    return 'ok'\n",
        "    run = lambda c: os.system(c)\n    run = print\n    run(name)\n    return 'ok'\n",
        "    pick = lambda c: {'a': 'ls', 'b': 'df'}.get(c, 'ls')\n    os.system(pick(name))\n"
        "    return 'ok'\n",
        "    def go(arg):\n        os.system('ls /tmp')\n        return arg\n    go(name)\n"
        "    return 'ok'\n",
        "    for c in map(lambda n: 'ls', [name]):\n        os.system(c)\n    return 'ok'\n",
    ],
)
def test_no_flow_through_closures_and_lambdas(body: str) -> None:
    """A closure or lambda that never hands the data to the shell unchanged is not reported."""
    assert 0 == command_findings(body)


def test_bare_name_in_a_method_is_not_a_sibling_method() -> None:
    """Inside a method, `run(x)` is the module's function, not the class's `run` method."""
    source = (
        "import os\nfrom flask import request\n\ndef run(x):\n    return len(x)\n\n"
        "class View:\n    def run(self, x):\n        os.system(x)\n\n"
        "    def get(self):\n        return run(request.args['x'])\n"
    )
    report = review_sources({"app.py": source.encode()}, ReviewOptions(min_confidence=0.0))
    assert [] == [f for f in report.findings if f.rule == "taint.command-injection"]
