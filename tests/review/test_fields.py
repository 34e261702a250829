"""Field-sensitive objects: each attribute keeps its own taint across constructors and methods.

Adaptive variants of the corpus's `cwe89_fields_*` cases (keyword arguments, a method reading a
field through another method, the object handed to a function, a setter) and hard negatives (the
tainted field itself, a setter that sets it only sometimes, the object rebound with other data,
a field set from outside, a function reading the tainted field of a parameter).
"""

from __future__ import annotations

import pytest

from vallum.review import ReviewOptions, review_sources

CLS = (
    "import sqlite3\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
    "class Q:\n    def __init__(self, table, term=''):\n        self.table = table\n"
    "        self.term = term\n        self.order = 'id'\n"
    "    def name(self):\n        return self.table\n"
    "    def sql(self):\n        return 'SELECT id FROM ' + self.name() + ' ORDER BY ' + self.order\n"
    "    def sort(self, column):\n        self.order = column\n"
    "    def maybe_sort(self, column):\n        if column:\n            self.order = column\n\n"
    "def run(q):\n    return sqlite3.connect('a').execute(q.sql()).fetchall()\n\n"
    "def run_table(q):\n    return sqlite3.connect('a').execute('SELECT * FROM ' + q.table)\n\n"
    "@app.route('/s')\ndef s():\n    term = request.args['q']\n"
)


# Inside `run(q)` the class of `q` is unknown, so `q.sql()` passes the whole object on.
UNTYPED = pytest.mark.xfail(strict=True, reason="a method on a parameter of unknown class")


def sql_findings(body: str) -> int:
    source = CLS + body + "    return 'ok'\n"
    report = review_sources({"app.py": source.encode()}, ReviewOptions(min_confidence=0.0))
    return sum(f.rule == "taint.sql-injection" for f in report.findings)


@pytest.mark.parametrize(
    "body",
    [
        "    q = Q('users', term)\n    sqlite3.connect('a').execute(q.sql(), (q.term,))\n",
        "    q = Q(table='users', term=term)\n    sqlite3.connect('a').execute(q.sql())\n",
        pytest.param(
            "    q = Q('users', term)\n    run(q)\n",
            marks=UNTYPED,
        ),
        "    q = Q('users', term)\n    run_table(q)\n",
        pytest.param(
            "    q = Q('users', term)\n    q.sort('name')\n    run(q)\n",
            marks=UNTYPED,
        ),
        pytest.param(
            "    q = Q('users', term)\n    q.maybe_sort('')\n    run(q)\n",
            marks=UNTYPED,
        ),
    ],
)
def test_clean_field_of_a_tainted_object(body: str) -> None:
    """SQL built from the object's server-chosen fields is not tainted by its other fields."""
    assert 0 == sql_findings(body)


@pytest.mark.parametrize(
    "body",
    [
        "    q = Q(term)\n    run(q)\n",
        "    q = Q(table=term)\n    sqlite3.connect('a').execute(q.sql())\n",
        "    q = Q('users')\n    q.sort(term)\n    run(q)\n",
        "    q = Q('users')\n    q.maybe_sort(term)\n    run(q)\n",
        "    q = Q('users')\n    q.order = term\n    run(q)\n",
        "    q = Q('users')\n    q = Q(term)\n    run(q)\n",
        "    q = Q('users', term)\n    q.table = q.term\n    run_table(q)\n",
        "    q = Q(term)\n    run_table(q)\n",
    ],
)
def test_tainted_field_still_reported(body: str) -> None:
    """The field that does carry request data still reaches the query, however it got there."""
    assert 1 <= sql_findings(body)


VIEW = (
    "from django.shortcuts import redirect\n\n"
    "class Bulk:\n    def __init__(self, request):\n        self.request = request\n"
    "        self.next_url = '/admin/'\n"
    "    def ids(self):\n        return self.request.GET.getlist('id')\n"
    "    def done(self):\n        self.items = self.ids()\n        return redirect({target})\n"
)


@pytest.mark.parametrize(
    ("target", "flagged"),
    [
        ("self.next_url", False),  # another field's request data is not this field's
        ("self.items[0]", True),
        ("self.request.GET['next']", True),
    ],
)
def test_one_field_written_does_not_taint_another(target: str, flagged: bool) -> None:
    """Storing request data in `self.items` leaves `self.next_url` as it was."""
    source = VIEW.format(target=target)
    report = review_sources({"views.py": source.encode()}, ReviewOptions(min_confidence=0.0))
    assert flagged == any(f.rule == "taint.open-redirect" for f in report.findings)
