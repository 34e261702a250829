# expect:
import sqlite3

from flask import Flask, abort, request

app = Flask(__name__)
COLUMNS = ("id", "name", "email", "created")


@app.route("/users")
def users():
    cols = request.args.getlist("col")
    if not all(c in COLUMNS for c in cols):
        return {"error": "unknown column"}, 400
    sql = "SELECT {} FROM users".format(", ".join(cols))
    rows = sqlite3.connect("app.db").execute(sql).fetchall()
    return {"rows": [list(r) for r in rows]}

