# expect: 614
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    response = make_response("ok")
    response.set_cookie("session", "abc", httponly=True)
    return response
