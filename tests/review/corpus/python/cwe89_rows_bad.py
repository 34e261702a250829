# expect: 89
import sqlite3

from flask import Flask, request

app = Flask(__name__)


@app.route("/counts")
def counts():
    # The grouping column is injectable; the page shows only the counts, as numbers.
    column = request.args.get("by", "status")
    cursor = sqlite3.connect("app.db").execute(f"SELECT count(*) FROM orders GROUP BY {column}")
    return "<ul>" + "".join("<li>{:d}</li>".format(r[0]) for r in cursor) + "</ul>"
