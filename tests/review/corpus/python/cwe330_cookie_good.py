# expect:
import random
import secrets
import time

from flask import Flask, make_response

app = Flask(__name__)


@app.route("/remember")
def remember():
    time.sleep(random.random() / 10)  # jitter: not a security value
    value = secrets.token_hex(16)
    resp = make_response("ok")
    resp.set_cookie("rememberMe", value, secure=True, httponly=True, samesite="Lax")
    return resp
