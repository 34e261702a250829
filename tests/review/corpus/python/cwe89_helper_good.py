# expect:
from fastapi import FastAPI
from sqlalchemy import text

app = FastAPI()
ORDERS = {"name", "price"}


def fetch(session, order):
    if order not in ORDERS:
        raise ValueError("bad order")
    return session.execute(text("SELECT * FROM items ORDER BY " + order)).all()


@app.get("/items")
def items(order: str, session=None):
    return fetch(session, order)
