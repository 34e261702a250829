# expect:
import secrets

from flask import Flask, make_response

app = Flask(__name__)


@app.route("/")
def index():
    # Double-submit CSRF cookie: page scripts must read it to echo it in a header.
    response = make_response("ok")
    response.set_cookie(
        "csrf_token", secrets.token_urlsafe(32), secure=True, httponly=False, samesite="Strict"
    )
    response.set_cookie("XSRF-TOKEN", secrets.token_hex(16), secure=True, samesite="Lax")
    return response
