# expect:
import random
import secrets

from flask import Flask, session

app = Flask(__name__)


@app.route("/start")
def start():
    session_id = secrets.token_hex(8)
    session["sid"] = session_id
    return {"sid": session_id, "tip": random.choice(["hello", "welcome"])}
