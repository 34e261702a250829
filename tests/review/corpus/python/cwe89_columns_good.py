# expect:
import sqlite3

from flask import Flask, abort, request

app = Flask(__name__)
COLUMNS = ("id", "name", "email", "created")


@app.route("/users")
def users():
    cols = request.args.getlist("col")
    bad = [c for c in cols if c not in COLUMNS]
    if bad:
        abort(400, "unknown columns")
    sql = "SELECT {} FROM users".format(", ".join(cols))
    rows = sqlite3.connect("app.db").execute(sql).fetchall()
    return {"rows": [list(r) for r in rows]}

