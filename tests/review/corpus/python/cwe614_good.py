# expect:
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    response = make_response("ok")
    response.set_cookie("session", "abc", secure=True, httponly=True, samesite="Lax")
    return response
