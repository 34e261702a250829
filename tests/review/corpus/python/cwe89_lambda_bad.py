# expect: 89
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/users")
def users():
    by = lambda col: f"SELECT id FROM users ORDER BY {col}"  # noqa: E731
    conn = sqlite3.connect("app.db")
    rows = conn.execute(by(request.args.get("sort", "id"))).fetchall()
    return {"ids": [r[0] for r in rows]}
