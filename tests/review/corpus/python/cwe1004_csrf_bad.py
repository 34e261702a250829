# expect: 1004
import secrets

from flask import Flask, make_response

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    # The value is the session; "csrf" only appears in the value's variable name.
    csrf_session = secrets.token_urlsafe(32)
    response = make_response("ok")
    response.set_cookie("session", csrf_session, secure=True, httponly=False, samesite="Lax")
    return response
