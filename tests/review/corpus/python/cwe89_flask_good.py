# expect:
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/users")
def users():
    name = request.args.get("name", "")
    conn = sqlite3.connect("app.db")
    rows = conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchall()
    return {"ids": [r[0] for r in rows]}
