# expect: 89 79
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/names")
def names():
    # Injectable, and the rows (stored text) are written into the page unescaped.
    column = request.args.get("by", "status")
    rows = sqlite3.connect("app.db").execute(f"SELECT name FROM users ORDER BY {column}").fetchall()
    return "<ul>" + "".join(f"<li>{r[0]}</li>" for r in rows) + "</ul>"
