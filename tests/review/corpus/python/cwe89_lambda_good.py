# expect:
import sqlite3

from flask import Flask, request

app = Flask(__name__)
ORDER = {"id": "id", "name": "name"}


@app.route("/users")
def users():
    by = lambda col: f"SELECT id FROM users ORDER BY {ORDER.get(col, 'id')}"  # noqa: E731
    conn = sqlite3.connect("app.db")
    rows = conn.execute(by(request.args.get("sort", "id"))).fetchall()
    return {"ids": [r[0] for r in rows]}
