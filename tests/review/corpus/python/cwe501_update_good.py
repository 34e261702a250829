# expect:
from flask import Flask, session

app = Flask(__name__)


@app.route("/visit")
def visit():
    session.update({"visits": session.get("visits", 0) + 1})
    return "", 204
