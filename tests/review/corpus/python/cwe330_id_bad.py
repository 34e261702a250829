# expect: 330
import random

from flask import Flask, session

app = Flask(__name__)


@app.route("/start")
def start():
    session_id = "%016x" % random.getrandbits(64)
    session["sid"] = session_id
    return {"sid": session_id}
