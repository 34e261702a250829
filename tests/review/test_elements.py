"""Every element of a list checked: `if [c for c in cols if c not in ALLOWED]: raise`.

Adaptive variants of the corpus's `cwe89_columns_*` cases (the violations list, `any`, `all`,
other ways to leave, an allow-list as a regular expression) and hard negatives: a check that does
not leave, another list checked, a check that one element passes, a transformed or doubly looped
comprehension, the list rebound after the check.
"""

from __future__ import annotations

import pytest

from vallum.review import ReviewOptions, review_sources

HEAD = (
    "import re, sqlite3\nfrom flask import Flask, abort, request\napp = Flask(__name__)\n"
    "COLUMNS = ('id', 'name')\n\n@app.route('/u')\ndef u():\n"
    "    cols = request.args.getlist('c')\n    other = request.args.getlist('o')\n"
)
TAIL = (
    "    sql = 'SELECT ' + ', '.join(cols) + ' FROM users'\n"
    "    return {'n': len(sqlite3.connect('a').execute(sql).fetchall())}\n"
)


def sql_findings(check: str) -> int:
    source = HEAD + check + TAIL
    report = review_sources({"app.py": source.encode()}, ReviewOptions(min_confidence=0.0))
    return sum(f.rule == "taint.sql-injection" for f in report.findings)


@pytest.mark.parametrize(
    "check",
    [
        "    bad = [c for c in cols if c not in COLUMNS]\n    if bad:\n        abort(400)\n",
        "    bad = [c for c in cols if c not in COLUMNS]\n    if bad:\n        return 'no', 400\n",
        "    unknown = [x for x in cols if not x in COLUMNS]\n    if unknown:\n        raise KeyError\n",
        "    if any(c not in COLUMNS for c in cols):\n        raise ValueError\n",
        "    if any(not re.fullmatch('[a-z_]+', c) for c in cols):\n        abort(400)\n",
        "    if not all(c in COLUMNS for c in cols):\n        return 'no', 400\n",
        "    if not all(c in COLUMNS for c in cols):\n        abort(400)\n    else:\n        pass\n",
    ],
)
def test_every_element_checked(check: str) -> None:
    """A list whose every element passed an allow-list check is safe to build SQL from."""
    assert 0 == sql_findings(check)


@pytest.mark.parametrize(
    "check",
    [
        "    bad = [c for c in cols if c not in COLUMNS]\n    if bad:\n        print(bad)\n",
        "    bad = [c for c in other if c not in COLUMNS]\n    if bad:\n        abort(400)\n",
        "    if any(c not in COLUMNS for c in other):\n        abort(400)\n",
        "    if any(c in COLUMNS for c in cols):\n        abort(400)\n",
        "    if all(c not in COLUMNS for c in cols):\n        abort(400)\n",
        "    if not any(c in COLUMNS for c in cols):\n        abort(400)\n",
        "    bad = [c.strip() for c in cols if c not in COLUMNS]\n    if bad:\n        abort(400)\n",
        "    bad = [c for c in cols for d in other if c not in COLUMNS]\n    if bad:\n"
        "        abort(400)\n",
        "    bad = [c for c in cols if c not in COLUMNS]\n    if bad:\n        abort(400)\n"
        "    cols = request.args.getlist('z')\n",
        "    bad = [c for c in cols if c not in COLUMNS]\n    bad = []\n    if bad:\n"
        "        abort(400)\n",
    ],
)
def test_not_every_element_checked(check: str) -> None:
    """A check that does not cover every element of the list used (or does not leave) proves nothing."""
    assert 1 == sql_findings(check)
