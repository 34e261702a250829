# expect:
import sqlite3

from flask import Flask, request

app = Flask(__name__)


class Search:
    """A query object: the table is the server's choice, the term the client's."""

    def __init__(self, table: str, term: str) -> None:
        self.table = table
        self.term = term
        self.order = "id"

    def order_by(self, column: str) -> None:
        self.order = column

    def sql(self) -> str:
        return f"SELECT id FROM {self.table} WHERE name = ? ORDER BY {self.order}"

    def params(self) -> tuple[str, ...]:
        return (self.term,)



@app.route("/search")
def search():
    q = Search("users", request.args.get("q", ""))
    q.order_by("name")
    rows = sqlite3.connect("app.db").execute(q.sql(), q.params()).fetchall()
    return {"ids": [r[0] for r in rows]}
