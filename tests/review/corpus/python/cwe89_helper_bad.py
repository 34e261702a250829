# expect: 89
from fastapi import FastAPI
from sqlalchemy import text

app = FastAPI()


def build_query(table, order):
    return "SELECT * FROM " + table + " ORDER BY " + order


def fetch(session, order):
    return session.execute(text(build_query("items", order))).all()


@app.get("/items")
def items(order: str, session=None):
    return fetch(session, order)
