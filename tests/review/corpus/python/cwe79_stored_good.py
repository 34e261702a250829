# expect:
import sqlite3
from html import escape

from flask import Flask, request

app = Flask(__name__)


@app.route("/comments", methods=["POST"])
def add_comment():
    db = sqlite3.connect("app.db")
    db.execute("INSERT INTO comments (body) VALUES (?)", (request.form["body"],))
    db.commit()
    return "", 204


@app.route("/comments")
def comments():
    db = sqlite3.connect("app.db")
    rows = db.execute("SELECT body FROM comments").fetchall()
    return "<ul>" + "".join("<li>" + escape(row[0]) + "</li>" for row in rows) + "</ul>"
