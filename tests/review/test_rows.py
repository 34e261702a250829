"""A query's rows are new data, not its SQL text; SQL wrappers still carry the text.

Adaptive variants of `cwe89_rows_*` (a cursor kept in a name, `executemany`, pandas) and hard
negatives: `text(sql)` and `Markup(x)` return their input wrapped, so it stays tainted.
"""

from __future__ import annotations

import pytest

from vallum.review import ReviewOptions, review_sources

HEAD = (
    "import sqlite3\nimport pandas\nfrom markupsafe import Markup\nfrom sqlalchemy import text\n"
    "from flask import Flask, request\napp = Flask(__name__)\n\n@app.route('/r')\ndef r():\n"
    "    col = request.args['c']\n    conn = sqlite3.connect('a')\n"
)


def rules(body: str) -> set[str]:
    source = HEAD + body
    report = review_sources({"app.py": source.encode()}, ReviewOptions(min_confidence=0.0))
    return {f.rule for f in report.findings if f.rule.startswith("taint.")}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "    cur = conn.execute('SELECT n FROM t ORDER BY ' + col)\n"
            "    return '<p>' + str(len(list(cur))) + '</p>'\n",
            {"taint.sql-injection"},
        ),
        (
            "    frame = pandas.read_sql('SELECT n FROM t ORDER BY ' + col, conn)\n"
            "    return '<p>%d</p>' % frame.shape[0]\n",
            {"taint.sql-injection"},
        ),
        # wrappers: the result is the SQL text or the markup itself
        (
            "    q = text('SELECT n FROM t ORDER BY ' + col)\n    conn.execute(str(q))\n"
            "    return str(q)\n",
            {"taint.sql-injection", "taint.xss"},
        ),
        ("    page = Markup('<b>' + col + '</b>')\n    return page\n", {"taint.xss"}),
    ],
)
def test_rows_are_new_data(body: str, expected: set[str]) -> None:
    """Rows of an injectable query are not reflected input; wrapped SQL and markup still are."""
    assert expected == rules(body)
