"""Inferred path-component sanitisers: project functions whose result is one safe file name.

Adaptive variants of the corpus's `cwe22_component_*` cases (the sanitiser written with
`replace`, `re.sub`, a per-character filter, a guard, a literal suffix, another module) and hard
negatives: one that keeps '..', one that re-adds '/', one whose '..' guard runs before
truncating, one that sanitises another argument, one that joins two parameters, anchored
patterns, and one returning the value on a path the model cannot follow.
"""

from __future__ import annotations

import pytest

from vallum.review import ReviewOptions, review_sources

HEAD = (
    "import os, re\nfrom flask import Flask, request\napp = Flask(__name__)\nBASE = '/srv/notes'\n"
)
ROUTE = (
    "@app.route('/n')\ndef n():\n    d = {call}\n"
    "    with open(os.path.join(BASE, d, 'notes.txt')) as fh:\n        return fh.read(), 200,"
    " {{'Content-Type': 'text/plain'}}\n"
)


def path_findings(helper: str, call: str = "clean(request.args['u'])") -> int:
    source = HEAD + helper + "\n\n" + ROUTE.format(call=call)
    report = review_sources({"app.py": source.encode()}, ReviewOptions(min_confidence=0.0))
    return sum(f.rule == "taint.path-traversal" for f in report.findings)


SAFE = [
    # separators replaced, then '..' ruled out
    "def clean(n):\n    n = n.replace('/', '_')\n    if n in ('.', '..'):\n"
    "        raise ValueError(n)\n    return n\n",
    "def clean(n):\n    n = n.replace('/', '_')\n    if not n or n == '..':\n"
    "        return 'anon'\n    return n\n",
    "def clean(n):\n    n = n.replace('/', '_')\n    if '..' in n:\n        raise ValueError(n)\n"
    "    return n\n",
    "def clean(n):\n    return n.replace('/', '-').replace('..', '_')\n",
    "def clean(n):\n    return n.replace('/', '-').strip().lstrip('.')\n",
    "def clean(n):\n    return n.lower().replace('/', '-').replace('.', '-')\n",
    # a literal suffix: never exactly '..'
    "def clean(n):\n    return n.replace('/', '_') + ' (1)'\n",
    # a regular expression that removes every '/' and every '.'
    "def clean(n):\n    return re.sub(r'[^\\w-]', '', n)\n",
    "def clean(n):\n    n = re.sub('[/.]+', '_', n)\n    return n[:64]\n",
    # per-character filters, allow-list and block-list
    "def clean(n):\n    return ''.join(c for c in n if c.isalnum() or c in '-_')\n",
    "def clean(n):\n    return ''.join([c for c in n if c not in './\\\\'])\n",
    "def clean(n):\n    kept = ''.join(c for c in n if c.isalnum())\n    return kept or 'anon'\n",
    # a branch that picks between two safe results
    "def clean(n, short=False):\n    n = n.replace('/', '_').replace('.', '_')\n"
    "    if short:\n        n = n[:8]\n    return n\n",
]

UNSAFE = [
    # '..' survives
    "def clean(n):\n    return n.replace('/', '_')\n",
    "def clean(n):\n    return re.sub(r'[<>:|?*]', '_', n)\n",
    "def clean(n):\n    return ''.join(c for c in n if c.isalnum() or c in '-_.')\n",
    "def clean(n):\n    return n.replace('../', '')\n",
    # the '..' guard holds only before later cuts
    "def clean(n):\n    n = n.replace('/', '_')\n    if n in ('.', '..'):\n        raise ValueError\n"
    "    return n[:32].strip()\n",
    "def clean(n):\n    if n[-1:] == '.':\n        n = n[:-1] + '_'\n"
    "    n = n.replace('/', '_')\n    return n[:96].strip()\n",
    # dots joined again by removing what stood between them
    "def clean(n):\n    n = n.replace('/', '-').replace('..', '_')\n    return n.replace('_', '')\n",
    # '/' added back, or removed only at the start
    "def clean(n):\n    return n.replace('/', '_').replace('.', '_').replace('_', '/')\n",
    "def clean(n):\n    return re.sub(r'^/+', '', n).replace('.', '')\n",
    # the sanitiser cleans another argument, or joins two parameters
    "def clean(n, other=''):\n    other = other.replace('/', '').replace('.', '')\n    return n\n",
    "def clean(n, ext='txt'):\n    return n.replace('/', '').replace('.', '') + ext\n",
    # a step the model does not know
    "def clean(n):\n    n = n.replace('/', '_').replace('.', '_')\n    return helper(n)\n\n"
    "def helper(x):\n    return x\n",
    "def clean(n):\n    n = n.replace('/', '_').replace('.', '_')\n    for c in '<>':\n"
    "        n = n + c\n    return n\n",
    "def clean(n):\n    if n.isalnum():\n        return n\n    return n.replace('/', '')\n",
]


@pytest.mark.parametrize("helper", SAFE)
def test_component_sanitiser_clears_path(helper: str) -> None:
    """A helper whose every result is one safe path component clears path traversal."""
    assert 0 == path_findings(helper)


@pytest.mark.parametrize("helper", UNSAFE)
def test_not_a_component_sanitiser(helper: str) -> None:
    """A helper that can still return '..' or a '/' (or that the model cannot follow) is not."""
    assert 1 == path_findings(helper)


def test_sanitiser_in_another_module() -> None:
    """The inferred sanitiser works across modules, like any summary."""
    helper = "def clean(n):\n    return re.sub(r'[^A-Za-z0-9_-]', '', n)\n"
    route = HEAD.replace("import os, re\n", "import os, re\nfrom names import clean\n")
    sources = {
        "names.py": ("import re\n\n" + helper).encode(),
        "app.py": (route + ROUTE.format(call="clean(request.args['u'])")).encode(),
    }
    report = review_sources(sources, ReviewOptions(min_confidence=0.0))
    assert [] == [f for f in report.findings if f.rule == "taint.path-traversal"]


def test_sanitised_value_keeps_other_kinds() -> None:
    """A file-name sanitiser proves nothing about SQL: the same value in a query is reported."""
    helper = "def clean(n):\n    return re.sub(r'[^A-Za-z0-9_-]', '', n)\n"
    source = (
        HEAD + "import sqlite3\n" + helper + "\n\n@app.route('/q')\ndef q():\n"
        "    d = clean(request.args['u'])\n"
        "    return str(sqlite3.connect('x').execute(\"SELECT * FROM t WHERE a = '\" + d + \"'\"))\n"
    )
    report = review_sources({"app.py": source.encode()}, ReviewOptions(min_confidence=0.0))
    assert {"taint.sql-injection"} == {f.rule for f in report.findings if f.cwe == 89}
