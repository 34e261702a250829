# expect:
import hashlib
import os
import secrets

from flask import Flask, make_response

app = Flask(__name__)


def generate_csrf_token() -> str:
    # SHA-1 over 64 fresh random bytes: nothing for an attacker to choose or guess.
    return hashlib.sha1(os.urandom(64)).hexdigest()


def new_session_token() -> str:
    seed = secrets.token_bytes(32)
    return hashlib.md5(seed).hexdigest()


@app.route("/form")
def form():
    response = make_response("<form>...</form>")
    response.headers["X-Token"] = generate_csrf_token() + new_session_token()
    return response
